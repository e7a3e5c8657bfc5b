"""FAKE Ollama hosts (httpx.MockTransport handlers) that take time to answer and count what they hold at once.

`BusyHostsFake` answers like FakeOllama after `delay` seconds (per host: `delays`), sleeping in the calling
thread on the sync path and in the event loop on the async path, and counts, per host and across every
thread and loop, how many requests it holds at once (`peak`). It is what a test of the client's per-host
limit looks at: the host side of the wire.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time

import httpx

from .ollama import FakeOllama

__all__ = ["BusyHostsFake"]


class BusyHostsFake(FakeOllama):
    """FakeOllama whose answers take `delay` seconds (per host: `delays`); `peak[host]`: most held at once."""

    def __init__(self, delay: float = 0.02, delays: dict[str, float] | None = None) -> None:
        super().__init__()
        self.delay, self.delays = delay, delays or {}
        self.holding: collections.Counter[str] = collections.Counter()
        self.peak: collections.Counter[str] = collections.Counter()
        self.served: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    @staticmethod
    def host_of(request: httpx.Request) -> str:
        """The base URL a request was sent to."""
        return f"{request.url.scheme}://{request.url.host}:{request.url.port}"

    def _enter(self, request: httpx.Request) -> tuple[str, float]:
        host = self.host_of(request)
        with self._lock:
            self.holding[host] += 1
            self.peak[host] = max(self.peak[host], self.holding[host])
        return host, self.delays.get(host, self.delay)

    def _leave(self, host: str) -> None:
        with self._lock:
            self.holding[host] -= 1
            self.served[host] += 1

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        """The sync transport's handler: sleeps in the calling thread."""
        host, delay = self._enter(request)
        try:
            time.sleep(delay)
            return self(request)
        finally:
            self._leave(host)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        """The async transport's handler: sleeps in the event loop."""
        host, delay = self._enter(request)
        try:
            await asyncio.sleep(delay)
            return self(request)
        finally:
            self._leave(host)

    def transports(self) -> dict[str, httpx.MockTransport]:
        """`transport` and `async_transport` keyword arguments for OllamaClient."""
        return {"transport": httpx.MockTransport(self.sync_handler),
                "async_transport": httpx.MockTransport(self.async_handler)}
