"""One small wrapper per benchmarked client, all with the same four calls (chat, stream, embed, achat).

Each wrapper is imported only in the worker process that runs it, so a missing optional package (the
`[bench]` anchors, or an adapter still being written) makes just that client "not available".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.workloads import Settings

__all__ = ["CLIENTS", "BenchClient", "ClientSpec", "Unavailable", "make_client", "options"]

PROMPT = "Why is the sky blue?"


def options(tokens: int | None) -> dict[str, int] | None:
    """Ollama options for a token budget; None sends none (the model decides when it is done)."""
    return None if tokens is None else {"num_predict": tokens}


class Unavailable(RuntimeError):
    """The client cannot run here (its package is not installed or does not import)."""


class BenchClient:
    """What every benchmarked client offers; `has_breaker` marks clients that fail fast on a dead host."""

    has_breaker = False

    def chat(self) -> str:
        """One non-streaming chat call; return the answer text."""
        raise NotImplementedError

    def stream(self, tokens: int) -> int:
        """One streamed chat answer of `tokens` tokens; return how many chunks arrived."""
        raise NotImplementedError

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed `texts` the client's default way (its own batching)."""
        raise Unavailable("this client has no embeddings")

    async def achat(self) -> str:
        """One async non-streaming chat call."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release the async connections of the running event loop."""

    def close(self) -> None:
        """Release connections."""


@dataclass(frozen=True)
class ClientSpec:
    """A client row of the table: its wrapper class and the module(s) a user imports to get it (W5)."""

    name: str
    label: str
    wrapper: str  # "module:Class" under benchmarks.clients
    imports: tuple[str, ...]
    base_imports: tuple[str, ...] = ()  # the framework base classes, for "import adds over base" (W5)
    chat: bool = True
    embeddings: bool = True


_LC_BASE = ("langchain_core.language_models.chat_models", "langchain_core.embeddings")
_LI_BASE = ("llama_index.core.llms", "llama_index.core.base.embeddings.base")
CLIENTS = [
    ClientSpec("raw-httpx", "raw httpx (reused client, json)", "_plain:RawHttpx", ("httpx",)),
    ClientSpec("ollama", "ollama.Client", "_plain:OllamaPython", ("ollama",)),
    ClientSpec(
        "langchain-ollama",
        "langchain-ollama ChatOllama/OllamaEmbeddings",
        "_langchain:ChatOllamaBench",
        ("langchain_ollama",),
        _LC_BASE,
    ),
    ClientSpec(
        "llama-index-ollama",
        "llama-index Ollama/OllamaEmbedding",
        "_llama_index:OllamaBench",
        ("llama_index.llms.ollama", "llama_index.embeddings.ollama"),
        _LI_BASE,
    ),
    ClientSpec(
        "langchain-floor",
        "LangChain floor (BaseChatModel + 1 httpx call)",
        "_lc_floor:FloorBench",
        ("langchain_core.language_models.chat_models", "httpx"),
        embeddings=False,
    ),
    ClientSpec(
        "llama-index-floor",
        "LlamaIndex floor (CustomLLM + 1 httpx call)",
        "_li_floor:FloorBench",
        ("llama_index.core.llms", "httpx"),
        embeddings=False,
    ),
    ClientSpec("cb-core", "cb_ollama_integrations.OllamaClient", "_plain:CoreClient", ("cb_ollama_integrations",)),
    ClientSpec(
        "cb-langchain",
        "ChatCBOllama/CBOllamaEmbeddings",
        "_langchain:CBBench",
        ("cb_ollama_integrations.langchain",),
        _LC_BASE,
    ),
    ClientSpec(
        "cb-llama-index",
        "CBOllama/CBOllamaEmbedding",
        "_llama_index:CBBench",
        ("cb_ollama_integrations.llama_index",),
        _LI_BASE,
    ),
]
SPECS = {spec.name: spec for spec in CLIENTS}


def make_client(name: str, settings: Settings) -> BenchClient:
    """Build the named client for `settings`; raise Unavailable when its packages do not import."""
    module_name, class_name = SPECS[name].wrapper.split(":")
    try:
        module = importlib.import_module(f"benchmarks.clients.{module_name}")
        wrapper: Any = getattr(module, class_name)
        return wrapper(settings)  # type: ignore[no-any-return]
    except ImportError as exc:
        raise Unavailable(f"not available: {exc}") from exc
