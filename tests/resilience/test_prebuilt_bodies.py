"""A transport answering with bodies already in memory (httpx.Response(content=bytes)) never exhausts the pool.

Such a response is read and closed by httpx before the client sees it, so its connection slot has to come
back at once; before, every call kept one and call number max_connections + 1 waited for the pool timeout.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig

ANSWER = json.dumps({"model": "m", "message": {"role": "assistant", "content": "hi"}, "done": True,
                     "done_reason": "stop", "prompt_eval_count": 1, "eval_count": 1}).encode()


def _client() -> OllamaClient:
    # the pool wait is bounded by the read timeout: a leaked slot fails the 3rd call within a second
    config = OllamaConfig(base_url="http://fake-ollama.invalid", max_connections=2, timeout_seconds=1.0, max_retries=0)
    mock = httpx.MockTransport(lambda request: httpx.Response(200, content=ANSWER))
    return OllamaClient(config, transport=mock, async_transport=mock)


def _request() -> LLMRequest:
    return LLMRequest(model="m", messages=[ChatMessage(role="user", content="hello")])


def test_sync_calls_past_the_pool_size_all_answer() -> None:
    with _client() as client:
        answers = [client.chat_completion(_request()).choices[0].message.content for _ in range(5)]
    assert answers == ["hi"] * 5


def test_async_calls_past_the_pool_size_all_answer() -> None:
    async def calls() -> list[str]:
        async with _client() as client:
            return [(await client.achat_completion(_request())).choices[0].message.content for _ in range(5)]

    assert asyncio.run(calls()) == ["hi"] * 5
