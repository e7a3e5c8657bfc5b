"""LangChain clients: langchain-ollama's ChatOllama/OllamaEmbeddings, ChatCBOllama/CBOllamaEmbeddings."""

# ruff: noqa: PLC0415  (each client imports its packages lazily: a missing one makes only it "not available")

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from benchmarks.clients import PROMPT, BenchClient, Unavailable

if TYPE_CHECKING:
    from benchmarks.workloads import Settings

__all__ = ["CBBench", "ChatOllamaBench"]


class _LangChainBench(BenchClient):
    """Calls a BaseChatModel the usual way: invoke, stream, ainvoke; one model instance per token budget."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[int | None, Any] = {}
        self.embedder: Any = None

    def _build(self, tokens: int | None) -> Any:
        raise NotImplementedError

    def _model(self, tokens: int | None) -> Any:
        if tokens not in self._models:
            self._models[tokens] = self._build(tokens)
        return self._models[tokens]

    def chat(self) -> str:
        return str(self._model(self.settings.chat_tokens).invoke(PROMPT).content)

    def stream(self, tokens: int) -> int:
        return sum(1 for _ in self._model(tokens).stream(PROMPT))

    async def achat(self) -> str:
        return str((await self._model(self.settings.chat_tokens).ainvoke(PROMPT)).content)


class ChatOllamaBench(_LangChainBench):
    """langchain-ollama 1.1.0: ChatOllama (streams on the wire even for invoke) and OllamaEmbeddings."""

    def _build(self, tokens: int | None) -> Any:
        from langchain_ollama import ChatOllama

        kwargs = {"client_kwargs": {"timeout": self.settings.timeout}} if self.settings.timeout else {}
        return ChatOllama(model=self.settings.model, base_url=self.settings.url, num_predict=tokens, **kwargs)

    def embed(self, texts: list[str]) -> list[list[float]]:
        from langchain_ollama import OllamaEmbeddings

        embedder = OllamaEmbeddings(
            model=self.settings.embed_model, base_url=self.settings.url, dimensions=self.settings.dimensions
        )
        return embedder.embed_documents(texts)


class CBBench(_LangChainBench):
    """This project's ChatCBOllama and CBOllamaEmbeddings, default settings."""

    has_breaker = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        try:
            from cb_ollama_integrations.langchain import ChatCBOllama
        except ImportError as exc:
            raise Unavailable(f"cb_ollama_integrations.langchain does not import: {exc}") from exc
        self._cls = ChatCBOllama

    def _overrides(self) -> dict[str, Any]:
        overrides: dict[str, Any] = {}
        if self.settings.timeout is not None:
            overrides["timeout"] = self.settings.timeout
        if self.settings.max_retries is not None:
            overrides["max_retries"] = self.settings.max_retries
        return overrides

    def _build(self, tokens: int | None) -> Any:
        return self._cls(model=self.settings.model, base_url=self.settings.url, max_tokens=tokens, **self._overrides())

    def embed(self, texts: list[str]) -> list[list[float]]:
        from cb_ollama_integrations.langchain import CBOllamaEmbeddings

        self.embedder = CBOllamaEmbeddings(
            model=self.settings.embed_model,
            base_url=self.settings.url,
            dimensions=self.settings.dimensions,
            **self._overrides(),
        )
        vectors: list[list[float]] = self.embedder.embed_documents(texts)
        return vectors

    async def aclose(self) -> None:
        for model in self._models.values():
            await model.aclose()

    def close(self) -> None:
        for model in [*self._models.values(), self.embedder]:
            if model is not None:
                model.close()
