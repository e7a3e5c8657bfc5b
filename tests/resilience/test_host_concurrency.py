"""max_concurrency_per_host: excess requests wait in the client (sync, async and every event loop together), a
wait that runs out names the setting, 'num_parallel' reads OLLAMA_NUM_PARALLEL, and bad values say what to do.

The hosts are BusyHostsFake (httpx.MockTransport handlers that take time and count what they hold at once).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest
from fakes import MODEL, chat_request
from fakes.busy import BusyHostsFake
from pydantic import ValidationError

from cb_ollama_integrations import LLMTimeoutError, OllamaClient, OllamaConfig, RoutingStrategy
from cb_ollama_integrations._http.transport import Transport
from cb_ollama_integrations.langchain import CBOllamaEmbeddings

A, B, C = "http://127.0.0.1:47101", "http://127.0.0.1:47102", "http://127.0.0.1:47103"


def busy_client(fake: BusyHostsFake, hosts: tuple[str, ...] = (A,), **settings: object) -> OllamaClient:
    config = OllamaConfig(base_urls=hosts, default_model=MODEL, max_retries=0, num_ctx=None, **settings)
    return OllamaClient(config, **fake.transports())


async def test_excess_async_requests_wait_in_the_client_not_at_the_host() -> None:
    fake = BusyHostsFake(delay=0.02)
    async with busy_client(fake, max_concurrency_per_host=2) as client:
        answers = await asyncio.gather(*(client.achat_completion(chat_request(f"n{i}")) for i in range(12)))
        assert client._transport.slots[A].in_use == 0 and client._transport.slots[A].waiting == 0
    assert len(answers) == 12 and fake.served[A] == 12
    assert fake.peak[A] == 2  # the host held two at once, never more: the other ten waited here


def test_threads_and_two_event_loops_share_one_limit_per_host() -> None:
    fake = BusyHostsFake(delay=0.03)
    client = busy_client(fake, max_concurrency_per_host=3)

    def threads() -> None:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: client.chat_completion(chat_request(f"t{i}")), range(8)))

    async def tasks(tag: str) -> None:
        await asyncio.gather(*(client.achat_completion(chat_request(f"{tag}{i}")) for i in range(6)))

    workers = [threading.Thread(target=threads), *(threading.Thread(target=asyncio.run, args=(tasks(tag),))
                                                  for tag in ("x", "y"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    client.close()
    assert not any(worker.is_alive() for worker in workers)
    assert fake.served[A] == 8 + 2 * 6
    assert fake.peak[A] == 3  # one limit for the sync pool and both loops' pools together


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_wait_that_outlasts_the_pool_timeout_names_the_setting(mode: str) -> None:
    fake = BusyHostsFake(delay=0.6)
    async with busy_client(fake, max_concurrency_per_host=1, timeout_seconds=0.1) as client:
        if mode == "sync":
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                futures = [pool.submit(client.chat_completion, chat_request(f"n{i}")) for i in range(2)]
                outcomes = [f.exception() for f in futures]
        else:
            outcomes = list(await asyncio.gather(*(client.achat_completion(chat_request(f"n{i}"))
                                                   for i in range(2)), return_exceptions=True))
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], LLMTimeoutError) and errors[0].phase == "pool"
    assert "max_concurrency_per_host=1" in str(errors[0]) and "OLLAMA_NUM_PARALLEL" in str(errors[0])
    assert fake.served[A] == 1  # the one that timed out never reached the host


def test_num_parallel_reads_the_servers_variable() -> None:
    config = OllamaConfig(max_concurrency_per_host="num_parallel")
    assert config.concurrency_per_host({"OLLAMA_NUM_PARALLEL": "3"}) == 3
    assert config.concurrency_per_host({}) == 1  # unset: the server's own default
    assert Transport(config, environ={"OLLAMA_NUM_PARALLEL": "6"}).slots[config.base_url].limit == 6
    with pytest.raises(ValueError, match="OLLAMA_NUM_PARALLEL='none'"):
        config.concurrency_per_host({"OLLAMA_NUM_PARALLEL": "none"})
    with pytest.raises(ValueError, match="OLLAMA_NUM_PARALLEL='0' must be"):
        config.concurrency_per_host({"OLLAMA_NUM_PARALLEL": "0"})
    with pytest.raises(ValueError, match="raise max_connections"):
        OllamaConfig(max_concurrency_per_host="num_parallel", max_connections=2).concurrency_per_host(
            {"OLLAMA_NUM_PARALLEL": "8"})


def test_the_default_and_the_adapters_field() -> None:
    assert OllamaConfig().concurrency_per_host() == 4
    assert OllamaConfig(max_connections=2).concurrency_per_host() == 2  # unset never exceeds the pool
    assert CBOllamaEmbeddings(model="m", max_concurrency_per_host=2).core_config().concurrency_per_host() == 2
    assert CBOllamaEmbeddings(model="m", max_concurrency_per_host="num_parallel").core_config() \
        .max_concurrency_per_host == "num_parallel"


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "many"])
def test_bad_values_say_what_to_use(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"whole number >= 1.*'num_parallel'"):
        OllamaConfig(max_concurrency_per_host=bad)
    with pytest.raises(ValidationError, match="max_concurrency_per_host"):
        CBOllamaEmbeddings(model="m", max_concurrency_per_host=bad)


def test_a_limit_above_the_pool_is_refused() -> None:
    with pytest.raises(ValidationError, match="max_concurrency_per_host=20 is above max_connections=10"):
        OllamaConfig(max_concurrency_per_host=20, max_connections=10)


async def test_load_balanced_spreads_a_burst_evenly_over_the_hosts() -> None:
    fake = BusyHostsFake(delay=0.02)
    async with busy_client(fake, (A, B, C), max_concurrency_per_host=2,
                           routing_strategy=RoutingStrategy.LOAD_BALANCED) as client:
        await asyncio.gather(*(client.achat_completion(chat_request(f"n{i}")) for i in range(30)))
    assert fake.served == {A: 10, B: 10, C: 10}  # least busy first: every host got its share
    assert max(fake.peak.values()) == 2
