"""The retry policy: pure decisions (what is retryable, what counts against a host, how long to wait)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import (
    CircuitOpenError,
    InvalidRequestError,
    LLMError,
    LLMTimeoutError,
    NetworkError,
    ProviderError,
    RateLimitedError,
    ServerError,
)

__all__ = ["RETRYABLE_STATUS", "RetryPolicy"]

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Retried: connection errors before any answer arrived, connect/pool timeouts and 429/502/503/504. Never
    retried: caller errors (400, 404), 500 (a runner crash or a bad option fails the same way again), read
    timeouts (the server may still be working), a passed `deadline_seconds`, and anything after an answer
    started arriving: a 2xx status line of a non-streamed call, the first chunk of a stream (the plan stops
    there, see `CallPlan.failed`). Management calls that change the server (pull) are sent again only after
    a failed connect or pool wait (`nothing_sent`), never after the request may have reached the server.
    """

    max_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    budget: float = 60.0
    jitter: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    @staticmethod
    def is_host_failure(exc: LLMError) -> bool:
        """Whether the error says the host is unhealthy (counts toward opening its circuit).

        A pool timeout is not: it means this client's own connection pool was saturated.
        """
        if isinstance(exc, LLMTimeoutError):
            return exc.phase != "pool"
        if isinstance(exc, NetworkError):
            return True
        if isinstance(exc, InvalidRequestError):  # e.g. 501 "does not support embeddings": the caller's mistake
            return False
        return isinstance(exc, ProviderError) and (exc.status_code >= 500 or exc.status_code == 429)

    @staticmethod
    def is_retryable(exc: LLMError) -> bool:
        """Whether trying the same request again may succeed and cannot duplicate work."""
        if isinstance(exc, CircuitOpenError):
            return False
        if isinstance(exc, NetworkError):
            return True
        if isinstance(exc, LLMTimeoutError):
            return exc.phase in ("connect", "pool")
        if isinstance(exc, RateLimitedError | ServerError):
            return exc.status_code in RETRYABLE_STATUS
        return False

    @staticmethod
    def nothing_sent(exc: LLMError) -> bool:
        """Whether the error proves the request never reached the server (connect failed, pool wait)."""
        if isinstance(exc, LLMTimeoutError):
            return exc.phase in ("connect", "pool")
        return isinstance(exc, NetworkError) and exc.phase == "connect"

    def delay(self, retry_number: int, exc: LLMError) -> float:
        """Seconds before retry `retry_number` (1-based): Retry-After if sent, else backoff with jitter."""
        retry_after: object = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return min(float(retry_after), self.budget)
        base = min(self.max_backoff, self.backoff * 2.0 ** (retry_number - 1))
        return base * (0.5 + 0.5 * self.jitter())
