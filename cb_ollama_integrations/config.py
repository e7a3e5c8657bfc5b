"""Client configuration: one frozen object, resolved once (explicit argument > OLLAMA_* env > default)."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from ._values.base import DeferredModel
from ._values.env import config_values_from_env
from ._values.keep_alive import KeepAlive, normalize_keep_alive

__all__ = [
    "DEFAULT_BASE_URL",
    "KeepAlive",
    "OllamaConfig",
    "RoutingStrategy",
    "config_values_from_env",
    "normalize_keep_alive",
    "split_url_credentials",
]

DEFAULT_BASE_URL = "http://localhost:11434"


class RoutingStrategy(str, Enum):
    """How a client with several hosts picks one for each request.

    - FAILOVER_CHAIN: hosts in the order given; skip open circuits; on a host failure move to the next.
    - LOAD_BALANCED: round robin over the hosts whose circuit is closed.
    - COST_OPTIMIZED: local inference is free, so "cost" is the reload a cold model costs: prefer a host that
      already has the model loaded (from its last /api/ps answer), else fall back to the chain order.
    - PERFORMANCE_FIRST: the host with the lowest observed latency (moving average) first.
    """

    FAILOVER_CHAIN = "failover_chain"
    LOAD_BALANCED = "load_balanced"
    COST_OPTIMIZED = "cost_optimized"
    PERFORMANCE_FIRST = "performance_first"


def split_url_credentials(url: str) -> tuple[str, str | None]:
    """Return (url without user:password@, the Basic Authorization header value for them, or None)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    token = base64.b64encode(f"{parts.username}:{parts.password or ''}".encode()).decode()
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), f"Basic {token}"


def _clean_url(url: str) -> str:
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base URL {url!r} must look like http://host:port (scheme http or https)")
    return text


class OllamaConfig(DeferredModel):
    """Settings of an `OllamaClient`.

    `OllamaConfig()` holds the defaults; `OllamaConfig.from_env(**overrides)` reads the OLLAMA_* variables
    (explicit arguments win). Secrets (`api_key`, `custom_headers` values, a password in the URL) are kept as
    `SecretStr`, so they never show in repr, logs or dumps.

        config = OllamaConfig(base_url="http://gpu-box:11434", default_model="qwen2.5-coder:3b", keep_alive="10m")
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(DEFAULT_BASE_URL, description="First (or only) Ollama host; trailing slash removed.")
    base_urls: tuple[str, ...] | None = Field(
        None, description="Several hosts serving the same models; overrides base_url and enables routing."
    )
    routing_strategy: RoutingStrategy = Field(RoutingStrategy.FAILOVER_CHAIN, description="Host choice.")
    default_model: str = Field("llama2", description="Chat model used when a request names none.")
    embedding_model: str = Field("nomic-embed-text", description="Model used when an embeddings request names none.")
    keep_alive: KeepAlive | None = Field(
        "5m", description="How long the model stays loaded after a request: '5m', seconds, -1 forever, 0 unload."
    )
    timeout_seconds: float = Field(300.0, description="Read timeout: longest wait for the next byte (cold loads).")
    connect_timeout_seconds: float = Field(5.0, description="Connect timeout: a dead host fails this fast.")
    max_retries: int = Field(2, ge=0, le=20, description="Retries of connection errors and 429/502/503/504.")
    retry_backoff_seconds: float = Field(0.5, ge=0, description="First backoff; doubles each retry, with jitter.")
    retry_max_backoff_seconds: float = Field(8.0, ge=0, description="Cap of one backoff sleep.")
    retry_budget_seconds: float = Field(60.0, gt=0, description="No retry starts later than this after the call.")
    verify_ssl: bool = Field(True, description="Verify TLS certificates of https hosts.")
    custom_headers: dict[str, SecretStr] = Field(default_factory=dict, description="Headers sent on every request.")
    api_key: SecretStr | None = Field(None, description="Sent as 'Authorization: Bearer' (a proxy in front).")
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
    max_connections: int = Field(100, ge=1, description="Connection pool size per host.")
    log_bodies: bool = Field(False, description="Also log request/response bodies at DEBUG (cut at 1,000 bytes).")

    @model_validator(mode="before")
    @classmethod
    def _move_credentials(cls, data: Any) -> Any:
        """Take user:password@ out of the URLs and send it as a Basic Authorization header instead."""
        if not isinstance(data, Mapping):
            return data
        values = dict(data)
        headers = dict(values.get("custom_headers") or {})
        for key in ("base_url", "base_urls"):
            raw = values.get(key)
            urls = [raw] if isinstance(raw, str) else list(raw or [])
            cleaned = []
            for url in urls:
                clean, auth = split_url_credentials(str(url).strip())
                cleaned.append(clean)
                if auth and not any(k.lower() == "authorization" for k in headers):
                    headers["Authorization"] = auth
            if raw is not None:
                values[key] = cleaned[0] if isinstance(raw, str) else tuple(cleaned)
        if headers:
            values["custom_headers"] = headers
        if values.get("base_urls") and "base_url" not in values:
            values["base_url"] = values["base_urls"][0]
        return values

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return _clean_url(value)

    @field_validator("base_urls")
    @classmethod
    def _check_base_urls(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("base_urls must name at least one host (or leave it unset)")
        urls = tuple(dict.fromkeys(_clean_url(url) for url in value))
        return urls

    @field_validator("keep_alive", mode="before")
    @classmethod
    def _check_keep_alive(cls, value: object) -> KeepAlive | None:
        return None if value is None else normalize_keep_alive(value)

    @field_validator("num_ctx")
    @classmethod
    def _check_num_ctx(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value <= 0:
            raise ValueError("num_ctx must be a positive number of tokens, 'auto', or None (the server's default)")
        return value

    @field_validator("timeout_seconds", "connect_timeout_seconds")
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
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def header_values(self) -> dict[str, str]:
        """The headers to send, secrets revealed: for the transport layer only, never for display."""
        headers = {name: value.get_secret_value() for name, value in self.custom_headers.items()}
        if self.api_key is not None and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        return headers
