"""The total time one logical call may take: pure time bookkeeping the engine and its transports consult."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import LLMTimeoutError

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """A point in time (`clock()` seconds) by which a call must be over: `seconds` after it began."""

    seconds: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    at: float = field(default=0.0)

    @classmethod
    def starting_now(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A deadline `seconds` from now."""
        return cls(seconds, clock, clock() + seconds)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.remaining() <= 0

    def cap(self, seconds: float | None) -> float:
        """`seconds` (None: no limit of its own) shortened to the time left, never below a millisecond."""
        left = max(self.remaining(), 0.001)
        return left if seconds is None else min(seconds, left)

    def error(self, url: str | None) -> LLMTimeoutError:
        """The error of a call that ran out of time."""
        return LLMTimeoutError(
            f"deadline_seconds={self.seconds:g} passed talking to {url} (the whole call, retries and body "
            "included); raise deadline_seconds for longer answers, or stream them", url=url, phase="deadline")

    def check(self, url: str | None) -> None:
        """Raise `error(url)` if the deadline has passed."""
        if self.expired:
            raise self.error(url)
