"""Every public name has a docstring, and every public module has a page in the API reference.

mkdocs --strict fails on a broken link or reference but renders an undocumented name silently, so this
walks the public surface itself: each module in PUBLIC_MODULES, every name in its `__all__`, and the public
methods and properties of every public class that this package defines.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = [
    "cb_ollama_integrations", "cb_ollama_integrations.errors", "cb_ollama_integrations.config",
    "cb_ollama_integrations.types", "cb_ollama_integrations.catalog", "cb_ollama_integrations.model_info",
    "cb_ollama_integrations.tool_choice", "cb_ollama_integrations.registry", "cb_ollama_integrations.client",
    "cb_ollama_integrations.langchain", "cb_ollama_integrations.llama_index", "cb_ollama_integrations.cli",
    "cb_ollama_integrations.testing",
]


def own_members(cls: type) -> list[tuple[str, object]]:
    """Public functions and properties of `cls` and of its bases from this package (not pydantic's or a framework's)."""
    found = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("cb_ollama_integrations"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            target = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            target = target.fget if isinstance(target, property) else target
            if inspect.isfunction(target):
                found.append((f"{klass.__name__}.{name}", target))
    return found


def undocumented(module: ModuleType) -> list[str]:
    missing = [] if inspect.getdoc(module) else [module.__name__]
    for name in getattr(module, "__all__", []):
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(f"{module.__name__}.{name}")
        if inspect.isclass(value):
            missing += [f"{module.__name__}.{n}" for n, f in own_members(value) if not inspect.getdoc(f)]
    return missing


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring(name: str) -> None:
    assert undocumented(importlib.import_module(name)) == []


def test_the_check_sees_a_missing_docstring() -> None:
    module = ModuleType("cb_ollama_integrations.example", "A module.")

    class Documented:
        """A class."""

        def method(self) -> None:
            pass

    Documented.__module__ = module.__name__
    module.Documented = Documented  # type: ignore[attr-defined]
    module.__all__ = ["Documented"]  # type: ignore[attr-defined]
    assert undocumented(module) == ["cb_ollama_integrations.example.Documented.method"]


def test_every_public_module_has_an_api_reference_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "reference").glob("*.md"))
    referenced = {line.removeprefix("::: ").split(".")[1] if line.count(".") else line.removeprefix("::: ")
                  for line in pages.splitlines() if line.startswith("::: ")}
    wanted = {name.split(".")[1] if "." in name else name for name in PUBLIC_MODULES}
    assert wanted <= referenced, sorted(wanted - referenced)


def test_every_docs_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    assert [p for p in pages if f": {p}\n" not in nav] == []
