"""LlamaIndex integration: `CBOllama` (FunctionCallingLLM) and `CBOllamaEmbedding` (BaseEmbedding).

Needs the `llama-index` extra: `pip install 'cb-ollama-integrations[llama-index]'`.
"""

from __future__ import annotations

try:
    import llama_index.core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by a test that hides the package
    raise ImportError(
        "cb_ollama_integrations.llama_index needs llama-index-core: "
        "pip install 'cb-ollama-integrations[llama-index]'"
    ) from exc

from .embedding import CBOllamaEmbedding
from .llm import CBOllama

__all__ = ["CBOllama", "CBOllamaEmbedding"]
