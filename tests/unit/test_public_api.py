"""The public surface: what the package exports, documented, in small modules (the floors: test_layering.py)."""

from __future__ import annotations

from pathlib import Path

import cb_ollama_integrations

PACKAGE = Path(cb_ollama_integrations.__file__).resolve().parent
def test_every_public_name_is_exported_and_documented() -> None:
    exported = set(cb_ollama_integrations.__all__)
    assert {"OllamaClient", "OllamaConfig", "LLMRequest", "LLMResponse", "StreamingChunk", "EmbeddingsRequest",
            "EmbeddingsResponse", "ModelInfo", "ModelCapability", "MessageRole", "TokenUsage", "ChatMessage",
            "create_client_from_env", "check_availability", "get_model_info", "get_recommended_models",
            "ProviderRegistry", "OllamaFactory", "create_default_registry", "LLMProviderType", "RoutingStrategy",
            "CircuitOpenError", "LLMTimeoutError", "NetworkError", "ModelNotFoundError",
            "ContextWindowExceededError"} <= exported
    for name in exported - {"__version__"}:
        obj = getattr(cb_ollama_integrations, name)
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 260} == {}
