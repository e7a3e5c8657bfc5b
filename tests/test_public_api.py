"""The public surface and the layering rules: one layer owns HTTP, adapters only translate."""

from __future__ import annotations

import ast
from pathlib import Path

import cb_ollama_integrations

PACKAGE = Path(cb_ollama_integrations.__file__).resolve().parent
HTTP_LAYER = {"_transport.py", "_engine.py", "_call.py", "client.py", "_functions.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_http_layer_imports_httpx() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "httpx" in imported_modules(path) and path.name not in HTTP_LAYER
    ]
    assert offenders == []


def test_framework_adapters_stay_in_their_packages() -> None:
    for path in PACKAGE.rglob("*.py"):
        modules = imported_modules(path)
        relative = path.relative_to(PACKAGE).parts
        if "langchain_core" in modules:
            assert relative[0] == "langchain", path
        if "llama_index" in modules:
            assert relative[0] == "llama_index", path


def test_every_public_name_is_exported_and_documented() -> None:
    exported = set(cb_ollama_integrations.__all__)
    assert {"OllamaClient", "OllamaConfig", "LLMRequest", "LLMResponse", "StreamingChunk", "EmbeddingsRequest",
            "EmbeddingsResponse", "ModelInfo", "ModelCapability", "MessageRole", "TokenUsage", "ChatMessage",
            "create_client_from_env", "check_availability", "get_model_info", "get_recommended_models",
            "ProviderRegistry", "OllamaFactory", "create_default_registry", "LLMProviderType", "RoutingStrategy",
            "CircuitOpenError", "LLMTimeoutError", "NetworkError", "ModelNotFoundError"} <= exported
    for name in exported - {"__version__"}:
        obj = getattr(cb_ollama_integrations, name)
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 260} == {}
