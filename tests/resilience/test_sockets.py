"""Socket-level faults against real local fakes (127.0.0.1): refused, silent, slow and dropped connections.

Each case runs sync, async and streaming; each asserts the exact error class, the time bound, and what the
host's breaker counted.
"""

from __future__ import annotations

import pytest
from fakes import MODES, FakeOllamaServer, RecordedSleeps, answer_tokens, closed_port_url, make_client, run_chat

from cb_ollama_integrations import LLMTimeoutError, NetworkError, StreamError

PROMPT = "tell me a story"
ANSWER = "".join(answer_tokens(PROMPT))


@pytest.mark.parametrize("mode", MODES)
async def test_connection_refused_is_retried_then_raised_quickly(mode: str) -> None:
    url, sleeps = closed_port_url(), RecordedSleeps()
    async with make_client([url], sleeps=sleeps, max_retries=2, breaker_failure_threshold=5) as client:
        outcome = await run_chat(client, mode, PROMPT)
        state = client.circuit_state()[url]
    assert type(outcome.error) is NetworkError
    assert outcome.seconds < 1.0
    assert len(sleeps.delays) == 2 and (state.state, state.consecutive_failures) == ("closed", 3)


@pytest.mark.parametrize("mode", MODES)
async def test_host_that_never_answers_raises_a_read_timeout_without_retry(mode: str) -> None:
    sleeps = RecordedSleeps()
    with FakeOllamaServer(silent=True, lifetime=20) as server:
        async with make_client([server.url], sleeps=sleeps, timeout_seconds=0.3) as client:
            outcome = await run_chat(client, mode, PROMPT)
            state = client.circuit_state()[server.url]
        connections = server.total_connections
    assert type(outcome.error) is LLMTimeoutError and outcome.error.phase == "read"
    assert 0.3 <= outcome.seconds < 2.0
    assert connections == 1 and sleeps.delays == []  # the server may still be working: not sent again
    assert state.consecutive_failures == 1


@pytest.mark.parametrize("mode", MODES)
async def test_slow_first_byte_within_the_read_timeout_succeeds(mode: str) -> None:
    with FakeOllamaServer(first_byte_delay=0.25, lifetime=20) as server:
        async with make_client([server.url], sleeps=RecordedSleeps(), timeout_seconds=2.0) as client:
            outcome = await run_chat(client, mode, PROMPT)
        assert server.chat_requests == 1
    assert outcome.error is None and outcome.text == ANSWER
    assert 0.25 <= outcome.seconds < 2.0


@pytest.mark.parametrize("mode", MODES)
async def test_connection_dropped_mid_answer(mode: str) -> None:
    sleeps = RecordedSleeps()
    with FakeOllamaServer(drop_after_lines=2, lifetime=20) as server:
        async with make_client([server.url], sleeps=sleeps, max_retries=2, timeout_seconds=2.0) as client:
            outcome = await run_chat(client, mode, PROMPT)
        requests = server.chat_requests
    assert outcome.text is None and outcome.seconds < 2.0
    if "stream" in mode:  # two tokens arrived: never silently restarted, the caller keeps what came
        assert type(outcome.error) is StreamError
        assert outcome.error.partial_content == "".join(answer_tokens(PROMPT)[:2]) == "".join(outcome.chunks)
        assert requests == 1 and sleeps.delays == []
    else:  # the answer had started arriving: the server already ran the request, so it is not re-sent
        assert type(outcome.error) is NetworkError
        assert requests == 1 and sleeps.delays == []
