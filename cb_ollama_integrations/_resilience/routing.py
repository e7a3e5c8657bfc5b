"""Host pool and per-request routing: which host to try next, failover, retries and breaker bookkeeping.

No I/O here: the engine asks a `CallPlan` for a host, does the request, and reports how it went.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable

from ..catalog import normalize_model_name
from ..config import OllamaConfig, RoutingStrategy
from ..errors import CircuitOpenError, LLMError, LLMTimeoutError, NetworkError
from .attempts import NO_OBSERVER, AttemptObserver, Outcome
from .breaker import CircuitBreaker, CircuitState
from .deadline import Deadline
from .hosts import Host, least_busy_first, soonest_answer_first
from .retry import RetryPolicy

__all__ = ["CallPlan", "Host", "HostPool", "least_busy_first", "soonest_answer_first"]

logger = logging.getLogger("cb_ollama_integrations")
_LOAD_AWARE = (RoutingStrategy.LOAD_BALANCED, RoutingStrategy.PERFORMANCE_FIRST)


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
        self.deadline_seconds = config.deadline_seconds
        self.hosts = [
            Host(url, CircuitBreaker(url, threshold=config.breaker_failure_threshold,
                                     cooldown=config.breaker_cooldown_seconds, clock=clock))
            for url in config.hosts
        ]
        self._lock = threading.Lock()
        self._round_robin = itertools.count()

    def host(self, url: str) -> Host:
        """The host with this base URL (ValueError if it is not in the pool)."""
        for host in self.hosts:
            if host.url == url:
                return host
        raise ValueError(f"{url!r} is not one of this client's hosts: {[h.url for h in self.hosts]}")

    def ordered(self, model: str | None) -> list[Host]:
        """The hosts in the order the strategy prefers them for one request.

        Except in the explicit FAILOVER_CHAIN order, hosts whose last attempt failed go last; open circuits
        are skipped later, by the plan, which ranks again by load (`rank`) when it picks a host."""
        hosts = list(self.hosts)
        if len(hosts) == 1 or self.strategy is RoutingStrategy.FAILOVER_CHAIN:
            return hosts
        if self.strategy is RoutingStrategy.LOAD_BALANCED:  # no turn taken here: `rank` takes it at the pick
            return least_busy_first(hosts)
        if self.strategy is RoutingStrategy.PERFORMANCE_FIRST:
            return soonest_answer_first(hosts)
        key = normalize_model_name(model) if model else ""
        return sorted(hosts, key=lambda h: (h.failing, key not in h.loaded_models))  # COST_OPTIMIZED

    def rank(self, hosts: list[Host]) -> list[Host]:
        """`hosts` by the current load for LOAD_BALANCED and PERFORMANCE_FIRST (as given for the others); the
        caller holds `lock`, so the choice and its in-flight count move together."""
        if len(hosts) < 2 or self.strategy not in _LOAD_AWARE:
            return hosts
        start = next(self._round_robin) % len(hosts)
        rotated = hosts[start:] + hosts[:start]  # sorted() is stable: equal hosts take turns
        if self.strategy is RoutingStrategy.LOAD_BALANCED:
            return least_busy_first(rotated)
        return soonest_answer_first(rotated)

    def plan(self, model: str | None, pinned: str | None = None, *, warms_model: bool = False,
             resend: bool = True, observer: AttemptObserver = NO_OBSERVER) -> CallPlan:
        """A fresh plan for one request (`pinned`: only that host, e.g. a per-host health check).

        `warms_model`: a success leaves `model` loaded on the host (chat/embed), which COST_OPTIMIZED uses.
        `resend=False` (pull and other management calls): never sent twice, only retried when nothing was sent.
        `observer` hears how every attempt ended (telemetry).
        """
        return CallPlan(self, model, pinned, warms_model=warms_model, resend=resend, observer=observer)

    def states(self) -> dict[str, CircuitState]:
        """Breaker snapshots by host URL."""
        return {h.url: h.breaker.snapshot() for h in self.hosts}

    @property
    def lock(self) -> threading.Lock:
        """Held while a host is chosen and counted, and while a count changes."""
        return self._lock

    def count_in_flight(self, host: Host, delta: int) -> None:
        """Track requests in flight per host (sent, or waiting for a slot; a stream until the engine closes
        it): what LOAD_BALANCED and PERFORMANCE_FIRST rank by. Safe across threads."""
        with self._lock:
            host.in_flight += delta


class CallPlan:
    """The routing state of one request: hosts tried, retries used, time spent.

    Pure bookkeeping around the I/O done by the engine: `next_host()` before an attempt, then exactly one of
    `succeeded()`, `failed()` (returns how long to wait before the next attempt, or re-raises the error) or
    `abandoned()` (the attempt was cancelled or raised something that is not an LLMError). Each of them, and
    each breaker rejection, is reported to the `observer` with its `Outcome`.
    """

    def __init__(self, pool: HostPool, model: str | None, pinned: str | None = None, *,
                 warms_model: bool = False, resend: bool = True, observer: AttemptObserver = NO_OBSERVER) -> None:
        self.pool = pool
        self.observer = observer
        self.model = model
        self.warms_model = warms_model
        self.resend = resend
        self.deadline = Deadline.starting_now(pool.deadline_seconds, pool.clock)
        self.answer_started = False  # set by the engine once a 2xx answer began arriving: never sent again
        self.order = [pool.host(pinned)] if pinned else pool.ordered(model)
        self.pinned = pinned
        self.started = pool.clock()
        self.attempt_started = self.started
        self.retries = 0
        self.tried: set[str] = set()
        self.probing = False
        self.slot_wait = 0.0  # set by the engine: how long the attempt waited for one of the host's slots
        self.last_error: LLMError | None = None

    def next_host(self) -> Host:
        """Pick the next host (untried ones first); raise CircuitOpenError when every circuit is open.

        CircuitOpenError means nothing was sent: once an attempt failed, that failure is raised instead.
        """
        candidates = [h for h in self.order if h.url not in self.tried] or self.order
        chosen, rejected = None, []
        with self.pool.lock:  # rank, admit and count in one step: two callers never both see a host idle
            for host in candidates if self.pinned else self.pool.rank(candidates):
                try:
                    self.probing = host.breaker.admit()
                except CircuitOpenError as exc:
                    rejected.append((host, exc))
                    continue
                chosen = host
                host.in_flight += 1
                break
        for host, refusal in rejected:
            self.observer.attempt_ended(host, Outcome.CIRCUIT_OPEN, probe=False, error=refusal, delay=0.0)
        if chosen is not None:
            self.tried.add(chosen.url)
            self.attempt_started = self.pool.clock()
            self.slot_wait = 0.0
            return chosen
        first_error = rejected[0][1] if rejected else None
        if self.last_error is not None:
            raise self.last_error
        assert first_error is not None
        if len(candidates) > 1:
            raise CircuitOpenError(
                f"every host's circuit is open ({', '.join(h.url for h in candidates)}); failing fast",
                host=first_error.host,
                state=first_error.state,
                retry_after=min(h.breaker.snapshot().retry_after for h in candidates),
            )
        raise first_error

    @property
    def needs_ping(self) -> bool:
        """Whether this attempt is a half-open probe that must first check GET / (breaker_probe="ping")."""
        return self.probing and self.pool.probe_mode == "ping"

    def succeeded(self, host: Host, *, still_busy: bool = False) -> None:
        """Record a successful attempt on `host` (`still_busy`: a stream, whose in-flight count the engine
        gives back when it is closed)."""
        if not still_busy:
            self.pool.count_in_flight(host, -1)
        host.breaker.record_success()
        # the host's own time: a wait for one of its slots is queueing in the client, not its latency
        host.observe_latency(max(0.0, self.pool.clock() - self.attempt_started - self.slot_wait))
        if self.model and self.warms_model:
            host.loaded_models.add(normalize_model_name(self.model))
        self.observer.attempt_ended(host, Outcome.OK, probe=self.probing, error=None, delay=0.0)

    def abandoned(self, host: Host) -> None:
        """The attempt ended without an answer (cancelled, interrupted): it says nothing about the host."""
        self.pool.count_in_flight(host, -1)
        if self.probing:
            host.breaker.release_probe()
        self.observer.attempt_ended(host, Outcome.ABANDONED, probe=self.probing, error=None, delay=0.0)

    def failed(self, host: Host, exc: LLMError) -> float:
        """Record a failed attempt and report its outcome; see `_failed`."""
        try:
            delay = self._failed(host, exc)
        except LLMError:
            outcome = Outcome.FAILED if self.pool.policy.is_host_failure(exc) else Outcome.CALLER_ERROR
            self.observer.attempt_ended(host, outcome, probe=self.probing, error=exc, delay=0.0)
            raise
        outcome = Outcome.RETRY if delay > 0 or not self.tried else Outcome.FAILOVER
        self.observer.attempt_ended(host, outcome, probe=self.probing, error=exc, delay=delay)
        return delay

    def _failed(self, host: Host, exc: LLMError) -> float:
        """Record a failed attempt; return seconds to wait before the next one, or re-raise `exc`.

        A caller error (400, 404, bad JSON) is raised at once: the host is healthy, the request is not. A
        host failure counts against the host's breaker, then fails over to an untried host whose circuit
        admits calls, then retries (retryable errors only, within the count and time budget). Nothing is
        sent again once its answer started arriving, once the deadline passed, or, for `resend=False` calls,
        once the request may have reached the server (only a failed connect is tried again).
        """
        self.pool.count_in_flight(host, -1)
        policy = self.pool.policy
        if self.deadline.expired and isinstance(exc, LLMTimeoutError | NetworkError) and exc.phase != "deadline":
            exc = self._out_of_time(exc)
        if isinstance(exc, LLMTimeoutError) and exc.phase == "pool":  # no slot of this host freed up in time
            if self._untried() and not self.deadline.expired:
                return 0.0  # nothing was sent and the host is only busy: another host may have room
            raise exc
        if not policy.is_host_failure(exc):
            host.breaker.record_success()
            raise exc
        self.last_error = exc
        host.breaker.record_failure()
        if self.model:
            host.loaded_models.discard(normalize_model_name(self.model))
        if self.answer_started or self.deadline.expired or not (self.resend or policy.nothing_sent(exc)):
            raise exc
        untried = self._untried()
        if untried:
            logger.info("failover: %s failed (%s); trying %s", host.url, type(exc).__name__, untried[0].url)
            return 0.0
        if not policy.is_retryable(exc) or self.retries >= policy.max_retries:
            raise exc
        if not any(h.breaker.would_admit() for h in self.order):
            raise exc  # every circuit is open now: a retry could only fail fast
        self.retries += 1
        delay = policy.delay(self.retries, exc)
        if self.pool.clock() - self.started + delay > policy.budget or delay >= self.deadline.remaining():
            raise exc
        self.tried.clear()
        logger.info("retry %d/%d in %.2fs after %s: %s", self.retries, policy.max_retries, delay,
                    type(exc).__name__, exc)
        return delay

    def _untried(self) -> list[Host]:
        return [h for h in self.order if h.url not in self.tried and h.breaker.would_admit()]

    def _out_of_time(self, exc: LLMError) -> LLMError:
        error = self.deadline.error(exc.url)
        error.__cause__ = exc
        return error
