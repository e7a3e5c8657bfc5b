"""The house's floors, enforced by folder: what each layer of the package may import.

    ground      _version, _values/            imports nothing else from the package
    data        errors, model_info, catalog, types, generation, config, tool_choice
    protocol    _protocol/                    pure request building and parsing   } siblings: neither
    resilience  _resilience/                  pure breaker, retry, routing policy } imports the other
    telemetry   _telemetry/                   OpenTelemetry spans and metrics (imported lazily, never httpx)
    http        _http/                        httpx: transport, error mapping, engine
    client      client, _client_copies, _model_management, _generation, _functions, registry
    adapters    _adapters/, langchain/, llama_index/, cli/, testing, __main__

A module may import its own floor or any floor below, never one above; nothing imports the package root
(`cb_ollama_integrations/__init__.py` only re-exports). Only `_http/` and `client.py` import httpx; nothing
below the adapters imports a framework; only `_telemetry/` imports OpenTelemetry; the adapters import only
public core modules (and `_adapters/`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cb_ollama_integrations

PACKAGE = Path(cb_ollama_integrations.__file__).resolve().parent
ROOT = "cb_ollama_integrations"
FLOORS: dict[str, tuple[int, frozenset[str]]] = {
    "ground": (0, frozenset({"_version", "_values"})),
    "data": (1, frozenset({"errors", "model_info", "catalog", "types", "generation", "config", "tool_choice"})),
    "protocol": (2, frozenset({"_protocol"})),
    "resilience": (2, frozenset({"_resilience"})),
    "telemetry": (3, frozenset({"_telemetry"})),
    "http": (4, frozenset({"_http"})),
    "client": (5, frozenset({"client", "_client_copies", "_context_windows", "_model_management", "_generation",
                             "_functions", "registry"})),
    "adapters": (6, frozenset({"_adapters", "langchain", "llama_index", "cli", "testing", "__main__"})),
}
FRAMEWORKS = frozenset({"langchain_core", "llama_index", "rich"})
HTTPX_ALLOWED = frozenset({"_http", "client"})
ADAPTER_PACKAGES = frozenset({"langchain", "llama_index", "cli"})


def floor_of(segment: str) -> str:
    """The floor a top-level module or folder of the package belongs to."""
    for name, (_, members) in FLOORS.items():
        if segment in members:
            return name
    raise AssertionError(f"{segment!r} is on no floor: add it to FLOORS (and to the README's Layout)")


def module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_submodule(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").exists()


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(kind, dotted parts) of every import in `path`: kind "package" (inside it, resolved) or "external"."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path)[:-1]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: list[str]) -> list[tuple[str, list[str]]]:
    """The imports of module source living in `package` (its dotted parts below the package root)."""
    tree = ast.parse(source)
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [("external", alias.name.split(".")) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            found.append(("package", parts[1:]) if parts[0] == ROOT else ("external", parts))
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = base + (node.module.split(".") if node.module else [])
            if not target:  # `from .. import x` up to the root: x is a submodule, or a name from the root
                found += [("package", [alias.name] if _is_submodule(alias.name) else []) for alias in node.names]
            else:
                found.append(("package", target))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _id(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def floor_violations(top: str, imports: list[tuple[str, list[str]]]) -> list[str]:
    """What a module on the floor of `top` imports against the rules (empty: nothing)."""
    own = floor_of(top)
    found = []
    for kind, parts in imports:
        if kind != "package":
            continue
        if not parts:
            found.append("imports the package root; import the module that defines the name")
            continue
        other = floor_of(parts[0])
        if FLOORS[other][0] > FLOORS[own][0]:
            found.append(f"({own}) imports {'.'.join(parts)} ({other}), a floor above")
        if {own, other} == {"protocol", "resilience"}:
            found.append(f"crosses protocol/resilience: {'.'.join(parts)}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_no_module_imports_a_floor_above_its_own_or_the_package_root(path: Path) -> None:
    assert floor_violations(module_name(path)[0], imports_of(path)) == []


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_httpx_and_frameworks_stay_on_their_floors(path: Path) -> None:
    top = module_name(path)[0]
    externals = {parts[0] for kind, parts in imports_of(path) if kind == "external"}
    if "httpx" in externals:
        assert top in HTTPX_ALLOWED, f"{_id(path)} imports httpx: only _http/ and client.py may"
    if externals & FRAMEWORKS:
        assert floor_of(top) == "adapters", f"{_id(path)} imports a framework below the adapter floor"
    if "opentelemetry" in externals:
        assert top == "_telemetry", f"{_id(path)} imports OpenTelemetry: only _telemetry/ may"
    if "langchain_core" in externals:
        assert top == "langchain", _id(path)
    if "llama_index" in externals:
        assert top == "llama_index", _id(path)


@pytest.mark.parametrize("path", [p for p in MODULES if module_name(p)[0] in ADAPTER_PACKAGES | {"_adapters"}],
                         ids=_id)
def test_adapters_import_only_public_core_names(path: Path) -> None:
    top = module_name(path)[0]
    for kind, parts in imports_of(path):
        if kind != "package" or parts[0] in (top, "_adapters"):
            continue
        private = [part for part in parts if part.startswith("_")]
        assert not private, f"{_id(path)} imports the private core module {'.'.join(parts)}"


@pytest.mark.parametrize(("package", "source"), [
    (["_protocol"], "from .._http.engine import Engine"),
    (["_resilience"], "from .._protocol.calls import Call"),
    (["_values"], "from ..config import OllamaConfig"),
    (["_http"], "from .. import OllamaClient"),
    ([], "from cb_ollama_integrations import LLMRequest"),
])
def test_the_checker_finds_an_upward_crossing_or_root_import(package: list[str], source: str) -> None:
    top = package[0] if package else "config"
    assert floor_violations(top, imports_in(source, package))


def test_an_unknown_folder_must_be_given_a_floor() -> None:
    with pytest.raises(AssertionError, match="on no floor"):
        floor_of("_somewhere_new")
