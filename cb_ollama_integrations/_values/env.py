"""Read OLLAMA_* environment variables (only when asked, never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["config_values_from_env", "normalize_host", "parse_bool"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean env value (true/false/1/0/yes/no/on/off, any case); anything else is an error."""
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean: use true/false, 1/0 or yes/no")


def normalize_host(raw: str) -> str:
    """Turn an OLLAMA_HOST value ("0.0.0.0", "host:port", "https://h", "[::1]:80") into a base URL."""
    text = raw.strip().rstrip("/")
    parts = urlsplit(text if "://" in text else f"http://{text}")
    host = parts.hostname or "127.0.0.1"
    if host == "0.0.0.0":  # a bind-all server address is reached on loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 11434)
    return f"{parts.scheme}://{host}:{port}{parts.path}"


def config_values_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Map the OLLAMA_* variables that are set (and not empty) to OllamaConfig field values."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}

    def get(name: str) -> str | None:
        raw = env.get(name)
        return raw if raw is not None and raw.strip() != "" else None

    if (url := get("OLLAMA_BASE_URL")) is not None:
        values["base_url"] = url.strip()
    elif (host := get("OLLAMA_HOST")) is not None:
        values["base_url"] = normalize_host(host)
    for name, field in (
        ("OLLAMA_DEFAULT_MODEL", "default_model"),
        ("OLLAMA_EMBEDDING_MODEL", "embedding_model"),
        ("OLLAMA_KEEP_ALIVE", "keep_alive"),
        ("OLLAMA_API_KEY", "api_key"),
    ):
        if (raw := get(name)) is not None:
            values[field] = raw.strip()
    if (raw := get("OLLAMA_VERIFY_SSL")) is not None:
        values["verify_ssl"] = parse_bool("OLLAMA_VERIFY_SSL", raw)
    if (raw := get("CB_OLLAMA_LOG_BODIES")) is not None:
        values["log_bodies"] = parse_bool("CB_OLLAMA_LOG_BODIES", raw)
    for name, field in (("OLLAMA_TIMEOUT_SECONDS", "timeout_seconds"), ("OLLAMA_MAX_RETRIES", "max_retries")):
        if (raw := get(name)) is not None:
            try:
                values[field] = float(raw) if field == "timeout_seconds" else int(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a number") from None
    return values
