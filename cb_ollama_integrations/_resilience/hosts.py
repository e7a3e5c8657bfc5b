"""One host as routing sees it, and the pure ranking policies of the load-aware strategies.

The counts they rank by (`Host.in_flight`) are kept by `HostPool.count_in_flight` from what the engine
reports; nothing here does I/O or takes a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .breaker import CircuitBreaker

__all__ = ["Host", "least_busy_first", "soonest_answer_first"]


@dataclass
class Host:
    """One Ollama host: its breaker and what routing has observed of it."""

    url: str
    breaker: CircuitBreaker
    latency_ewma: float | None = None
    in_flight: int = 0
    loaded_models: set[str] = field(default_factory=set)

    def observe_latency(self, seconds: float) -> None:
        """Fold one observed latency into the moving average used by PERFORMANCE_FIRST."""
        self.latency_ewma = seconds if self.latency_ewma is None else 0.8 * self.latency_ewma + 0.2 * seconds

    @property
    def failing(self) -> bool:
        """True while the host's last attempts failed (its circuit may still be closed)."""
        return self.breaker.consecutive_failures > 0


def least_busy_first(hosts: list[Host]) -> list[Host]:
    """Healthy hosts before failing ones, then fewest requests in flight first (stable: ties keep the order)."""
    return sorted(hosts, key=lambda h: (h.failing, h.in_flight))


def soonest_answer_first(hosts: list[Host]) -> list[Host]:
    """Healthy hosts before failing ones; an idle unmeasured host first (to measure it); then the host whose
    answer is expected first: (requests already there + this one) x its moving-average latency.

    A host 5x slower than the others thus only gets a request once each of the others has 5 queued: a share
    in proportion to its speed, never more than an equal one. A busy unmeasured host counts as fast as the
    fastest measured one (optimistic, so it is not starved of the requests that measure it).
    """
    measured = [h.latency_ewma for h in hosts if h.latency_ewma is not None]
    fastest = min(measured) if measured else 1.0

    def expected(host: Host) -> tuple[bool, int, float]:
        if host.latency_ewma is None and host.in_flight == 0:
            return host.failing, 0, 0.0
        latency = fastest if host.latency_ewma is None else host.latency_ewma
        return host.failing, 1, (host.in_flight + 1) * latency

    return sorted(hosts, key=expected)
