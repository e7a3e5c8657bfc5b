"""Reading a whole (non-streamed) answer under two bounds: `max_body_bytes` after decoding, and the deadline.

The size is counted on the decoded bytes, so a small gzip body that inflates to gigabytes stops at the limit;
a body that keeps trickling stops at the call's deadline. The one place a non-streamed body is read.
"""

from __future__ import annotations

import httpx

from .._resilience.deadline import Deadline
from ..errors import ParseError

__all__ = ["aread_body", "read_body"]


class _Collector:
    def __init__(self, limit: int, deadline: Deadline, url: str) -> None:
        self.limit, self.deadline, self.url = limit, deadline, url
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise ParseError(f"the answer from {self.url} is larger than max_body_bytes={self.limit} (decoded); "
                             "raise max_body_bytes if that is expected, or stream the call", url=self.url)
        self.deadline.check(self.url)
        self.chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def read_body(response: httpx.Response, limit: int, deadline: Deadline, url: str) -> bytes:
    """The decoded body of `response`, or ParseError past `limit` bytes, or the deadline's error."""
    collector = _Collector(limit, deadline, url)
    for chunk in response.iter_bytes():
        collector.add(chunk)
    return collector.body()


async def aread_body(response: httpx.Response, limit: int, deadline: Deadline, url: str) -> bytes:
    """Async twin of `read_body`."""
    collector = _Collector(limit, deadline, url)
    async for chunk in response.aiter_bytes():
        collector.add(chunk)
    return collector.body()
