"""LlamaIndex clients: llama-index's Ollama/OllamaEmbedding and the project's CBOllama/CBOllamaEmbedding."""

# ruff: noqa: PLC0415  (each client imports its packages lazily: a missing one makes only it "not available")

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from benchmarks.clients import PROMPT, BenchClient, Unavailable, options

if TYPE_CHECKING:
    from benchmarks.workloads import Settings

__all__ = ["CBBench", "OllamaBench"]


class _LlamaIndexBench(BenchClient):
    """Calls a LlamaIndex LLM the usual way: chat, stream_chat, achat; one instance per token budget."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.core.llms import ChatMessage

        self.settings = settings
        self.messages = [ChatMessage(role="user", content=PROMPT)]
        self._models: dict[int | None, Any] = {}
        self.embedder: Any = None

    def _build(self, tokens: int | None) -> Any:
        raise NotImplementedError

    def _model(self, tokens: int | None) -> Any:
        if tokens not in self._models:
            self._models[tokens] = self._build(tokens)
        return self._models[tokens]

    def chat(self) -> str:
        return str(self._model(self.settings.chat_tokens).chat(self.messages).message.content)

    def stream(self, tokens: int) -> int:
        return sum(1 for _ in self._model(tokens).stream_chat(self.messages))

    async def achat(self) -> str:
        return str((await self._model(self.settings.chat_tokens).achat(self.messages)).message.content)

    def _each(self, method: str) -> list[Any]:
        return [getattr(m, method) for m in [*self._models.values(), self.embedder] if hasattr(m, method)]

    async def aclose(self) -> None:
        for aclose in self._each("aclose"):
            await aclose()

    def close(self) -> None:
        for close in self._each("close"):
            close()


class OllamaBench(_LlamaIndexBench):
    """llama-index-llms-ollama 0.11.0 and llama-index-embeddings-ollama 0.10.0, default settings."""

    def _build(self, tokens: int | None) -> Any:
        from llama_index.llms.ollama import Ollama  # type: ignore[import-untyped]

        kwargs = {"request_timeout": self.settings.timeout} if self.settings.timeout else {}
        return Ollama(
            model=self.settings.model,
            base_url=self.settings.url,
            additional_kwargs=options(tokens) or {},
            **kwargs,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        from llama_index.embeddings.ollama import OllamaEmbedding  # type: ignore[import-untyped]

        # It has no `dimensions` (unknown kwargs are dropped); the fake answers 768 by default anyway.
        self.embedder = OllamaEmbedding(model_name=self.settings.embed_model, base_url=self.settings.url)
        return list(self.embedder.get_text_embedding_batch(texts))


class CBBench(_LlamaIndexBench):
    """This project's CBOllama and CBOllamaEmbedding, default settings."""

    has_breaker = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        try:
            from cb_ollama_integrations.llama_index import CBOllama
        except ImportError as exc:
            raise Unavailable(f"cb_ollama_integrations.llama_index does not import: {exc}") from exc
        self._cls = CBOllama

    def _overrides(self) -> dict[str, Any]:
        overrides: dict[str, Any] = {}
        if self.settings.timeout is not None:
            overrides.update(request_timeout=self.settings.timeout, connect_timeout=self.settings.timeout)
        if self.settings.max_retries is not None:
            overrides["max_retries"] = self.settings.max_retries
        return overrides

    def _build(self, tokens: int | None) -> Any:
        return self._cls(model=self.settings.model, base_url=self.settings.url, max_tokens=tokens, **self._overrides())

    def embed(self, texts: list[str]) -> list[list[float]]:
        from cb_ollama_integrations.llama_index import CBOllamaEmbedding

        self.embedder = CBOllamaEmbedding(
            model_name=self.settings.embed_model,
            base_url=self.settings.url,
            dimensions=self.settings.dimensions,
            **self._overrides(),
        )
        return list(self.embedder.get_text_embedding_batch(texts))
