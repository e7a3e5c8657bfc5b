"""One client shared by 32 threads over a pool of 8 never fails or hangs (encode/httpcore#1110), and event
loops closed by hand leave no connection open behind them."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from typing import Any

from fakes.hostile import HostileServer, chat_ok

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig

HI = LLMRequest(messages=[ChatMessage(role="user", content="hi")])
ROUNDS, THREADS, CALLS = 20, 32, 3


def _round(client: OllamaClient) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work() -> None:
        start.wait()
        for _ in range(CALLS):
            try:
                client.chat_completion(HI)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    errors += [TimeoutError("a thread hung") for thread in threads if thread.is_alive()]
    return errors


def test_32_threads_share_a_pool_of_8_without_a_failure_or_a_hang() -> None:
    with HostileServer(chat_ok, lifetime=120) as server:
        failed_rounds = []
        for number in range(ROUNDS):
            # all 8 connections in use at once (the per-host limit would otherwise hold the client to 4)
            with OllamaClient(OllamaConfig(base_url=server.url, max_connections=8, max_concurrency_per_host=8,
                                           timeout_seconds=10, max_retries=0)) as client:
                errors = _round(client)
            if errors:
                failed_rounds.append((number, repr(errors[0]), len(errors)))
        served = len(server.requests)
    assert failed_rounds == []
    assert served == ROUNDS * THREADS * CALLS


async def test_128_tasks_share_a_pool_of_8_without_a_failure() -> None:
    with HostileServer(chat_ok) as server:
        for _ in range(3):
            async with OllamaClient(OllamaConfig(base_url=server.url, max_connections=8, max_concurrency_per_host=8,
                                                 max_retries=0)) as client:
                answers = await asyncio.wait_for(
                    asyncio.gather(*(client.achat_completion(HI) for _ in range(128))), 30)
            assert {a.choices[0].message.content for a in answers} == {"ok"}
        assert len(server.requests) == 3 * 128


def test_loops_driven_by_hand_leave_no_connection_after_close() -> None:
    with warnings.catch_warnings(record=True) as caught, HostileServer(chat_ok) as server:
        warnings.simplefilter("always")
        client = OllamaClient(OllamaConfig(base_url=server.url))
        loops = [asyncio.new_event_loop() for _ in range(3)]

        async def four_calls(shared: OllamaClient) -> list[Any]:
            return await asyncio.gather(*(shared.achat_completion(HI) for _ in range(4)))

        for loop in loops:
            assert len(loop.run_until_complete(four_calls(client))) == 4
        client.close()  # closes every loop's connections, in that loop
        for loop in loops:
            loop.close()
        del client, loops
        gc.collect()
        time.sleep(0.1)
    assert [str(w.message) for w in caught if "unclosed" in str(w.message)] == []
