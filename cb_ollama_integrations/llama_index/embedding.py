"""CBOllamaEmbedding: a LlamaIndex BaseEmbedding over the core client's batched POST /api/embed."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import Field

from .._adapters.batch_gate import batch_gate, batches_in_flight
from ..catalog import embedding_instructions
from ..types import EmbeddingsRequest
from ._config import LlamaIndexConnection
from ._events import exception_event

__all__ = ["CBOllamaEmbedding"]

def _join(prefix: str, text: str) -> str:
    """Instruction and text with a space between (as llama-index's OllamaEmbedding joins them), unless the
    instruction already ends in whitespace."""
    return f"{prefix} {text}" if prefix and not prefix[-1].isspace() else prefix + text


class CBOllamaEmbedding(BaseEmbedding, LlamaIndexConnection):
    """LlamaIndex embeddings for Ollama: one /api/embed request per batch of `embed_batch_size` texts.

        embed_model = CBOllamaEmbedding(model_name="nomic-embed-text")
        vector = embed_model.get_query_embedding("What is a circuit breaker?")

    `query_instruction`/`text_instruction` default to the model family's trained prefixes (nomic-embed-text:
    "search_query: " / "search_document: "; `catalog.EMBEDDING_INSTRUCTIONS` lists the others); pass "" to
    switch them off. Async batches run `num_workers` at a time (unset or 1: as many as the hosts run at once,
    hosts x `max_concurrency_per_host`; the rest wait in this object, without a timeout, instead of all at
    once in the client). With several hosts and `load_balanced` routing each goes to the least busy healthy
    host.
    """

    model_name: str = Field(description="Embedding model (default: OLLAMA_EMBEDDING_MODEL or the config's).")
    embed_batch_size: int = Field(default=1000, gt=0, le=2048, description="Texts per /api/embed request.")
    embed_batch_chars: int | None = Field(
        default=None, ge=1, description="Characters per /api/embed request; None: the config's (32,000)."
    )
    dimensions: int | None = Field(
        default=None, ge=1, description="Truncate vectors to this many dimensions."
    )
    truncate: bool | None = Field(
        default=None, description="Let the server cut texts longer than the context."
    )
    query_instruction: str | None = Field(
        default=None, description="Prefix of queries; None: the model's default."
    )
    text_instruction: str | None = Field(
        default=None, description="Prefix of documents; None: the model's default."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Ollama options (llama-index's name: ollama_additional_kwargs)."
    )

    @classmethod
    def class_name(cls) -> str:
        """Serialization id."""
        return "CBOllamaEmbedding"

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # LlamaIndex's: `__init__` again with the fields (private attributes lost)
        self._restore_injected_client(state)

    def _config_overrides(self) -> dict[str, Any]:
        return {"embedding_model": self.model_name, "embed_batch_size": self.embed_batch_size,
                "embed_batch_chars": self.embed_batch_chars}

    @property
    def instructions(self) -> tuple[str, str]:
        """The (query, document) prefixes in effect."""
        return embedding_instructions(self.model_name, self.query_instruction, self.text_instruction)

    def _request(self, texts: list[str], prefix: str) -> EmbeddingsRequest:
        return EmbeddingsRequest(
            model=self.model_name, input=[_join(prefix, text) for text in texts], dimensions=self.dimensions,
            truncate=self.truncate, keep_alive=self.keep_alive, options=self.additional_kwargs or None,
        )

    def _embed(self, texts: list[str], prefix: str) -> list[Embedding]:
        request = self._request(texts, prefix)
        with exception_event():
            response = self.client.embeddings(request)
        return [item.embedding for item in response.data]

    async def _aembed(self, texts: list[str], prefix: str) -> list[Embedding]:
        request = self._request(texts, prefix)
        # LlamaIndex gathers every batch at once unless num_workers > 1: the gate holds the ones the hosts
        # cannot run yet (see _adapters/batch_gate.py)
        workers = batches_in_flight(self.client.config, self.num_workers if (self.num_workers or 0) > 1 else None)
        async with batch_gate(self, workers):
            with exception_event():
                response = await self.client.aembeddings(request, concurrency=workers)
        return [item.embedding for item in response.data]

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], self.instructions[0])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aembed([query], self.instructions[0]))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text], self.instructions[1])[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aembed([text], self.instructions[1]))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, self.instructions[1])

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._aembed(texts, self.instructions[1])
