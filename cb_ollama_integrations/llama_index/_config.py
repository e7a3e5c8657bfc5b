"""The connection fields CBOllama and CBOllamaEmbedding share, and their lazily built core client."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, SecretStr

from ..client import OllamaClient
from ..config import OllamaConfig, RoutingStrategy

__all__ = ["CoreConnection"]


class CoreConnection(BaseModel):
    """Host, timeout, retry and header fields, turned into a core OllamaClient on first use (no I/O before).

    Unset (None) fields fall back to OLLAMA_* variables, then the core defaults: `base_url=None` honours
    OLLAMA_BASE_URL / OLLAMA_HOST. `request_timeout` is the read timeout (how long a cold model load may take to
    answer), `connect_timeout` how fast a dead host fails. An injected `client` is used as is and left to its
    owner; a built one is closed by `close()`/`aclose()`.
    """

    base_url: str | None = Field(default=None, description="Ollama host; None reads OLLAMA_BASE_URL / OLLAMA_HOST.")
    base_urls: list[str] | None = Field(default=None, description="Several hosts serving the same models.")
    routing_strategy: RoutingStrategy | None = Field(default=None, description="How a host is chosen.")
    keep_alive: str | float | None = Field(default="5m", description="How long the model stays loaded after a call.")
    request_timeout: float | None = Field(default=None, description="Read timeout in seconds (cold loads are slow).")
    connect_timeout: float | None = Field(default=None, description="Connect timeout in seconds.")
    max_retries: int | None = Field(default=None, description="Retries of connection errors and 429/5xx.")
    headers: dict[str, SecretStr] | None = Field(
        default=None, exclude=True, repr=False, description="Sent with every request."
    )

    _client: OllamaClient | None = PrivateAttr(None)
    _built: bool = PrivateAttr(False)

    def _core_config(self, **models: Any) -> OllamaConfig:
        return OllamaConfig.from_env(
            base_url=self.base_url,
            base_urls=tuple(self.base_urls) if self.base_urls else None,
            routing_strategy=self.routing_strategy,
            keep_alive=self.keep_alive,
            timeout_seconds=self.request_timeout,
            connect_timeout_seconds=self.connect_timeout,
            max_retries=self.max_retries,
            custom_headers=dict(self.headers) if self.headers else None,
            **models,
        )

    def _core_client(self, **models: Any) -> OllamaClient:
        if self._client is None:
            self._client, self._built = OllamaClient(self._core_config(**models)), True
        return self._client

    def close(self) -> None:
        """Close the client this object built (an injected client is left to its owner)."""
        if self._built and self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Async twin of `close`."""
        if self._built and self._client is not None:
            await self._client.aclose()
