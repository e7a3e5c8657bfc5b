"""The connection fields both adapters share, their validation, and the lazily built core client.

LangChain and LlamaIndex both build on pydantic v2, so one mixin serves both. Framework-style names are kept
where the frameworks differ (LangChain `timeout`, LlamaIndex `request_timeout`): each adapter declares its
read-timeout field and names it in `read_timeout_field`; this is the one place it is mapped to the core's
`timeout_seconds`.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator

from ..config import KeepAliveSetting, OllamaConfig, RoutingStrategy, check_concurrency_setting, move_url_credentials
from .anchor_compat import client_kwargs_settings

if TYPE_CHECKING:  # the client module imports httpx: loaded when a client is built or checked, not at import
    from ..client import OllamaClient

__all__ = ["Connection", "with_default_model"]


def with_default_model(data: Any, field: str, *, key: str = "model", client: OllamaClient | None = None) -> Any:
    """Constructor data with `data[key]` filled in when unset: the given config's (or client's) `field`
    (default_model / embedding_model), else OLLAMA_DEFAULT_MODEL / OLLAMA_EMBEDDING_MODEL, else the core
    default. Read now, at construction."""
    if isinstance(data, dict) and data.get(key) is None:
        config = data.get("config") or getattr(client or data.get("client"), "config", None)
        data = {**data, key: getattr(config if config else OllamaConfig.from_env(), field)}
    return data


def build_client(config: OllamaConfig) -> OllamaClient:
    """The core client an adapter builds for itself (tests replace this one seam to keep the network out)."""
    from ..client import OllamaClient  # noqa: PLC0415 - httpx loads with the first client, not the import

    return OllamaClient(config)


def _with_scheme(url: str) -> str:
    text = url.strip()
    return text if "://" in text else f"http://{text}"


class Connection(BaseModel):
    """Where and how to reach Ollama. Unset (None) fields fall back to OLLAMA_* variables, then the core defaults.

    The core client is built on first use (no network I/O at construction) from `OllamaConfig.from_env(**set
    fields)`; an injected client or `config` is used as given. The settings are checked at construction, so
    an invalid field or OLLAMA_* variable fails there, naming it. Credentials (`api_key`, `headers`,
    `host_headers`, a password in a URL) are SecretStr: never shown, never serialized; a URL's password goes
    to that host only.

    Pickling and `copy.deepcopy` keep the fields and an injected client (itself picklable) but not the client
    built here: the copy builds its own on first use, with fresh connection pools and breakers.
    """

    # hide_input_in_errors: constructor input may hold secrets. defer_build: each adapter class builds its validator
    # on first construction, not at import (building them all took most of the adapters' import time).
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)
    read_timeout_field: ClassVar[str] = "timeout"

    base_url: str | None = Field(None, description="Ollama URL; None reads OLLAMA_BASE_URL / OLLAMA_HOST.")
    base_urls: list[str] | None = Field(None, description="Several hosts serving the same models (routing).")
    routing_strategy: RoutingStrategy | None = Field(None, description="How a host is chosen among base_urls.")
    keep_alive: KeepAliveSetting = Field(
        None, description="How long the model stays loaded: '5m', seconds, -1 forever, 0 unload; None: "
        "OLLAMA_KEEP_ALIVE, else the config's (5m)."
    )
    connect_timeout: float | None = Field(None, description="Connect timeout, seconds: a dead host fails this fast.")
    max_retries: int | None = Field(None, ge=0, description="Retries of connection errors and 429/502/503/504.")
    verify_ssl: bool | None = Field(None, description="Verify TLS certificates of https hosts.")
    max_concurrency_per_host: int | Literal["num_parallel"] | None = Field(
        None, description="Requests in flight to one host at once (the rest wait in the client); 'num_parallel': "
        "the server's OLLAMA_NUM_PARALLEL from this process's environment; None: 4 (at most max_connections)."
    )
    headers: dict[str, SecretStr] | None = Field(
        None, exclude=True, description="Headers sent to every host of this object (not to anything else)."
    )
    host_headers: dict[str, dict[str, SecretStr]] | None = Field(
        None, exclude=True, description="Headers for one host only, by base URL (a URL's user:password@ lands here)."
    )
    api_key: SecretStr | None = Field(
        None, exclude=True, description="Bearer token for a proxy in front of Ollama; None reads OLLAMA_API_KEY."
    )
    config: OllamaConfig | None = Field(
        None, exclude=True, description="A core config to build the client from (the fields above then do not apply)."
    )
    validate_model_on_init: bool = Field(
        False, description="Check at construction that the model is installed (POST /api/show): the one opt-in "
        "to network I/O in a constructor."
    )

    _injected_client: OllamaClient | None = PrivateAttr(None)
    _built_client: OllamaClient | None = PrivateAttr(None)
    _built_for: tuple[Any, ...] | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _move_url_credentials(cls, data: Any) -> Any:
        """Keep user:password@ out of base_url(s): it becomes that host's own secret Authorization header; a
        scheme-less "host:port" gets http://. The anchors' `client_kwargs` (headers, timeout, verify) become
        fields first."""
        data = client_kwargs_settings(data, cls.read_timeout_field)
        if not isinstance(data, Mapping):
            return data
        values = dict(data)
        for key in ("base_url", "base_urls"):  # "host:port" (OLLAMA_HOST style) means http, as in langchain-ollama
            raw = values.get(key)
            if raw is not None:
                urls = [_with_scheme(str(url)) for url in ([raw] if isinstance(raw, str) else raw)]
                values[key] = urls[0] if isinstance(raw, str) else urls
        return move_url_credentials(values, ("base_url", "base_urls"), "host_headers")

    @model_validator(mode="after")
    def _check_settings_now(self) -> Connection:
        """Invalid settings (a field, an OLLAMA_* variable) fail at construction, not at the first call."""
        from ..client import OllamaClient  # noqa: PLC0415 - httpx loads with the first adapter object

        if self.config is None and not isinstance(self.__dict__.get("client"), OllamaClient):
            OllamaClient.check_config(self.core_config())
        return self

    @field_validator("connect_timeout")
    @classmethod
    def _check_timeout(cls, value: float | None) -> float | None:
        return check_timeout(value)

    @field_validator("max_concurrency_per_host", mode="before")
    @classmethod
    def _check_concurrency(cls, value: Any) -> Any:
        return check_concurrency_setting(value)

    def check_model_on_init(self) -> None:
        """With `validate_model_on_init`, ask the server about the model now (ModelNotFoundError names the
        `ollama pull` line). Adapters call it once the injected client, if any, is in place."""
        if self.validate_model_on_init:
            self.core_client().show_model(str(getattr(self, "model", None) or getattr(self, "model_name", "")))

    def read_timeout(self) -> float | None:
        """The read timeout set on this object (its framework's field), or None."""
        value: float | None = getattr(self, self.read_timeout_field, None)
        return value

    def _config_overrides(self) -> dict[str, Any]:
        """Model-specific config values (default model, batch size); each adapter class adds its own."""
        return {}

    def core_config(self) -> OllamaConfig:
        """The core configuration the client uses: the injected client's or config, else built from the fields."""
        if self._injected_client is not None:
            return self._injected_client.config
        if self.config is not None:
            return self.config
        return OllamaConfig.from_env(
            base_url=self.base_url,
            base_urls=tuple(self.base_urls) if self.base_urls else None,
            routing_strategy=self.routing_strategy,
            keep_alive=self.keep_alive,
            timeout_seconds=self.read_timeout(),
            connect_timeout_seconds=self.connect_timeout,
            max_retries=self.max_retries,
            custom_headers=dict(self.headers) if self.headers else None,
            host_headers=dict(self.host_headers) if self.host_headers else None,
            api_key=self.api_key,
            verify_ssl=self.verify_ssl,
            max_concurrency_per_host=self.max_concurrency_per_host,
            timeout_setting=self.read_timeout_field,
            **self._config_overrides(),
        )

    def _connection_key(self) -> tuple[Any, ...]:
        """What the built client depends on: a `model_copy(update={"base_url": ...})` changes it."""
        return (*(getattr(self, name) for name in Connection.model_fields), self.read_timeout(),
                sorted(self._config_overrides().items()))

    def core_client(self) -> OllamaClient:
        """The core OllamaClient: the injected one, else one built on first use and kept."""
        if self._injected_client is not None:
            return self._injected_client
        key = self._connection_key()
        if self._built_client is None or self._built_for != key:
            self._built_client, self._built_for = build_client(self.core_config()), key
            # Its sockets close when this object is garbage collected, not at interpreter exit with a warning.
            weakref.finalize(self, self._built_client.close)
        return self._built_client

    def __getstate__(self) -> dict[Any, Any]:
        if self._injected_client is not None:
            self._injected_client.__reduce__()  # refuses clearly if its seams cannot travel (never dropped)
        state = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private:  # its pools hold locks and sockets: the other side builds its own client
            state["__pydantic_private__"] = {**private, "_built_client": None}
        return state

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        duplicate = super().__deepcopy__(memo)
        duplicate._built_client = None  # the copy builds its own client on first use, as after a pickle
        return duplicate

    def close(self) -> None:
        """Close the client this object built (an injected client is left to its owner)."""
        if self._built_client is not None:
            self._built_client.close()

    async def aclose(self) -> None:
        """Async twin of `close`."""
        if self._built_client is not None:
            await self._built_client.aclose()


def check_timeout(value: float | None) -> float | None:
    """A timeout field's value: None (unset) or a finite number of seconds > 0."""
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise ValueError("timeouts must be finite and > 0 seconds (a hung server must not block forever)")
    return value
