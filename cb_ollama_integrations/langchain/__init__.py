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

from typing import TYPE_CHECKING, Any

from .chat_models import ChatCBOllama
from .embeddings import CBOllamaEmbeddings

if TYPE_CHECKING:
    from .llms import CBOllamaLLM


def __getattr__(name: str) -> Any:
    # CBOllamaLLM is loaded on first use: langchain-core's BaseLLM module imports yaml (about 30 ms), which the
    # chat model and the embeddings do not need.
    if name == "CBOllamaLLM":
        from .llms import CBOllamaLLM  # noqa: PLC0415

        globals()[name] = CBOllamaLLM
        return CBOllamaLLM
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["CBOllamaEmbeddings", "CBOllamaLLM", "ChatCBOllama"]
