"""Host pool and per-request routing: which host to try next, failover, retries and breaker bookkeeping."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._breaker import CircuitBreaker, CircuitState
from ._retry import RetryPolicy
from .catalog import normalize_model_name
from .config import OllamaConfig, RoutingStrategy
from .errors import CircuitOpenError, LLMError

__all__ = ["CallPlan", "Host", "HostPool"]

logger = logging.getLogger("cb_ollama_integrations")


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


class HostPool:
    """The hosts of one client, with one circuit breaker each, shared by its sync and async paths."""

    def __init__(self, config: OllamaConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.strategy = config.routing_strategy
        self.probe_mode = config.breaker_probe
        self.policy = RetryPolicy(
            max_retries=config.max_retries,
            backoff=config.retry_backoff_seconds,
            max_backoff=config.retry_max_backoff_seconds,
            budget=config.retry_budget_seconds,
        )
        self.clock = clock
        self.hosts = [
            Host(url, CircuitBreaker(url, threshold=config.breaker_failure_threshold,
                                     cooldown=config.breaker_cooldown_seconds, clock=clock))
            for url in config.hosts
        ]
        self._lock = threading.Lock()
        self._round_robin = itertools.count()

    def host(self, url: str) -> Host:
        """The host with this base URL (KeyError if it is not in the pool)."""
        return next(h for h in self.hosts if h.url == url)

    def ordered(self, model: str | None) -> list[Host]:
        """The hosts in the order the strategy prefers them for one request."""
        hosts = list(self.hosts)
        if len(hosts) == 1 or self.strategy is RoutingStrategy.FAILOVER_CHAIN:
            return hosts
        if self.strategy is RoutingStrategy.LOAD_BALANCED:
            start = next(self._round_robin) % len(hosts)
            rotated = hosts[start:] + hosts[:start]
            return sorted(rotated, key=lambda h: h.in_flight)  # stable: round robin among equally busy hosts
        if self.strategy is RoutingStrategy.PERFORMANCE_FIRST:
            return sorted(hosts, key=lambda h: -1.0 if h.latency_ewma is None else h.latency_ewma)
        key = normalize_model_name(model) if model else ""
        return sorted(hosts, key=lambda h: key not in h.loaded_models)  # COST_OPTIMIZED

    def plan(self, model: str | None, pinned: str | None = None) -> CallPlan:
        """A fresh plan for one request (`pinned`: only that host, e.g. a per-host health check)."""
        return CallPlan(self, model, pinned)

    def states(self) -> dict[str, CircuitState]:
        """Breaker snapshots by host URL."""
        return {h.url: h.breaker.snapshot() for h in self.hosts}


class CallPlan:
    """The routing state of one request: hosts tried, retries used, time spent.

    Pure bookkeeping around the I/O done by the engine: `next_host()` before an attempt, then `succeeded()` or
    `failed()`, which returns how long to sleep before the next attempt or re-raises the error.
    """

    def __init__(self, pool: HostPool, model: str | None, pinned: str | None = None) -> None:
        self.pool = pool
        self.model = model
        self.pinned = pinned
        self.started = pool.clock()
        self.attempt_started = self.started
        self.retries = 0
        self.tried: set[str] = set()
        self.probing = False

    def next_host(self) -> Host:
        """Pick the next host (untried ones first); raise CircuitOpenError when every circuit is open."""
        ordered = [self.pool.host(self.pinned)] if self.pinned else self.pool.ordered(self.model)
        candidates = [h for h in ordered if h.url not in self.tried] or ordered
        first_error: CircuitOpenError | None = None
        for host in candidates:
            try:
                self.probing = host.breaker.admit()
            except CircuitOpenError as exc:
                first_error = first_error or exc
                continue
            self.tried.add(host.url)
            host.in_flight += 1
            self.attempt_started = self.pool.clock()
            return host
        assert first_error is not None
        if len(candidates) > 1:
            raise CircuitOpenError(
                f"every host's circuit is open ({', '.join(h.url for h in self.pool.hosts)}); failing fast",
                host=first_error.host,
                state=first_error.state,
                retry_after=min(h.breaker.snapshot().retry_after for h in self.pool.hosts),
            )
        raise first_error

    @property
    def needs_ping(self) -> bool:
        """Whether this attempt is a half-open probe that must first check GET / (breaker_probe="ping")."""
        return self.probing and self.pool.probe_mode == "ping"

    def succeeded(self, host: Host) -> None:
        """Record a successful attempt on `host`."""
        host.in_flight -= 1
        host.breaker.record_success()
        host.observe_latency(self.pool.clock() - self.attempt_started)
        if self.model:
            host.loaded_models.add(normalize_model_name(self.model))

    def failed(self, host: Host, exc: LLMError) -> float:
        """Record a failed attempt; return seconds to wait before the next one, or re-raise `exc`."""
        host.in_flight -= 1
        policy = self.pool.policy
        if not policy.is_host_failure(exc):
            host.breaker.record_success()  # the host answered: it is healthy, the request is not
            raise exc
        host.breaker.record_failure()
        if self.model:
            host.loaded_models.discard(normalize_model_name(self.model))
        untried = [] if self.pinned else [
            h for h in self.pool.ordered(self.model) if h.url not in self.tried and h.breaker.would_admit()
        ]
        if untried:
            logger.info("failover: %s failed (%s); trying %s", host.url, type(exc).__name__, untried[0].url)
            return 0.0
        if not policy.is_retryable(exc) or self.retries >= policy.max_retries:
            raise exc
        self.retries += 1
        delay = policy.delay(self.retries, exc)
        if self.pool.clock() - self.started + delay > policy.budget:
            raise exc
        self.tried.clear()
        logger.info("retry %d/%d in %.2fs after %s: %s", self.retries, policy.max_retries, delay,
                    type(exc).__name__, exc)
        return delay
