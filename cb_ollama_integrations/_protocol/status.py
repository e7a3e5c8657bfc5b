"""HTTP status -> the package's error for it, with the server's message, the facts and a hint."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from pydantic_core import from_json

from ..errors import (
    ContextWindowExceededError,
    InvalidRequestError,
    ModelNotFoundError,
    ProviderError,
    RateLimitedError,
    ServerError,
)

__all__ = ["CONTEXT_REMEDY", "error_for_status", "parse_retry_after"]

# What the server says when a prompt or an embedding input is longer than the context (v0.30.9+ for chat).
_TOO_LONG = ("prompt is longer than the context length", "input length exceeds the context length")
CONTEXT_REMEDY = ("shorten it: LangChain's `trim_messages(..., token_counter=llm)` or LlamaIndex's memory "
                  "buffers (ChatMemoryBuffer with a token_limit) keep a conversation inside the window")


_INSERT_HINT = ("; this model's template cannot fill in the middle (`suffix`): use a code model whose template "
                "inserts (e.g. qwen2.5-coder, codellama:code, starcoder2), or send the prompt without `suffix`")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _server_message(body: bytes) -> str:
    try:
        data = from_json(body)
    except ValueError:
        return body.decode(errors="replace").strip()[:500]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):  # the OpenAI-compatible routes nest it
            return str(error.get("message", error))
        if error is not None:
            return str(error)
    return body.decode(errors="replace").strip()[:500]


def error_for_status(
    status: int,
    body: bytes,
    *,
    method: str,
    url: str,
    model: str | None = None,
    retry_after: str | None = None,
) -> ProviderError:
    """Build the error for a non-2xx answer, with the server's message and a hint of what to do."""
    message = _server_message(body)
    facts: dict[str, Any] = {
        "status_code": status,
        "server_message": message,
        "method": method,
        "url": url,
        "retry_after": parse_retry_after(retry_after),
    }
    where = f"{method} {url}"
    if status == 404 and "page not found" in message:
        return ProviderError(
            f"{where} answered 404 '{message}': the endpoint does not exist; is this an Ollama server, "
            "and recent enough?",
            **facts,
        )
    if status == 404:
        name = model or "<model>"
        said = message or f"model '{name}' not found"
        return ModelNotFoundError(f"{said}: pull it with `ollama pull {name}`", model=model, **facts)
    if status == 400 and any(text in message for text in _TOO_LONG):
        return ContextWindowExceededError(
            f"{where} rejected the request (400): {message}; the model cannot see all of it: {CONTEXT_REMEDY}",
            model=model, **facts,
        )
    if status in (400, 501):  # 501: the model lacks the capability asked for (e.g. embeddings from a chat model)
        hint = _INSERT_HINT if "does not support insert" in message else ""
        return InvalidRequestError(f"{where} rejected the request ({status}): {message}{hint}", **facts)
    if status == 429:
        return RateLimitedError(f"{where} is rate limited (429): {message}", **facts)
    if status >= 500:
        return ServerError(f"{where} failed with {status}: {message}", **facts)
    return ProviderError(f"{where} answered {status}: {message}", **facts)
