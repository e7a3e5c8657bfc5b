"""Every answer gives its pool slot back, including answers a transport hands over already read.

httpx.MockTransport (the way users test code built on this client) returns a Response built with
`content=`, which httpx reads and closes at once; closing it again is a no-op, so a slot taken for it must be
released when it arrives. Before the fix the 4th call on a 3-connection client waited its whole pool timeout.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cb_ollama_integrations import ChatMessage, LLMRequest, LLMTimeoutError, OllamaClient, OllamaConfig

ANSWER = (b'{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"hi"},'
          b'"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":1}')
REQUEST = LLMRequest(model="m", messages=[ChatMessage(role="user", content="hi")], num_ctx=None)
CALLS = 12  # four times the pool


def fake_ollama_answer(request: httpx.Request) -> httpx.Response:
    """A FAKE /api/chat answer, pre-read as MockTransport's content= answers are."""
    return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def config() -> OllamaConfig:
    # a 3-connection pool and a short wait: a leaked slot fails this test in 0.2 s instead of hanging
    return OllamaConfig(base_url="http://fake-ollama.invalid", max_connections=3, timeout_seconds=0.2,
                        max_retries=0)


def test_pre_read_answers_release_their_slot_sync() -> None:
    with OllamaClient(config(), transport=httpx.MockTransport(fake_ollama_answer)) as client:
        answers = [client.chat_completion(REQUEST).choices[0].message.content for _ in range(CALLS)]
    assert answers == ["hi"] * CALLS


async def test_pre_read_answers_release_their_slot_async() -> None:
    client = OllamaClient(config(), async_transport=httpx.MockTransport(fake_ollama_answer))
    try:
        answers = [(await client.achat_completion(REQUEST)).choices[0].message.content for _ in range(CALLS)]
        together = await asyncio.gather(*(client.achat_completion(REQUEST) for _ in range(CALLS)))
    finally:
        await client.aclose()
    assert answers == ["hi"] * CALLS and len(together) == CALLS


def test_a_slot_held_by_an_open_stream_is_what_makes_the_pool_wait() -> None:
    # the other side of the bound: 3 streams left open hold all 3 slots, and the 4th call says so in time
    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(ANSWER + b"\n"))

    with OllamaClient(config(), transport=httpx.MockTransport(streamed)) as client:
        held = [client.chat_completion_stream(REQUEST) for _ in range(3)]
        for stream in held:
            next(iter(stream))
        with pytest.raises(LLMTimeoutError) as waited:
            client.chat_completion(REQUEST)
        assert waited.value.phase == "pool"
        for stream in held:
            stream.close()
        assert client.chat_completion(REQUEST).choices[0].message.content == "hi"
