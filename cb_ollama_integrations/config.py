"""Client configuration: one frozen object, resolved once (explicit argument > OLLAMA_* env > default)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from ._values.base import DeferredModel
from ._values.concurrency import (
    DEFAULT_CONCURRENCY_PER_HOST,
    NUM_PARALLEL,
    check_concurrency_setting,
    check_fits_pool,
    resolve_concurrency,
)
from ._values.env import config_values_from_env, env_variable_for
from ._values.keep_alive import KeepAlive, KeepAliveSetting, normalize_keep_alive
from ._values.routing_strategy import RoutingStrategy
from ._values.timeouts import DEFAULT_DEADLINE_SECONDS, deadline_covering_timeout
from ._values.urls import clean_url, host_key, merge_headers, move_url_credentials, split_url_credentials

__all__ = [
    "DEFAULT_BASE_URL", "DEFAULT_CONCURRENCY_PER_HOST", "EMBED_BATCH_CHARS", "NUM_PARALLEL", "KeepAlive",
    "KeepAliveSetting", "OllamaConfig", "RoutingStrategy", "check_concurrency_setting", "config_values_from_env",
    "move_url_credentials", "normalize_keep_alive", "split_url_credentials",
]

DEFAULT_BASE_URL = "http://localhost:11434"
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
# About 8,000 tokens per /api/embed request: one huge body holds one host while the others idle (and very
# large batches are reported to collapse Ollama's throughput); smaller ones spread over the hosts.
EMBED_BATCH_CHARS = 32_000
class OllamaConfig(DeferredModel):
    """Settings of an `OllamaClient`.

    `OllamaConfig()` holds the defaults; `OllamaConfig.from_env(**overrides)` reads the OLLAMA_* variables
    (explicit arguments win). Secrets (`api_key`, `custom_headers` values, a password in the URL) are kept as
    `SecretStr`, so they never show in repr, logs or dumps.

        config = OllamaConfig(base_url="http://gpu-box:11434", default_model="qwen2.5-coder:3b", keep_alive="10m")
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # inputs may hold secrets

    base_url: str = Field(DEFAULT_BASE_URL, description="First (or only) Ollama host; trailing slash removed.")
    base_urls: tuple[str, ...] | None = Field(
        None, description="Several hosts serving the same models; overrides base_url and enables routing."
    )
    routing_strategy: RoutingStrategy = Field(RoutingStrategy.FAILOVER_CHAIN, description="Host choice.")
    default_model: str = Field("llama2", description="Chat model used when a request names none.")
    embedding_model: str = Field("nomic-embed-text", description="Model used when an embeddings request names none.")
    keep_alive: KeepAliveSetting = Field(
        "5m", description="How long the model stays loaded after a request: '5m', seconds, -1 forever, 0 unload."
    )
    timeout_seconds: float = Field(300.0, description="Read timeout: longest wait for the next byte (cold loads).")
    connect_timeout_seconds: float = Field(5.0, description="Connect timeout: a dead host fails this fast.")
    max_retries: int = Field(2, ge=0, le=20, description="Retries of connection errors and 429/502/503/504.")
    retry_backoff_seconds: float = Field(0.5, ge=0, description="First backoff; doubles each retry, with jitter.")
    retry_max_backoff_seconds: float = Field(8.0, ge=0, description="Cap of one backoff sleep.")
    retry_budget_seconds: float = Field(60.0, gt=0, description="No retry starts later than this after the call.")
    verify_ssl: bool = Field(True, description="Verify TLS certificates of https hosts.")
    custom_headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Headers sent to every host of this config (not to anything else)."
    )
    api_key: SecretStr | None = Field(
        None, description="Sent as 'Authorization: Bearer' to every host of this config (a proxy in front)."
    )
    host_headers: dict[str, dict[str, SecretStr]] = Field(
        default_factory=dict, description="Headers sent to one host only, by its base URL; a URL's user:password@ "
        "lands here as that host's Basic Authorization. They win over custom_headers and api_key."
    )
    proxy: SecretStr | None = Field(None, description="Proxy URL for every host (http, https, socks5, socks5h).")
    trust_env: bool = Field(
        True, description="Honour HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY for non-loopback hosts."
    )
    deadline_seconds: float = Field(
        DEFAULT_DEADLINE_SECONDS, description="Total time for one call: retries, failover and a whole non-streamed "
        "body (a stream: until its answer starts). Unset: 600, or timeout_seconds when that is longer."
    )
    max_body_bytes: int = Field(
        64 * 1024 * 1024, ge=1, description="Largest non-streamed answer, counted after decompression."
    )
    stream_keep_chars: int = Field(
        1_000_000, ge=0, description="How much streamed text is kept for StreamError.partial_content."
    )
    breaker_failure_threshold: int = Field(5, ge=1, description="Consecutive host failures that open a circuit.")
    breaker_cooldown_seconds: float = Field(30.0, ge=0, description="Open time before a half-open probe.")
    breaker_probe: Literal["request", "ping"] = Field(
        "request", description="Half-open probe: the real request, or GET / first."
    )
    num_ctx: int | Literal["auto"] | None = Field(
        "auto", description="Chat context window: 'auto' sizes it to each prompt (README 'Context windows'); an "
        "int is sent as is; None sends nothing (the server's default, often 4096)."
    )
    on_context_overflow: Literal["warn", "raise"] = Field(
        "warn", description="A prompt the server cut: log a warning, or raise ContextWindowExceededError."
    )
    embed_batch_size: int = Field(1000, ge=1, description="Texts per /api/embed request.")
    embed_batch_chars: int = Field(
        EMBED_BATCH_CHARS, ge=1, description="Characters per /api/embed request (a longer text goes alone)."
    )
    max_connections: int = Field(100, ge=1, description="Connection pool size per host.")
    max_concurrency_per_host: int | Literal["num_parallel"] | None = Field(None, description="Requests in flight "
        "to one host at once (sync, async, every loop); the rest wait here, at most the pool timeout. 'num_parallel':"
        " OLLAMA_NUM_PARALLEL (unset: 1); None: 4, at most max_connections. See docs/scaling.md.")
    log_bodies: bool = Field(False, description="Also log request/response bodies at DEBUG (cut at 1,000 bytes).")
    timeout_setting: str = Field(
        "timeout_seconds", description="The setting a read-timeout error tells you to raise (adapters name theirs)."
    )

    @model_validator(mode="before")
    @classmethod
    def _move_credentials(cls, data: Any) -> Any:
        """Take user:password@ out of each URL: it becomes that host's own Basic Authorization header."""
        if not isinstance(data, Mapping):
            return data
        values = move_url_credentials(dict(data), ("base_url", "base_urls"), "host_headers")
        if values.get("base_urls") and "base_url" not in values:
            values["base_url"] = values["base_urls"][0]
        return values

    @model_validator(mode="after")
    def _check_host_headers(self) -> OllamaConfig:
        unknown = [url for url in self.host_headers if url not in self.hosts]
        if unknown:
            raise ValueError(f"host_headers names {unknown}, which is not among this config's hosts "
                             f"{list(self.hosts)}: key them by the base URL exactly as configured")
        return self

    @field_validator("host_headers", mode="before")
    @classmethod
    def _key_host_headers(cls, value: Any) -> Any:
        return {host_key(str(url)): headers for url, headers in value.items()} if isinstance(value, Mapping) else value

    @field_validator("proxy")
    @classmethod
    def _check_proxy(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value.get_secret_value().strip())
            ok = parts.scheme in _PROXY_SCHEMES and bool(parts.hostname) and (parts.port or 1) > 0
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"proxy must look like http://proxy:3128 (schemes {', '.join(_PROXY_SCHEMES)})")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return clean_url(value)

    @field_validator("base_urls")
    @classmethod
    def _check_base_urls(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("base_urls must name at least one host (or leave it unset)")
        urls = tuple(dict.fromkeys(clean_url(url) for url in value))
        return urls

    @field_validator("num_ctx")
    @classmethod
    def _check_num_ctx(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value <= 0:
            raise ValueError("num_ctx must be a positive number of tokens, 'auto', or None (the server's default)")
        return value

    @field_validator("max_concurrency_per_host", mode="before")
    @classmethod
    def _check_concurrency(cls, value: Any) -> Any:
        return check_concurrency_setting(value)

    @model_validator(mode="before")
    @classmethod
    def _deadline_covers_timeout(cls, data: Any) -> Any:
        return deadline_covering_timeout(data)

    @model_validator(mode="after")
    def _check_concurrency_fits_pool(self) -> OllamaConfig:
        check_fits_pool(self.max_concurrency_per_host, self.max_connections)
        return self

    def concurrency_per_host(self, environ: Mapping[str, str] | None = None) -> int:
        """`max_concurrency_per_host` as a number (None: 4, or max_connections if lower; 'num_parallel':
        OLLAMA_NUM_PARALLEL, unset 1); ValueError when the variable is unusable or above `max_connections`."""
        return resolve_concurrency(self.max_concurrency_per_host, self.max_connections, environ)

    @field_validator("timeout_seconds", "connect_timeout_seconds", "deadline_seconds")
    @classmethod
    def _check_timeout(cls, value: float) -> float:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError("timeouts must be finite and > 0 seconds (a hung server must not block forever)")
        return value

    @field_validator("default_model", "embedding_model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("model names must not be empty")
        return value.strip()

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host this config routes over, in order (just base_url when base_urls is unset)."""
        return self.base_urls if self.base_urls else (self.base_url,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> OllamaConfig:
        """Build a config from OLLAMA_* variables; explicit keyword arguments (not None) take precedence.

        Reads OLLAMA_BASE_URL (else OLLAMA_HOST), OLLAMA_DEFAULT_MODEL, OLLAMA_EMBEDDING_MODEL, OLLAMA_KEEP_ALIVE,
        OLLAMA_VERIFY_SSL, OLLAMA_TIMEOUT_SECONDS, OLLAMA_MAX_RETRIES, OLLAMA_API_KEY and CB_OLLAMA_LOG_BODIES.
        Empty variables count as unset. Invalid values raise ValueError naming the variable.
        """
        values = config_values_from_env(environ)
        if overrides.get("base_urls") is not None:
            values.pop("base_url", None)
        given = {key: value for key, value in overrides.items() if value is not None}
        from_env = set(values) - set(given)
        values.update(given)
        try:
            return cls(**values)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                if field in from_env and (name := env_variable_for(field, environ)):
                    shown = "(hidden)" if field == "api_key" else repr(values[field])
                    raise ValueError(f"{name}={shown} is invalid: {error['msg']}") from None
            raise

    def header_values(self, host: str | None = None) -> dict[str, str]:
        """The headers for one host (default: `base_url`), secrets revealed: for the transport layer only.

        custom_headers, then api_key as Bearer (unless custom_headers has an Authorization), then the
        host's own `host_headers` (its URL credentials), each winning over the one before.
        """
        shared = {name: value.get_secret_value() for name, value in self.custom_headers.items()}
        if self.api_key is not None and not any(k.lower() == "authorization" for k in shared):
            shared["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        own = self.host_headers.get(host if host is not None else self.base_url, {})
        return merge_headers(shared, {name: value.get_secret_value() for name, value in own.items()})
