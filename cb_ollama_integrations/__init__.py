"""cb_ollama_integrations: the Circuit Breaker Ollama provider for Python, with LangChain and LlamaIndex adapters.

The core (this package) needs only httpx and pydantic; `cb_ollama_integrations.langchain` and
`cb_ollama_integrations.llama_index` load their frameworks only when imported.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._breaker import CircuitState
from ._functions import acheck_availability, check_availability, create_client_from_env
from ._pull_protocol import PullUpdate
from .catalog import get_model_info, get_recommended_models
from .client import OllamaClient
from .config import OllamaConfig, RoutingStrategy
from .errors import (
    CircuitOpenError,
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

__all__ = [
    "ChatMessage",
    "Choice",
    "CircuitOpenError",
    "CircuitState",
    "EmbeddingData",
    "EmbeddingsRequest",
    "EmbeddingsResponse",
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
