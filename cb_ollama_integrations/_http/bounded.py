"""Transports that never queue inside httpcore's pool: a request takes one of its host's slots first.

Under contention httpcore's pool can hand a request a connection that another request is closing, which
surfaces as "[Errno 9] Bad file descriptor" or a request that waits for its whole read timeout
(encode/httpcore#1110). These wrappers take a slot before a request enters the pool and give it back when
its answer is closed, so the pool always has a free connection for every request it sees and its own
waiting-room code never runs (500 requests queued inside httpcore cost about 3x the CPU of the same wait
here). The slots of one host (`HostSlots`, at most `max_concurrency_per_host`, never more than the pool's
connections) are shared by the sync transport and the async one of every event loop, so a host never sees
more than its limit at once. The wait for a slot is the pool wait: it is bounded by the pool timeout.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

from .slots import HostSlots

__all__ = ["AsyncBoundedTransport", "BoundedTransport", "slot_wait"]

_SLOT_WAIT = "cb_ollama_slot_wait"


def _pool_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("pool")
    return None if value is None else float(value)


def slot_wait(request: httpx.Request) -> float:
    """Seconds `request` waited for one of its host's slots (0 if it did not go through a bounded transport)."""
    return float(request.extensions.get(_SLOT_WAIT, 0.0))


def _no_slot(slots: HostSlots, timeout: float | None, request: httpx.Request) -> httpx.PoolTimeout:
    host = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
    return httpx.PoolTimeout(
        f"waited {timeout} s for one of the {slots.limit} request slots of {host} ({slots.setting}="
        f"{slots.limit}; {slots.waiting} other requests waiting): give the host the parallelism its "
        f"OLLAMA_NUM_PARALLEL allows and raise {slots.setting} to match, add hosts, or allow a longer wait",
        request=request,
    )


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
    """A sync transport admitting a request only once it holds one of its host's `slots`."""

    def __init__(self, inner: httpx.BaseTransport, slots: HostSlots) -> None:
        self.inner, self.slots = inner, slots

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout, asked = _pool_timeout(request), time.monotonic()
        if not self.slots.acquire(timeout):
            raise _no_slot(self.slots, timeout, request)
        request.extensions[_SLOT_WAIT] = time.monotonic() - asked
        try:
            response = self.inner.handle_request(request)
        except BaseException:
            self.slots.release()
            raise
        if response.is_closed:  # an answer built in memory (a mock transport): nothing holds a connection
            self.slots.release()
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _Releasing(response.stream, self.slots.release)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncBoundedTransport(httpx.AsyncBaseTransport):
    """Async twin of `BoundedTransport` (one per event loop, like the async client that owns it; the slots
    are the host's, shared with every other loop and the sync transport)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, slots: HostSlots) -> None:
        self.inner, self.slots = inner, slots

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout, asked = _pool_timeout(request), time.monotonic()
        if not await self.slots.aacquire(timeout):
            raise _no_slot(self.slots, timeout, request)
        request.extensions[_SLOT_WAIT] = time.monotonic() - asked
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.slots.release()
            raise
        if response.is_closed:  # an answer built in memory (a mock transport): nothing holds a connection
            self.slots.release()
            return response
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncReleasing(response.stream, self.slots.release)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
