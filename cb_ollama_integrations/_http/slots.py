"""Per-host request slots shared by the sync client and the async client of every event loop.

One `HostSlots` per host: at most `limit` requests in flight to it, whoever sends them; the rest wait here, in
arrival order, for at most the pool timeout. A released slot is handed straight to the oldest waiter (a
thread is woken by its Event, a coroutine by its loop), so nobody overtakes and no slot is lost when a waiter
gives up at the moment it is served.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["HostSlots"]


class _Waiter:
    __slots__ = ("granted", "wake")

    def __init__(self, wake: Callable[[], None]) -> None:
        self.granted, self.wake = False, wake


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _waker(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> Callable[[], None]:
    def wake() -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            _resolve(future)
        else:  # released from another thread or loop; RuntimeError if that loop is closed
            loop.call_soon_threadsafe(_resolve, future)

    return wake


class HostSlots:
    """At most `limit` requests at once to one host, across threads and event loops (`setting` names the
    limit in the error a timed-out wait gives)."""

    def __init__(self, limit: int, setting: str = "max_concurrency_per_host") -> None:
        self.limit, self.setting = limit, setting
        self._lock = threading.Lock()
        self._busy = 0
        self._queue: deque[_Waiter] = deque()

    @property
    def in_use(self) -> int:
        """Slots held now (requests on their way to, or being answered by, the host)."""
        return self._busy

    @property
    def waiting(self) -> int:
        """Requests waiting here for a slot."""
        return len(self._queue)

    def _take_or_queue(self, wake: Callable[[], None]) -> _Waiter | None:
        with self._lock:
            if self._busy < self.limit and not self._queue:
                self._busy += 1
                return None
            waiter = _Waiter(wake)
            self._queue.append(waiter)
            return waiter

    def _gave_up(self, waiter: _Waiter) -> bool:
        """The waiter stops waiting: True if it was served meanwhile (it holds a slot), else it leaves."""
        with self._lock:
            if waiter.granted:
                return True
            self._queue.remove(waiter)
            return False

    def acquire(self, timeout: float | None) -> bool:
        """Take a slot within `timeout` seconds (None: wait as long as it takes); False when timed out."""
        event = threading.Event()
        waiter = self._take_or_queue(event.set)
        if waiter is None:
            return True
        event.wait(timeout)
        return self._gave_up(waiter)

    async def aacquire(self, timeout: float | None) -> bool:
        """Async twin of `acquire`; a cancelled waiter never keeps (or loses) a slot."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = self._take_or_queue(_waker(loop, future))
        if waiter is None:
            return True
        try:
            await asyncio.wait({future}, timeout=timeout)
        except BaseException:
            if self._gave_up(waiter):
                self.release()
            raise
        return self._gave_up(waiter)

    def release(self) -> None:
        """Give a slot back: to the oldest waiter that can still be woken, else to the pool of free slots."""
        with self._lock:
            while self._queue:
                waiter = self._queue.popleft()
                try:
                    waiter.wake()
                except RuntimeError:  # its event loop is closed: nobody is left to take the slot
                    continue
                waiter.granted = True
                return
            self._busy -= 1
