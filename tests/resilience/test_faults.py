"""Fault matrix over a scripted fake Ollama (httpx.MockTransport): each fault called sync, async, streaming.

For each case: the exact error class (or the whole answer, exactly once), how many requests each host got
(retries, failover), the retry sleeps, and what the failing host's breaker counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest
from fakes import (
    FAKE_HOSTS,
    MODES,
    FakeOllama,
    RecordedSleeps,
    Responder,
    answer_tokens,
    fake_answer,
    fake_raw,
    fake_status,
    half,
    inside_last_multibyte_char,
    make_client,
    run_chat,
)

from cb_ollama_integrations import (
    CircuitOpenError,
    InvalidRequestError,
    LLMError,
    ModelNotFoundError,
    NetworkError,
    ParseError,
    ServerError,
    StreamError,
)

PROMPT = "café 日本 🎉 ok"  # multi-byte characters in every answer
ANSWER = "".join(answer_tokens(PROMPT))
HOST_A, HOST_B = FAKE_HOSTS


@dataclass(frozen=True)
class Expect:
    """What the caller and the fake see: error class (None: the whole answer), requests per host, sleeps."""

    error: type[LLMError] | None = None
    on_a: int = 1
    on_b: int = 0
    retries: int = 0
    a_failures: int = 0


@dataclass(frozen=True)
class Fault:
    """One fault: host A's script, how many hosts the client has, and the expectations per call style."""

    script: tuple[Responder, ...]
    call: Expect  # chat_completion / achat_completion
    stream: Expect  # chat_completion_stream / achat_completion_stream
    hosts: int = 2


def _dropped() -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError("peer closed connection without sending complete message body")


