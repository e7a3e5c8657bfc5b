"""JSON bodies and NDJSON line splitting: the byte-level decoding every answer goes through."""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from ..errors import ParseError

__all__ = ["MAX_LINE_BYTES", "LineSplitter", "parse_json"]

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
