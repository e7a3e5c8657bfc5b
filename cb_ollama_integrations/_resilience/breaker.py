"""A per-host circuit breaker: closed -> open after N host failures -> half-open probe -> closed.

Thread-safe (one lock, held only for bookkeeping, never across I/O or an await), so the sync and async paths
of a client, and any number of threads and event loops, share one breaker per host.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import CircuitOpenError

__all__ = ["CircuitBreaker", "CircuitState"]

logger = logging.getLogger("cb_ollama_integrations")


@dataclass(frozen=True)
class CircuitState:
    """A snapshot of one host's breaker: `state` is "closed", "open" or "half_open".

    `retry_after` is the number of seconds until an open breaker lets a probe through (0 when closed).
    """

    host: str
    state: str
    consecutive_failures: int
    retry_after: float


class CircuitBreaker:
    """Counts consecutive host failures and fails fast while open.

    Only host-health failures count (connection errors, timeouts, 5xx, 429); the caller decides that and
    calls `record_failure`. After `cooldown` seconds an open breaker admits exactly one probe (half-open):
    its success closes the circuit, its failure opens it again for another cooldown, and a probe that ends
    without an answer (cancelled) is `release_probe`d so the next caller can probe instead.
    """

    def __init__(
        self, host: str, *, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if threshold < 1 or cooldown < 0:
            raise ValueError("a breaker needs threshold >= 1 and cooldown >= 0")
        self.host = host
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    def admit(self) -> bool:
        """Let a call through or raise CircuitOpenError; True when this call is the half-open probe."""
        with self._lock:
            if self._state == "closed":
                return False
            waited = self._clock() - self._opened_at
            if self._state == "open" and waited >= self._cooldown:
                self._transition("half_open")
                self._probe_in_flight = True
                return True
            if self._state == "half_open" and not self._probe_in_flight:
                self._probe_in_flight = True
                return True
            retry_after = max(0.0, self._cooldown - waited)
            raise CircuitOpenError(
                f"circuit for {self.host} is {self._state}: failing fast (retry in {retry_after:.1f}s)",
                host=self.host,
                state=self._state,
                retry_after=retry_after,
            )

    def would_admit(self) -> bool:
        """True if `admit` would let a call through now (no state change)."""
        with self._lock:
            if self._state == "closed":
                return True
            if self._state == "half_open":
                return not self._probe_in_flight
            return self._clock() - self._opened_at >= self._cooldown

    @property
    def consecutive_failures(self) -> int:
        """Host failures since the last success (routing puts hosts that just failed last)."""
        with self._lock:
            return self._failures

    def record_success(self) -> None:
        """The host answered (even with a caller error such as 400/404): close the circuit."""
        with self._lock:
            self._failures = 0
            self._probe_in_flight = False
            if self._state != "closed":
                self._transition("closed")

    def record_failure(self) -> None:
        """The host failed; open the circuit at the threshold, or at once when the probe failed."""
        with self._lock:
            self._failures += 1
            self._probe_in_flight = False
            if self._state == "half_open" or (self._state == "closed" and self._failures >= self._threshold):
                self._opened_at = self._clock()
                self._transition("open")
            elif self._state == "open":
                self._opened_at = self._clock()

    def release_probe(self) -> None:
        """The probe ended without an answer either way (cancelled): let the next caller probe instead."""
        with self._lock:
            self._probe_in_flight = False

    def snapshot(self) -> CircuitState:
        """The current state, for `client.circuit_state()` and the CLI."""
        with self._lock:
            retry_after = 0.0
            if self._state == "open":
                retry_after = max(0.0, self._cooldown - (self._clock() - self._opened_at))
            return CircuitState(self.host, self._state, self._failures, retry_after)

    def _transition(self, state: str) -> None:
        logger.info("circuit %s: %s -> %s (failures=%d)", self.host, self._state, state, self._failures)
        self._state = state
