"""Transports that never queue inside httpcore's pool: at most as many requests in flight as it has connections.

Under contention httpcore's pool can hand a request a connection that another request is closing, which
surfaces as "[Errno 9] Bad file descriptor" or a request that waits for its whole read timeout
(encode/httpcore#1110). These wrappers take a slot before a request enters the pool and give it back when
its answer is closed, so the pool always has a free connection for every request it sees and its own
waiting-room code never runs. The wait for a slot is the pool wait: it is bounded by the pool timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

__all__ = ["AsyncBoundedTransport", "BoundedTransport"]


def _pool_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("pool")
    return None if value is None else float(value)


class _Releasing(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream, self._release = stream, release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            release, self._release = self._release, _nothing
            release()


class _AsyncReleasing(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream, self._release = stream, release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, _nothing
            release()


def _nothing() -> None:
    return None


class BoundedTransport(httpx.BaseTransport):
    """A sync transport admitting at most `slots` requests at once (one per pooled connection)."""

    def __init__(self, inner: httpx.BaseTransport, slots: int) -> None:
        self.inner = inner
        self._slots = threading.BoundedSemaphore(slots)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = _pool_timeout(request)
        if not self._slots.acquire(timeout=timeout):
            raise httpx.PoolTimeout(f"no free connection within {timeout} s", request=request)
        try:
            response = self.inner.handle_request(request)
        except BaseException:
            self._slots.release()
            raise
        if response.is_closed:  # a body already read (httpx.Response(content=bytes)) holds no connection
            self._slots.release()
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _Releasing(response.stream, self._slots.release)
        return response

    def close(self) -> None:
        self.inner.close()


async def _acquire(slots: asyncio.Semaphore, timeout: float | None) -> bool:
    """Take a slot within `timeout` seconds (None: wait); never leaks one when timed out or cancelled."""
    if timeout is None:
        await slots.acquire()
        return True
    task = asyncio.ensure_future(slots.acquire())
    try:
        await asyncio.wait({task}, timeout=timeout)
    except BaseException:  # the caller was cancelled while waiting
        if not task.cancel() and not task.exception():
            slots.release()
        raise
    if task.done():
        return True
    task.cancel()
    return False


class AsyncBoundedTransport(httpx.AsyncBaseTransport):
    """Async twin of `BoundedTransport` (one per event loop, like the async client that owns it)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, slots: int) -> None:
        self.inner = inner
        self._slots = asyncio.Semaphore(slots)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = _pool_timeout(request)
        if not await _acquire(self._slots, timeout):
            raise httpx.PoolTimeout(f"no free connection within {timeout} s", request=request)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        if response.is_closed:  # as in the sync twin: nothing left to read, no connection held
            self._slots.release()
            return response
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncReleasing(response.stream, self._slots.release)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
