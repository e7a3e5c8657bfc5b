"""Pure wire helpers: JSON decoding, NDJSON line splitting and HTTP status -> error mapping."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from pydantic_core import from_json

from .errors import (
    InvalidRequestError,
    ModelNotFoundError,
    ParseError,
    ProviderError,
    RateLimitedError,
    ServerError,
)

__all__ = ["LineSplitter", "error_for_status", "parse_json", "parse_retry_after"]

MAX_LINE_BYTES = 64 * 1024 * 1024  # far above Go's 8 MB: a final chunk with a huge `context` must fit


def parse_json(body: bytes, *, url: str | None = None) -> dict[str, Any]:
    """Decode a JSON object body; anything else raises ParseError with the start of the body."""
    try:
        data = from_json(body)
    except ValueError as exc:
        raise ParseError(f"invalid JSON from server: {exc}", url=url, body=body[:200].decode(errors="replace")) from exc
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object from the server", url=url, body=body[:200].decode(errors="replace"))
    return data


class LineSplitter:
    """Split a byte stream into NDJSON lines.

    Works on bytes, so a multi-byte UTF-8 character cut across network frames is decoded only once its line
    is complete; a newline byte never occurs inside a UTF-8 sequence.
    """

    def __init__(self, *, url: str | None = None) -> None:
        self._buffer = bytearray()
        self._url = url

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the complete, non-blank lines they finish."""
        if not self._buffer and data.endswith(b"\n") and data.count(b"\n") == 1:
            return [data[:-1]] if data.strip() else []  # Ollama's usual framing: one whole line per chunk
        self._buffer += data
        if b"\n" not in data:
            if len(self._buffer) > MAX_LINE_BYTES:
                raise ParseError(f"an NDJSON line exceeds {MAX_LINE_BYTES} bytes", url=self._url)
            return []
        *lines, rest = self._buffer.split(b"\n")
        self._buffer = bytearray(rest)
        return [bytes(line) for line in lines if line.strip()]

    def flush(self) -> list[bytes]:
        """Return the last line if the stream did not end with a newline."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        return [rest] if rest.strip() else []


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
    if status in (400, 501):  # 501: the model lacks the capability asked for (e.g. embeddings from a chat model)
        return InvalidRequestError(f"{where} rejected the request ({status}): {message}", **facts)
    if status == 429:
        return RateLimitedError(f"{where} is rate limited (429): {message}", **facts)
    if status >= 500:
        return ServerError(f"{where} failed with {status}: {message}", **facts)
    return ProviderError(f"{where} answered {status}: {message}", **facts)
