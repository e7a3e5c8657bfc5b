"""CBOllamaEmbeddings: LangChain embeddings over the core client's POST /api/embed."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import ConfigDict, Field, model_validator

from .._adapters.anchor_compat import EmbeddingOptionFields
from .._adapters.batch_gate import batches_in_flight
from .._adapters.connection import with_default_model
from ..catalog import embedding_instructions
from ..types import EmbeddingsRequest, EmbeddingsResponse
from ._connection import LangChainConnection

__all__ = ["CBOllamaEmbeddings"]

class CBOllamaEmbeddings(EmbeddingOptionFields, LangChainConnection, Embeddings):
    """Embed texts with an Ollama embedding model, in batches, through the Circuit Breaker client.

        embeddings = CBOllamaEmbeddings(model="nomic-embed-text")
        vectors = embeddings.embed_documents(["first text", "second text"])

    Query/document instructions default by model family (nomic-embed-text: "search_query: " /
    "search_document: ", e5: "query: " / "passage: ", mxbai-embed-large: its query instruction); set
    `query_instruction=""` / `document_instruction=""` to switch them off. Errors are the core's: a missing
    model raises ModelNotFoundError, a chat-only model InvalidRequestError (or ServerError).
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str = Field(description="Model name; default OLLAMA_EMBEDDING_MODEL, else nomic-embed-text.")
    batch_size: int = Field(1000, ge=1, description="Texts per /api/embed request (10,000 texts: 10 requests).")
    batch_chars: int | None = Field(
        None, ge=1, description="Characters per /api/embed request; None: the config's (32,000)."
    )
    concurrency: int | None = Field(
        None, ge=1, description="Batches in flight at once in the async methods; None: as many as the hosts run "
        "at once (hosts x max_concurrency_per_host)."
    )
    dimensions: int | None = Field(None, ge=1, description="Truncate vectors to this many dimensions.")
    truncate: bool | None = Field(None, description="Let the server cut texts longer than the context.")
    query_instruction: str | None = Field(None, description="Prefix of queries; None: the family default.")
    document_instruction: str | None = Field(None, description="Prefix of documents; None: family default.")

    @model_validator(mode="before")
    @classmethod
    def _default_model(cls, data: Any) -> Any:
        """Resolve the model now: explicit, else the config's (or client's) embedding model, else the environment."""
        return with_default_model(data, "embedding_model")

    def _config_overrides(self) -> dict[str, Any]:
        return {"embedding_model": self.model, "embed_batch_size": self.batch_size,
                "embed_batch_chars": self.batch_chars}

    @property
    def instructions(self) -> tuple[str, str]:
        """The (query, document) prefixes in effect: the explicit ones, else the model family's."""
        return embedding_instructions(self.model, self.query_instruction, self.document_instruction)

    def _request(self, texts: list[str], prefix: str) -> EmbeddingsRequest:
        return EmbeddingsRequest(model=self.model, input=[prefix + text for text in texts],
                                 dimensions=self.dimensions, truncate=self.truncate,
                                 keep_alive=self.keep_alive, options=self.extra_options() or None)

    @staticmethod
    def _vectors(response: EmbeddingsResponse) -> list[list[float]]:
        return [item.embedding for item in response.data]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order (document instruction prepended)."""
        return self._vectors(self.core_client().embeddings(self._request(texts, self.instructions[1])))

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query (query instruction prepended)."""
        return self._vectors(self.core_client().embeddings(self._request([text], self.instructions[0])))[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of `embed_documents`; up to `concurrency` batches run at once (unset: hosts x
        `max_concurrency_per_host`; with several hosts and `load_balanced` routing, each batch goes to the least
        busy healthy host)."""
        request, client = self._request(texts, self.instructions[1]), self.core_client()
        workers = batches_in_flight(client.config, self.concurrency)
        return self._vectors(await client.aembeddings(request, concurrency=workers))

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of `embed_query`."""
        response = await self.core_client().aembeddings(self._request([text], self.instructions[0]))
        return self._vectors(response)[0]
