"""Read OLLAMA_* environment variables (only when asked, never at import)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .urls import clean_url, redact_url, split_url_credentials

__all__ = ["config_values_from_env", "env_variable_for", "normalize_host", "num_parallel_from_env", "parse_bool"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_TEXT_VARIABLES = {
    "default_model": "OLLAMA_DEFAULT_MODEL",
    "embedding_model": "OLLAMA_EMBEDDING_MODEL",
    "keep_alive": "OLLAMA_KEEP_ALIVE",
    "api_key": "OLLAMA_API_KEY",
}
_OTHER_VARIABLES = {
    "verify_ssl": "OLLAMA_VERIFY_SSL",
    "log_bodies": "CB_OLLAMA_LOG_BODIES",
    "timeout_seconds": "OLLAMA_TIMEOUT_SECONDS",
    "max_retries": "OLLAMA_MAX_RETRIES",
}


def parse_bool(name: str, raw: str) -> bool:
    """Parse a boolean env value (true/false/1/0/yes/no/on/off, any case); anything else is an error."""
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean: use true/false, 1/0 or yes/no")


def normalize_host(raw: str) -> str:
    """Turn an OLLAMA_HOST value ("0.0.0.0", "host:port", "https://h", "[::1]:80", "::1") into a base URL.

    ValueError for a port that is not a number in 1-65535; `user:password@` is kept (it becomes a header).
    """
    text = raw.strip().rstrip("/")
    if "://" not in text and "@" not in text and text.count(":") > 1 and not text.startswith("["):
        text = f"[{text}]"  # a bare IPv6 address such as ::1
    parts = urlsplit(text if "://" in text else f"http://{text}")
    port = parts.port  # ValueError when not a number in range
    if port == 0:
        raise ValueError("port 0 is not a port Ollama can listen on")
    host = parts.hostname or "127.0.0.1"
    if host == "0.0.0.0":  # a bind-all server address is reached on loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    port = port or (443 if parts.scheme == "https" else 11434)
    return f"{parts.scheme}://{userinfo + '@' if userinfo else ''}{host}:{port}{parts.path}"


def _checked_url(name: str, raw: str, convert: Any = str) -> str:
    try:
        url: str = convert(raw)
        clean_url(split_url_credentials(url)[0])
    except ValueError as exc:
        raise ValueError(f"{name}={redact_url(raw)!r} is not a usable Ollama address: {exc}") from None
    return url.strip()


def _number(name: str, raw: str, kind: type[float] | type[int]) -> float | int:
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not {'a number' if kind is float else 'a whole number'}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}={raw!r} must be a finite number")
    return value


def num_parallel_from_env(environ: Mapping[str, str] | None = None) -> int:
    """OLLAMA_NUM_PARALLEL (requests one server runs at once per model) as this process sees it; unset: 1.

    1 is the default of current Ollama servers; the client cannot ask a server for its value (no endpoint
    reports it), so it reads the variable the server is started with, wherever the two share it.
    """
    env = os.environ if environ is None else environ
    raw = (env.get("OLLAMA_NUM_PARALLEL") or "").strip()
    if not raw:
        return 1
    value = _number("OLLAMA_NUM_PARALLEL", raw, int)
    if value < 1:
        raise ValueError(f"OLLAMA_NUM_PARALLEL={raw!r} must be a whole number >= 1 (or unset: 1)")
    return int(value)


def env_variable_for(field: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable a config field was read from by `config_values_from_env`, or None."""
    env = os.environ if environ is None else environ
    if field == "base_url":
        return "OLLAMA_BASE_URL" if (env.get("OLLAMA_BASE_URL") or "").strip() else "OLLAMA_HOST"
    return _TEXT_VARIABLES.get(field) or _OTHER_VARIABLES.get(field)


def config_values_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Map the OLLAMA_* variables that are set (and not empty) to OllamaConfig field values.

    A value that cannot be one (a URL that is not http(s)://host:port, a port out of range, a non-number)
    raises ValueError naming the variable.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}

    def get(name: str) -> str | None:
        raw = env.get(name)
        return raw if raw is not None and raw.strip() != "" else None

    if (url := get("OLLAMA_BASE_URL")) is not None:
        values["base_url"] = _checked_url("OLLAMA_BASE_URL", url)
    elif (host := get("OLLAMA_HOST")) is not None:
        values["base_url"] = _checked_url("OLLAMA_HOST", host, normalize_host)
    for field, name in _TEXT_VARIABLES.items():
        if (raw := get(name)) is not None:
            values[field] = raw.strip()
    if (raw := get("OLLAMA_VERIFY_SSL")) is not None:
        values["verify_ssl"] = parse_bool("OLLAMA_VERIFY_SSL", raw)
    if (raw := get("CB_OLLAMA_LOG_BODIES")) is not None:
        values["log_bodies"] = parse_bool("CB_OLLAMA_LOG_BODIES", raw)
    if (raw := get("OLLAMA_TIMEOUT_SECONDS")) is not None:
        values["timeout_seconds"] = _number("OLLAMA_TIMEOUT_SECONDS", raw, float)
    if (raw := get("OLLAMA_MAX_RETRIES")) is not None:
        values["max_retries"] = _number("OLLAMA_MAX_RETRIES", raw, int)
    return values
