"""LangChain integration: `ChatCBOllama` (a BaseChatModel), `CBOllamaLLM` (a BaseLLM) and `CBOllamaEmbeddings`.

Both talk to Ollama through the core `OllamaClient` (retries, failover, circuit breakers, one error
hierarchy). Install with `pip install 'cb-ollama-integrations[langchain]'`.
"""

from __future__ import annotations

try:
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without langchain-core
    raise ImportError(
        "cb_ollama_integrations.langchain needs langchain-core: "
        "pip install 'cb-ollama-integrations[langchain]'"
    ) from exc

from .chat_models import ChatCBOllama
from .embeddings import CBOllamaEmbeddings
from .llms import CBOllamaLLM

__all__ = ["CBOllamaEmbeddings", "CBOllamaLLM", "ChatCBOllama"]