RETRIED_ONCE = Expect(on_a=2, retries=1)
FAULTS = {
    "502 then ok: retried on the same host": Fault(
        (fake_status(502, "bad gateway"), fake_answer()), RETRIED_ONCE, RETRIED_ONCE, 1),
    "503 then ok: retried on the same host": Fault(
        (fake_status(503, "server busy, please try again."), fake_answer()), RETRIED_ONCE, RETRIED_ONCE, 1),
    "500 alone: not retried": Fault(
        (fake_status(500, "llama runner process has terminated"), fake_answer()),
        Expect(ServerError, a_failures=1), Expect(ServerError, a_failures=1), 1),
    "500 with a second host: fails over, no retry": Fault(
        (fake_status(500, "llama runner process has terminated"),),
        Expect(on_b=1, a_failures=1), Expect(on_b=1, a_failures=1)),
    "429 Retry-After: honoured": Fault(
        (fake_status(429, "too many", {"Retry-After": "7"}), fake_answer()), RETRIED_ONCE, RETRIED_ONCE, 1),
    "404 model not found: no retry, no failover": Fault(
        (fake_status(404, "model 'smollm2:135m' not found"),),
        Expect(ModelNotFoundError), Expect(ModelNotFoundError)),
    "400 bad request: no retry, no failover": Fault(
        (fake_status(400, "registry.ollama.ai/library/gemma3:270m does not support tools"),),
        Expect(InvalidRequestError), Expect(InvalidRequestError)),
    "malformed JSON body": Fault(
        (fake_raw(b'{"model": smollm2}\n'),), Expect(ParseError), Expect(ParseError)),
    "body ends before done=true": Fault((fake_answer(cut=half),), Expect(ParseError), Expect(StreamError)),
    "connection dropped mid-body": Fault(  # the answer had started: never sent again, streamed or not
        (fake_answer(cut=half, fail_with=_dropped()), fake_answer()),
        Expect(NetworkError, a_failures=1), Expect(StreamError, a_failures=1), 1),
    "error line mid-stream (500 when not streaming)": Fault(
        (fake_answer(error_line=True),), Expect(ServerError, a_failures=1), Expect(StreamError), 1),
    "multi-byte UTF-8 split across frames": Fault((fake_answer(frame_size=1),), Expect(), Expect(), 1),
    "body cut inside a multi-byte character": Fault(
        (fake_answer(cut=inside_last_multibyte_char),), Expect(ParseError), Expect(StreamError), 1),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_fault(fault: Fault, mode: str) -> None:
    fake, sleeps = FakeOllama(scripts={HOST_A: list(fault.script)}), RecordedSleeps()
    expect = fault.stream if "stream" in mode else fault.call
    async with make_client(FAKE_HOSTS[: fault.hosts], fake, sleeps, max_retries=2) as client:
        outcome = await run_chat(client, mode, PROMPT)
        state = client.circuit_state()[HOST_A]

    assert outcome.seconds < 2.0
    if expect.error is None:
        assert outcome.error is None, outcome.error
        assert outcome.text == ANSWER
        assert outcome.done_chunks == (1 if "stream" in mode else 0)
    else:
        assert type(outcome.error) is expect.error, outcome.error
        assert outcome.text is None and outcome.done_chunks == 0
    if isinstance(outcome.error, StreamError):  # what was streamed is kept, and is a true prefix
        assert outcome.error.partial_content == "".join(outcome.chunks)
        partial = outcome.error.partial_content
        assert ANSWER.startswith(partial) and len(partial) < len(ANSWER)
    assert (fake.count(HOST_A), fake.count(HOST_B)) == (expect.on_a, expect.on_b)
    assert len(sleeps.delays) == expect.retries
    assert (state.state, state.consecutive_failures) == ("closed", expect.a_failures)


@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_is_the_sleep_and_backoff_has_jitter(mode: str) -> None:
    script = [fake_status(429, "slow down", {"Retry-After": "7"}), fake_status(503, "busy"), fake_answer()]
    fake, sleeps = FakeOllama(scripts={HOST_A: script}), RecordedSleeps()
    async with make_client(FAKE_HOSTS[:1], fake, sleeps, max_retries=2, retry_backoff_seconds=0.5) as client:
        outcome = await run_chat(client, mode, PROMPT)
    assert outcome.text == ANSWER
    assert sleeps.delays[0] == 7.0
    assert 0.5 <= sleeps.delays[1] <= 1.0  # second retry: 0.5 * 2, with "equal jitter" in [half, full]


@pytest.mark.parametrize("mode", MODES)
async def test_retries_stop_at_max_retries_and_raise_the_last_error(mode: str) -> None:
    fake, sleeps = FakeOllama(scripts={HOST_A: [fake_status(503, "server busy")]}), RecordedSleeps()
    settings = {"max_retries": 3, "breaker_failure_threshold": 10}
    async with make_client(FAKE_HOSTS[:1], fake, sleeps, **settings) as client:
        outcome = await run_chat(client, mode, PROMPT)
    assert type(outcome.error) is ServerError and outcome.error.status_code == 503
    assert fake.count(HOST_A) == 4 and len(sleeps.delays) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_retry_budget_bounds_the_total_time(mode: str) -> None:
    fake = FakeOllama(scripts={HOST_A: [fake_status(429, "slow down", {"Retry-After": "30"})]})
    sleeps = RecordedSleeps()
    async with make_client(FAKE_HOSTS[:1], fake, sleeps, max_retries=5, retry_budget_seconds=10) as client:
        outcome = await run_chat(client, mode, PROMPT)
    assert type(outcome.error).__name__ == "RateLimitedError"
    assert fake.count(HOST_A) == 1 and sleeps.delays == []  # a 30 s wait would overrun the 10 s budget


@pytest.mark.parametrize("probe", ["request", "ping"])
@pytest.mark.parametrize("mode", MODES)
async def test_flapping_host_opens_then_the_half_open_probe_closes_it(mode: str, probe: str) -> None:
    script = [fake_status(503, "busy"), fake_status(503, "busy"), fake_status(503, "busy"), fake_answer()]
    fake = FakeOllama(scripts={HOST_A: script})
    settings = {"max_retries": 0, "breaker_failure_threshold": 2, "breaker_cooldown_seconds": 0.05,
                "breaker_probe": probe}
    async with make_client(FAKE_HOSTS[:1], fake, RecordedSleeps(), **settings) as client:

        def state() -> str:
            return client.circuit_state()[HOST_A].state

        async def wait_for_cooldown() -> None:
            deadline = time.monotonic() + 2.0
            while client.circuit_state()[HOST_A].retry_after > 0 and time.monotonic() < deadline:
                time.sleep(0.01)

        assert type((await run_chat(client, mode, PROMPT)).error) is ServerError and state() == "closed"
        assert type((await run_chat(client, mode, PROMPT)).error) is ServerError and state() == "open"
        fast = await run_chat(client, mode, PROMPT)
        assert isinstance(fast.error, CircuitOpenError)
        assert (fast.error.host, fast.error.state) == (HOST_A, "open") and 0 < fast.error.retry_after <= 0.05
        assert fake.count(HOST_A) == 2  # failing fast sent nothing

        await wait_for_cooldown()
        assert type((await run_chat(client, mode, PROMPT)).error) is ServerError  # the probe failed...
        assert state() == "open" and fake.count(HOST_A) == 3  # ...so it opened again at once

        await wait_for_cooldown()
        assert (await run_chat(client, mode, PROMPT)).text == ANSWER  # the probe succeeded
        assert state() == "closed" and client.circuit_state()[HOST_A].consecutive_failures == 0
    assert fake.count(HOST_A, path="/") == (2 if probe == "ping" else 0)


@pytest.mark.parametrize("mode", MODES)
async def test_connection_error_is_retried_then_fails_over(mode: str) -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise refused

    fake, sleeps = FakeOllama(scripts={HOST_A: [refuse]}), RecordedSleeps()
    async with make_client(FAKE_HOSTS, fake, sleeps, max_retries=1) as client:
        outcome = await run_chat(client, mode, PROMPT)
        assert outcome.text == ANSWER and client.circuit_state()[HOST_A].consecutive_failures == 1
    assert (fake.count(HOST_A), fake.count(HOST_B), sleeps.delays) == (1, 1, [])

    fake_b_down, sleeps = FakeOllama(scripts={HOST_A: [refuse], HOST_B: [refuse]}), RecordedSleeps()
    async with make_client(FAKE_HOSTS, fake_b_down, sleeps, max_retries=1) as client:
        outcome = await run_chat(client, mode, PROMPT)
    assert type(outcome.error) is NetworkError
    assert (fake_b_down.count(HOST_A), fake_b_down.count(HOST_B), len(sleeps.delays)) == (2, 2, 1)
