"""Shared construction of the core client settings for CBOllama and CBOllamaEmbedding (env read, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from ..config import OllamaConfig, RoutingStrategy

__all__ = ["build_config"]


def build_config(
    *,
    base_url: str | None,
    base_urls: Sequence[str] | None,
    routing_strategy: RoutingStrategy | None,
    keep_alive: str | float | None,
    request_timeout: float | None,
    connect_timeout: float | None,
    max_retries: int | None,
    headers: Mapping[str, SecretStr] | None,
    **models: Any,
) -> OllamaConfig:
    """An OllamaConfig from adapter fields; unset (None) ones fall back to OLLAMA_* variables, then defaults.

    `base_url=None` honours OLLAMA_BASE_URL / OLLAMA_HOST. `request_timeout` is the read timeout (how long a
    cold model load may take to answer), `connect_timeout` how fast a dead host fails.
    """
    return OllamaConfig.from_env(
        base_url=base_url,
        base_urls=tuple(base_urls) if base_urls else None,
        routing_strategy=routing_strategy,
        keep_alive=keep_alive,
        timeout_seconds=request_timeout,
        connect_timeout_seconds=connect_timeout,
        max_retries=max_retries,
        custom_headers=dict(headers) if headers else None,
        **models,
    )
