"""Reading a whole (non-streamed) answer under two bounds: `max_body_bytes` after decoding, and the deadline.

The size is counted on the decoded bytes, and gzip/deflate are inflated here with a cap on each step's
output, so a small gzip body that would inflate to gigabytes stops at the limit without ever holding more
than it; a body that keeps trickling stops at the call's deadline. The one place a non-streamed body is read.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from .._resilience.deadline import Deadline
from ..errors import ParseError

__all__ = ["aread_body", "read_body"]

_STEP = 1 << 20  # inflate at most 1 MiB per step: the peak stays at the limit plus one step
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}


class _Collector:
    def __init__(self, response: httpx.Response, limit: int, deadline: Deadline, url: str) -> None:
        self.limit, self.deadline, self.url = limit, deadline, url
        self.chunks: list[bytes] = []
        self.size = 0
        encoding = response.headers.get("content-encoding", "").strip().lower()
        # raw bytes inflated here; else httpx decodes (deflate, br, zstd, or a body it already read in full)
        self.raw = (encoding in _WBITS or encoding in ("", "identity")) and not response.is_stream_consumed
        self._inflater = zlib.decompressobj(_WBITS[encoding]) if self.raw and encoding in _WBITS else None

    def add(self, data: bytes) -> None:
        for chunk in self._inflate(data):
            self._keep(chunk)
        self.deadline.check(self.url)

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise ParseError(f"the answer from {self.url} is larger than max_body_bytes={self.limit} (decoded); "
                             "raise max_body_bytes if that is expected, or stream the call", url=self.url)
        self.chunks.append(chunk)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        if self._inflater is None:
            yield data
            return
        try:
            while data:  # never more than one byte past the limit per step, however dense the input
                yield self._inflater.decompress(data, min(self.limit - self.size + 1, _STEP))
                data = self._inflater.unconsumed_tail
        except zlib.error as exc:
            raise ParseError(f"could not decode the compressed body from {self.url}: {exc}", url=self.url) from exc

    def body(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush(self.limit - self.size + 1))
        return b"".join(self.chunks)


def _chunks(response: httpx.Response, raw: bool) -> Iterator[bytes]:
    return response.iter_raw() if raw else response.iter_bytes()


def _achunks(response: httpx.Response, raw: bool) -> AsyncIterator[bytes]:
    return response.aiter_raw() if raw else response.aiter_bytes()


def read_body(response: httpx.Response, limit: int, deadline: Deadline, url: str) -> bytes:
    """The decoded body of `response`, or ParseError past `limit` bytes, or the deadline's error."""
    collector = _Collector(response, limit, deadline, url)
    for chunk in _chunks(response, collector.raw):
        collector.add(chunk)
    return collector.body()


async def aread_body(response: httpx.Response, limit: int, deadline: Deadline, url: str) -> bytes:
    """Async twin of `read_body`."""
    collector = _Collector(response, limit, deadline, url)
    async for chunk in _achunks(response, collector.raw):
        collector.add(chunk)
    return collector.body()
