"""The framework classes on several hosts: failover, CircuitOpenError surfacing, LangChain's with_fallbacks.

The hosts are fakes (httpx.MockTransport): "down" refuses every connection, "up" answers like Ollama.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from llama_index.core.llms import ChatMessage as LIChatMessage

from cb_ollama_integrations import CircuitOpenError, NetworkError, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama

DOWN, UP = "http://down:11434", "http://up:11434"


def fake_hosts(request: httpx.Request) -> httpx.Response:
    """A fake pair of hosts: `down` refuses connections, `up` answers every chat."""
    if request.url.host == "down":
        raise httpx.ConnectError("connection refused", request=request)
    return httpx.Response(200, json={"model": "m", "message": {"role": "assistant", "content": f"from {UP}"},
                                     "done": True, "done_reason": "stop", "prompt_eval_count": 1, "eval_count": 2})


def client(*hosts: str, **settings: object) -> OllamaClient:
    config = OllamaConfig(base_urls=hosts, default_model="m", max_retries=0, **settings)  # type: ignore[arg-type]
    return OllamaClient(config, transport=httpx.MockTransport(fake_hosts),
                        async_transport=httpx.MockTransport(fake_hosts))


def test_langchain_fails_over_and_the_dead_hosts_circuit_opens() -> None:
    with client(DOWN, UP, breaker_failure_threshold=2) as core:
        llm = ChatCBOllama(model="m", client=core)
        answers = [llm.invoke("hi").content for _ in range(3)]
        assert answers == [f"from {UP}"] * 3
        assert core.circuit_state()[DOWN].state == "open" and core.circuit_state()[UP].state == "closed"


def test_langchain_surfaces_circuit_open_and_with_fallbacks_still_works() -> None:
    with client(DOWN, breaker_failure_threshold=1, breaker_cooldown_seconds=60) as dead, client(UP) as alive:
        primary = ChatCBOllama(model="m", client=dead)
        with pytest.raises(NetworkError):
            primary.invoke("hi")
        with pytest.raises(CircuitOpenError) as info:
            primary.invoke("hi")
        assert info.value.host == DOWN and info.value.retry_after > 0
        chain = primary.with_fallbacks([ChatCBOllama(model="m", client=alive)])
        assert chain.invoke("hi").content == f"from {UP}"


async def test_llama_index_fails_over_and_surfaces_circuit_open() -> None:
    with client(DOWN, UP) as pool:
        llm = CBOllama(model="m", client=pool)
        reply = await llm.achat([LIChatMessage(role="user", content="hi")])
        assert reply.message.content == f"from {UP}"
    with client(DOWN, breaker_failure_threshold=1, breaker_cooldown_seconds=60) as dead:
        llm = CBOllama(model="m", client=dead)
        with pytest.raises(NetworkError):
            llm.complete("hi")
        with pytest.raises(CircuitOpenError):
            llm.complete("hi")


def fake_ps(request: httpx.Request) -> httpx.Response:
    """A fake pair of hosts for /api/ps: `down` refuses, `up` has one model loaded."""
    if request.url.host == "down":
        raise httpx.ConnectError("connection refused", request=request)
    return httpx.Response(200, json={"models": [{"name": "m:latest", "size": 10, "size_vram": 0,
                                                 "expires_at": "2030-01-01T00:00:00Z"}]})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_list_running_skips_a_host_that_is_down(mode: str) -> None:
    config = OllamaConfig(base_urls=(DOWN, UP), max_retries=0)
    with OllamaClient(config, transport=httpx.MockTransport(fake_ps),
                      async_transport=httpx.MockTransport(fake_ps)) as core:
        running = core.list_running() if mode == "sync" else asyncio.run(core.alist_running())
        assert [(m.name, m.host) for m in running] == [("m:latest", UP)]
    with OllamaClient(OllamaConfig(base_url=DOWN, max_retries=0), transport=httpx.MockTransport(fake_ps),
                      async_transport=httpx.MockTransport(fake_ps)) as alone, pytest.raises(NetworkError):
        alone.list_running() if mode == "sync" else asyncio.run(alone.alist_running())
