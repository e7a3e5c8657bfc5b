"""Connection fields shared by ChatCBOllama and CBOllamaEmbeddings, and the lazily built core client."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from langchain_core.utils import secret_from_env
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator

from .._keepalive import KeepAlive, normalize_keep_alive
from ..client import OllamaClient
from ..config import OllamaConfig, RoutingStrategy, _split_userinfo

__all__ = ["OllamaConnection", "with_default_model"]


def with_default_model(data: Any, field: str) -> Any:
    """Constructor data with `model` filled in when unset: from the given config (or client's) `field`, else
    OLLAMA_DEFAULT_MODEL / OLLAMA_EMBEDDING_MODEL, else the core default (read now, at construction)."""
    if isinstance(data, dict) and data.get("model") is None:
        config = data.get("config") or getattr(data.get("client"), "config", None)
        data = {**data, "model": getattr(config if config else OllamaConfig.from_env(), field)}
    return data


class OllamaConnection(BaseModel):
    """Where and how to reach Ollama. Unset fields fall back to OLLAMA_* variables, then the core defaults.

    The core client is built on first use (no network I/O at construction) from
    `OllamaConfig.from_env(**explicit fields)`; pass `client=` (an OllamaClient) or `config=` to share one.
    Credentials (`api_key`, `headers`, a password in `base_url`) are SecretStr and never shown or serialized.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    base_url: str | None = Field(None, description="Ollama URL; default OLLAMA_BASE_URL/OLLAMA_HOST.")
    base_urls: list[str] | None = Field(None, description="Several hosts serving the same models (routing).")
    routing_strategy: RoutingStrategy | None = Field(None, description="How to pick among base_urls.")
    timeout: float | None = Field(None, gt=0, description="Read timeout, seconds (cold loads are slow).")
    max_retries: int | None = Field(None, ge=0, description="Retries of connection errors, 429/5xx.")
    headers: dict[str, SecretStr] | None = Field(None, description="Headers sent on every request.")
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("OLLAMA_API_KEY", default=None),
        description="Bearer token for a proxy in front of Ollama; default OLLAMA_API_KEY.",
    )
    keep_alive: KeepAlive | None = Field(None, description="How long the model stays loaded: '5m', seconds.")
    verify_ssl: bool | None = Field(None, description="Verify TLS certificates of https hosts.")
    client: OllamaClient | None = Field(None, exclude=True, description="A ready core client to use instead.")
    config: OllamaConfig | None = Field(None, exclude=True, description="A core config for the client.")

    _built_client: OllamaClient | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _move_url_credentials(cls, data: Any) -> Any:
        """Keep user:password@ out of base_url(s): it becomes a secret Authorization header instead."""
        if not isinstance(data, Mapping):
            return data
        values = dict(data)
        headers = dict(values.get("headers") or {})
        for key in ("base_url", "base_urls"):
            raw = values.get(key)
            if raw is None:
                continue
            cleaned = []
            for url in [raw] if isinstance(raw, str) else list(raw):
                clean, auth = _split_userinfo(str(url).strip())
                cleaned.append(clean)
                if auth and not any(name.lower() == "authorization" for name in headers):
                    headers["Authorization"] = auth
            values[key] = cleaned[0] if isinstance(raw, str) else cleaned
        if headers:
            values["headers"] = headers
        return values

    @field_validator("keep_alive", mode="before")
    @classmethod
    def _check_keep_alive(cls, value: object) -> KeepAlive | None:
        return None if value is None else normalize_keep_alive(value)

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variables that supply them when a serialized model is loaded."""
        return {"api_key": "OLLAMA_API_KEY"}

    def _config_overrides(self) -> dict[str, Any]:
        """Model-specific config values (the default model); subclasses add theirs."""
        return {}

    def core_config(self) -> OllamaConfig:
        """The core configuration this object's client uses (no I/O)."""
        if self.config is not None:
            return self.config
        return OllamaConfig.from_env(
            base_url=self.base_url,
            base_urls=tuple(self.base_urls) if self.base_urls else None,
            routing_strategy=self.routing_strategy,
            timeout_seconds=self.timeout,
            max_retries=self.max_retries,
            custom_headers=self.headers,
            api_key=self.api_key,
            verify_ssl=self.verify_ssl,
            **self._config_overrides(),
        )

    def core_client(self) -> OllamaClient:
        """The core OllamaClient: the injected one, else one built on first use and kept."""
        if self.client is not None:
            return self.client
        if self._built_client is None:
            self._built_client = OllamaClient(self.core_config())
            # Its sockets close when this object is garbage collected, not at interpreter exit with a warning.
            weakref.finalize(self, self._built_client.close)
        return self._built_client

    def close(self) -> None:
        """Close the client this object built (an injected client is left to its owner)."""
        if self._built_client is not None:
            self._built_client.close()

    async def aclose(self) -> None:
        """Async twin of `close`."""
        if self._built_client is not None:
            await self._built_client.aclose()
