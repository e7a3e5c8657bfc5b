"""cb_ollama_integrations: the Circuit Breaker Ollama provider for Python, with LangChain and LlamaIndex adapters.

The core (this package) needs only httpx and pydantic; `cb_ollama_integrations.langchain` and
`cb_ollama_integrations.llama_index` load their frameworks only when imported. The names that need httpx
(the client, the registry, the module functions) are loaded on first use, like every other public name:
importing the package loads nothing, and each name costs what its own module needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# Every public name is loaded from its module on first access (PEP 562): `import cb_ollama_integrations` then
# costs almost nothing (no pydantic, no httpx), and each name costs what its own module needs when used.
_LAZY = {
    "CircuitState": "._resilience.breaker",
    "get_model_info": ".catalog",
    "get_recommended_models": ".catalog",
    "OllamaConfig": ".config",
    "RoutingStrategy": ".config",
    **dict.fromkeys(
        ["CircuitOpenError", "ContextWindowExceededError", "InvalidRequestError", "LLMError", "LLMTimeoutError",
         "ModelNotFoundError", "NetworkError", "ParseError", "ProviderError", "RateLimitedError", "ServerError",
         "StreamError"],
        ".errors",
    ),
    "GenerateRequest": ".generation",
    "GenerateResponse": ".generation",
    "ModelCapability": ".model_info",
    "ModelInfo": ".model_info",
    "RunningModel": ".model_info",
    **dict.fromkeys(
        ["ChatMessage", "Choice", "EmbeddingData", "EmbeddingsRequest", "EmbeddingsResponse", "GenerationMetrics",
         "LLMRequest", "LLMResponse", "MessageRole", "StreamChoice", "StreamingChunk", "TokenUsage", "ToolCall"],
        ".types",
    ),
    # these modules import httpx
    "OllamaClient": ".client",
    "PullUpdate": "._protocol.pull",
    "acheck_availability": "._functions",
    "check_availability": "._functions",
    "create_client_from_env": "._functions",
    **dict.fromkeys(
        ["LLMProviderClient", "LLMProviderType", "OllamaFactory", "ProviderConfig", "ProviderFactory",
         "ProviderRegistry", "create_default_registry"],
        ".registry",
    ),
}

if TYPE_CHECKING:
    from ._functions import acheck_availability, check_availability, create_client_from_env
    from ._protocol.pull import PullUpdate
    from ._resilience.breaker import CircuitState
    from .catalog import get_model_info, get_recommended_models
    from .client import OllamaClient
    from .config import OllamaConfig, RoutingStrategy
    from .errors import (
        CircuitOpenError,
        ContextWindowExceededError,
        InvalidRequestError,
        LLMError,
        LLMTimeoutError,
        ModelNotFoundError,
        NetworkError,
        ParseError,
        ProviderError,
        RateLimitedError,
        ServerError,
        StreamError,
    )
    from .generation import GenerateRequest, GenerateResponse
    from .model_info import ModelCapability, ModelInfo, RunningModel
    from .registry import (
        LLMProviderClient,
        LLMProviderType,
        OllamaFactory,
        ProviderConfig,
        ProviderFactory,
        ProviderRegistry,
        create_default_registry,
    )
    from .types import (
        ChatMessage,
        Choice,
        EmbeddingData,
        EmbeddingsRequest,
        EmbeddingsResponse,
        GenerationMetrics,
        LLMRequest,
        LLMResponse,
        MessageRole,
        StreamChoice,
        StreamingChunk,
        TokenUsage,
        ToolCall,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ChatMessage",
    "Choice",
    "CircuitOpenError",
    "CircuitState",
    "ContextWindowExceededError",
    "EmbeddingData",
    "EmbeddingsRequest",
    "EmbeddingsResponse",
    "GenerateRequest",
    "GenerateResponse",
    "GenerationMetrics",
    "InvalidRequestError",
    "LLMError",
    "LLMProviderClient",
    "LLMProviderType",
    "LLMRequest",
    "LLMResponse",
    "LLMTimeoutError",
    "MessageRole",
    "ModelCapability",
    "ModelInfo",
    "ModelNotFoundError",
    "NetworkError",
    "OllamaClient",
    "OllamaConfig",
    "OllamaFactory",
    "ParseError",
    "ProviderConfig",
    "ProviderError",
    "ProviderFactory",
    "ProviderRegistry",
    "PullUpdate",
    "RateLimitedError",
    "RoutingStrategy",
    "RunningModel",
    "ServerError",
    "StreamChoice",
    "StreamError",
    "StreamingChunk",
    "TokenUsage",
    "ToolCall",
    "__version__",
    "acheck_availability",
    "check_availability",
    "create_client_from_env",
    "create_default_registry",
    "get_model_info",
    "get_recommended_models",
]
