"""The circuit breaker's state machine and the retry policy, alone and inside a client."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from fakes import (
    FAKE_HOSTS,
    FakeOllama,
    RecordedSleeps,
    chat_request,
    fake_answer,
    fake_status,
    make_client,
)

from cb_ollama_integrations import (
    CircuitOpenError,
    InvalidRequestError,
    LLMError,
    LLMTimeoutError,
    ModelNotFoundError,
    NetworkError,
    ParseError,
    RateLimitedError,
    ServerError,
    StreamError,
)
from cb_ollama_integrations._resilience.breaker import CircuitBreaker
from cb_ollama_integrations._resilience.retry import RetryPolicy

HOST = FAKE_HOSTS[0]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: FakeClock, threshold: int = 3, cooldown: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(HOST, threshold=threshold, cooldown=cooldown, clock=clock)


def test_opens_after_threshold_consecutive_failures_and_a_success_resets_the_count() -> None:
    clock = FakeClock()
    cb = breaker(clock)
    cb.record_failure()
    cb.record_failure()
    cb.record_success()
    cb.record_failure()
    cb.record_failure()
    assert cb.snapshot().state == "closed" and cb.admit() is False
    cb.record_failure()
    assert (cb.snapshot().state, cb.snapshot().consecutive_failures) == ("open", 3)


def test_open_fails_fast_with_host_state_and_retry_after() -> None:
    clock = FakeClock()
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.now += 4.0
    with pytest.raises(CircuitOpenError) as raised:
        cb.admit()
    assert (raised.value.host, raised.value.state, raised.value.retry_after) == (HOST, "open", 6.0)
    assert cb.snapshot().retry_after == 6.0 and not cb.would_admit()


def test_half_open_admits_exactly_one_probe_whose_result_decides() -> None:
    clock = FakeClock()
    cb = breaker(clock, threshold=1)
    cb.record_failure()
    clock.now += 10.0
    assert cb.would_admit() and cb.admit() is True  # the probe
    with pytest.raises(CircuitOpenError) as raised:
        cb.admit()
    assert raised.value.state == "half_open"
    cb.record_failure()  # the probe failed: open again, for a whole new cooldown
    assert cb.snapshot().state == "open" and cb.snapshot().retry_after == 10.0
    clock.now += 10.0
    assert cb.admit() is True
    cb.record_success()
    assert cb.snapshot().state == "closed" and cb.admit() is False


def test_a_released_probe_lets_the_next_caller_probe() -> None:
    clock = FakeClock()
    cb = breaker(clock, threshold=1, cooldown=0.0)
    cb.record_failure()
    assert cb.admit() is True
    cb.release_probe()
    assert cb.admit() is True


def test_exactly_one_of_many_threads_gets_the_probe() -> None:
    clock = FakeClock()
    cb = breaker(clock, threshold=1, cooldown=0.0)
    cb.record_failure()
    start, results, lock = threading.Barrier(32), [], threading.Lock()

    def contend() -> None:
        start.wait(5)
        try:
            outcome = cb.admit()
        except CircuitOpenError:
            outcome = None
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=contend) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results.count(True) == 1 and results.count(None) == 31


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(HOST, threshold=0, cooldown=1.0)


REFUSED = NetworkError("refused")
CONNECT_TIMEOUT = LLMTimeoutError("connect timeout", phase="connect")
READ_TIMEOUT = LLMTimeoutError("read timeout", phase="read")
POOL_TIMEOUT = LLMTimeoutError("our own pool is full", phase="pool")
CRASHED, BUSY = ServerError("crash", status_code=500), ServerError("busy", status_code=503)
SLOW_DOWN = RateLimitedError("slow down", status_code=429)
HOST_FAILURES = [REFUSED, CONNECT_TIMEOUT, READ_TIMEOUT, CRASHED, BUSY, SLOW_DOWN]
CALLER_ERRORS = [InvalidRequestError("bad", status_code=400), ModelNotFoundError("missing", status_code=404),
                 ParseError("bad json"), StreamError("cut"), POOL_TIMEOUT]


@pytest.mark.parametrize("error", HOST_FAILURES, ids=str)
def test_host_failures_count_against_the_breaker(error: LLMError) -> None:
    assert RetryPolicy.is_host_failure(error)


@pytest.mark.parametrize("error", CALLER_ERRORS, ids=str)
def test_caller_errors_do_not_count(error: LLMError) -> None:
    assert not RetryPolicy.is_host_failure(error)


def test_only_errors_that_sent_nothing_or_asked_to_retry_are_retried() -> None:
    retryable = [e for e in [*HOST_FAILURES, *CALLER_ERRORS] if RetryPolicy.is_retryable(e)]
    assert retryable == [REFUSED, CONNECT_TIMEOUT, BUSY, SLOW_DOWN, POOL_TIMEOUT]
    assert not RetryPolicy.is_retryable(CircuitOpenError("open", host=HOST, state="open", retry_after=1.0))


def test_backoff_doubles_up_to_the_cap_with_equal_jitter_and_retry_after_wins() -> None:
    low = RetryPolicy(backoff=0.5, max_backoff=3.0, jitter=lambda: 0.0)
    high = RetryPolicy(backoff=0.5, max_backoff=3.0, jitter=lambda: 1.0)
    busy = ServerError("busy", status_code=503)
    assert [high.delay(n, busy) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [low.delay(n, busy) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert high.delay(1, RateLimitedError("slow", status_code=429, retry_after=12.0)) == 12.0
    too_long = RateLimitedError("slow", status_code=429, retry_after=99.0)
    assert RetryPolicy(budget=5.0).delay(1, too_long) == 5.0


async def test_one_breaker_per_host_is_shared_by_sync_and_async_calls() -> None:
    fake = FakeOllama(scripts={HOST: [fake_status(503, "busy"), fake_answer()]})
    settings = {"max_retries": 0, "breaker_failure_threshold": 1, "breaker_cooldown_seconds": 60}
    async with make_client([HOST], fake, RecordedSleeps(), **settings) as client:
        with pytest.raises(ServerError):
            client.chat_completion(chat_request("x"))
        with pytest.raises(CircuitOpenError):
            await client.achat_completion(chat_request("x"))
        with pytest.raises(CircuitOpenError):
            [chunk async for chunk in client.achat_completion_stream(chat_request("x"))]
        assert fake.count() == 1


async def test_concurrent_async_callers_send_exactly_one_probe_and_a_cancelled_probe_is_released() -> None:
    gate, probes = asyncio.Event(), []

    async def slow_then_ok(request: httpx.Request) -> httpx.Response:
        probes.append(request)
        await asyncio.wait_for(gate.wait(), 5)
        return fake_answer()(request)

    settings = {"max_retries": 0, "breaker_failure_threshold": 1, "breaker_cooldown_seconds": 0.0}
    client = make_client([HOST], None, RecordedSleeps(), **settings)
    client._transport._async_transport = httpx.MockTransport(slow_then_ok)
    client._pool.hosts[0].breaker.record_failure()  # open; the cooldown of 0 makes the next call the probe
    async with client:
        probe = asyncio.create_task(client.achat_completion(chat_request("probe")))
        await asyncio.sleep(0.01)
        others = await asyncio.gather(*(client.achat_completion(chat_request("x")) for _ in range(20)),
                                      return_exceptions=True)
        assert all(isinstance(o, CircuitOpenError) and o.state == "half_open" for o in others)
        assert len(probes) == 1
        probe.cancel()  # the probe never answers: the breaker must not stay wedged half-open
        with pytest.raises(asyncio.CancelledError):
            await probe
        gate.set()
        reply = await client.achat_completion(chat_request("second probe"))
        assert reply.choices[0].message.content == "Echo: second probe"
        assert client.circuit_state()[HOST].state == "closed" and client._pool.hosts[0].in_flight == 0
