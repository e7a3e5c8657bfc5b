"""What routing tells an observer about each attempt of a request: which host, and how it ended.

The telemetry floor implements `AttemptObserver` (span events, retry/failover counters, circuit state);
routing only calls it, so it stays free of any telemetry library. `NO_OBSERVER` costs one method call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..errors import LLMError

if TYPE_CHECKING:
    from .routing import Host

__all__ = ["NO_OBSERVER", "AttemptObserver", "Outcome"]


class Outcome:
    """How one attempt ended (the values observers see)."""

    OK = "ok"  # the host answered
    FAILOVER = "failover"  # host failure; an untried host is next
    RETRY = "retry"  # host failure; the request is retried after `delay` seconds
    FAILED = "failed"  # host failure; nothing is left to try, the error is raised
    CALLER_ERROR = "caller_error"  # the host answered that the request is wrong (400, 404): raised at once
    ABANDONED = "abandoned"  # cancelled or interrupted before an answer: says nothing about the host
    CIRCUIT_OPEN = "circuit_open"  # the host's breaker refused the attempt: nothing was sent


class AttemptObserver(Protocol):
    """Receives one report per attempt (and per breaker rejection) of one request."""

    def attempt_ended(self, host: Host, outcome: str, *, probe: bool, error: LLMError | None,
                      delay: float) -> None:
        """`probe`: the attempt was a half-open probe; `delay`: seconds before the retry (RETRY only)."""


class _NoObserver:
    def attempt_ended(self, host: Host, outcome: str, *, probe: bool, error: LLMError | None,
                      delay: float) -> None:
        return None


NO_OBSERVER: AttemptObserver = _NoObserver()
