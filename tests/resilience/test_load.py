"""Load, failover and fail-fast checks through one client against real local fakes on 127.0.0.1.

Not benchmarks: they check that nothing is lost, duplicated, leaked or left waiting for a timeout.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import threading
import time

import pytest
from fakes import (
    MODES,
    FakeOllamaServer,
    RecordedSleeps,
    answer_tokens,
    chat_request,
    closed_port_url,
    make_client,
    run_chat,
)

from cb_ollama_integrations import CircuitOpenError, OllamaClient, RoutingStrategy


def open_fds() -> int:
    """File descriptors open in this process (Linux)."""
    return len(os.listdir("/proc/self/fd"))


def wait_until(condition: object, seconds: float = 3.0) -> None:
    """Poll `condition()` every 10 ms for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


async def one_round(client: OllamaClient, calls: int, streams: int) -> None:
    """`calls` chat calls and `streams` streams at once; every answer must be the echo of its own prompt."""

    async def chat(i: int) -> str:
        reply = await client.achat_completion(chat_request(f"call {i}"))
        return reply.choices[0].message.content

    async def stream(i: int) -> tuple[str, int]:
        parts, done = [], 0
        async for chunk in client.achat_completion_stream(chat_request(f"stream {i}")):
            parts.append(chunk.choices[0].delta.content)
            done += chunk.done
        return "".join(parts), done

    results = await asyncio.wait_for(
        asyncio.gather(*(chat(i) for i in range(calls)), *(stream(i) for i in range(streams))), 60)
    assert results[:calls] == ["".join(answer_tokens(f"call {i}")) for i in range(calls)]
    assert results[calls:] == [("".join(answer_tokens(f"stream {i}")), 1) for i in range(streams)]


async def test_500_concurrent_calls_and_50_streams_bounded_pool_no_leaks() -> None:
    with FakeOllamaServer(lifetime=90) as server:
        fds_before = open_fds()
        client = make_client([server.url], max_connections=20, max_retries=0, timeout_seconds=30)
        await one_round(client, 500, 50)
        gc.collect()
        objects_after_first = len(gc.get_objects())
        await one_round(client, 500, 50)
        gc.collect()
        objects_after_second = len(gc.get_objects())
        await client.aclose()
        wait_until(lambda: server.open_connections == 0)

        assert server.chat_requests == 2 * 550
        assert server.peak_connections <= 20  # the pool bounds the sockets, whatever the concurrency
        assert open_fds() <= fds_before + 1  # every client socket closed (a little slack for the loop)
        assert objects_after_second - objects_after_first < 1000  # 550 more calls left nothing behind
        assert client.circuit_state()[server.url].state == "closed"
        assert client._pool.hosts[0].in_flight == 0


def test_threads_share_one_client_and_its_breakers() -> None:
    with FakeOllamaServer(lifetime=60) as server, make_client([server.url], max_retries=0) as client:
        answers: list[str] = []

        def worker(n: int) -> None:
            for i in range(25):
                answers.append(client.chat_completion(chat_request(f"t{n} {i}")).choices[0].message.content)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        expected = ["".join(answer_tokens(f"t{n} {i}")) for n in range(8) for i in range(25)]
        assert sorted(answers) == sorted(expected)
        assert server.chat_requests == 200 and client._pool.hosts[0].in_flight == 0


@pytest.mark.parametrize("strategy", [RoutingStrategy.LOAD_BALANCED, RoutingStrategy.FAILOVER_CHAIN])
async def test_host_killed_mid_run_every_request_completes_on_the_survivor(strategy: RoutingStrategy) -> None:
    # the doomed host answers slowly and crashes when its 20th request arrives: 19 die in flight
    with FakeOllamaServer(first_byte_delay=5.0, die_at_request=20) as doomed, FakeOllamaServer() as survivor:
        # 20 in flight at once on the doomed host (the client holds the rest back beyond its per-host limit)
        settings = {"routing_strategy": strategy, "breaker_failure_threshold": 3, "max_concurrency_per_host": 20,
                    "breaker_cooldown_seconds": 60, "max_retries": 1, "timeout_seconds": 10}
        client = make_client([doomed.url, survivor.url], sleeps=RecordedSleeps(), **settings)

        async def chat(i: int) -> tuple[str, str | None]:
            reply = await client.achat_completion(chat_request(f"req {i}"))
            return reply.choices[0].message.content, reply.host

        results = await asyncio.wait_for(asyncio.gather(*(chat(i) for i in range(200))), 60)
        after = [await run_chat(client, mode, "after the crash") for mode in MODES]
        await client.aclose()

    assert [text for text, _ in results] == ["".join(answer_tokens(f"req {i}")) for i in range(200)]
    by_doomed = sum(host == doomed.url for _, host in results)
    assert doomed.chat_requests >= 20 and by_doomed < doomed.chat_requests  # some died in flight...
    assert survivor.chat_requests == 200 - by_doomed + len(MODES)  # ...and were served once, on the survivor
    assert all(o.error is None and o.text == "".join(answer_tokens("after the crash")) for o in after)
    assert client.circuit_state()[doomed.url].state == "open"
    assert client.circuit_state()[survivor.url].state == "closed"


@pytest.mark.parametrize("mode", MODES)
async def test_open_breaker_fails_fast_instead_of_waiting(mode: str) -> None:
    url = closed_port_url()
    async with make_client([url], max_retries=0, breaker_failure_threshold=1,
                           breaker_cooldown_seconds=60, timeout_seconds=30) as client:
        assert (await run_chat(client, mode)).error is not None
        outcomes = [await run_chat(client, mode) for _ in range(100)]
    assert all(isinstance(o.error, CircuitOpenError) for o in outcomes)
    assert statistics.median(o.seconds for o in outcomes) < 0.005  # typically ~0.05 ms: no network at all
