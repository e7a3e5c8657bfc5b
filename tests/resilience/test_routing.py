"""Routing over several hosts: the four strategies, open circuits skipped, health checks, ping probes."""

from __future__ import annotations

import time

import httpx
import pytest
from fakes import (
    MODEL,
    MODES,
    FakeOllama,
    FakeOllamaServer,
    RecordedSleeps,
    chat_request,
    closed_port_url,
    fake_answer,
    fake_status,
    make_client,
    run_chat,
)

from cb_ollama_integrations import CircuitOpenError, OllamaConfig, RoutingStrategy, ServerError
from cb_ollama_integrations._resilience.routing import HostPool

A, B, C = "http://127.0.0.1:47001", "http://127.0.0.1:47002", "http://127.0.0.1:47003"


def served(fake: FakeOllama) -> tuple[int, int, int]:
    """/api/chat requests each host received."""
    return fake.count(A), fake.count(B), fake.count(C)


@pytest.mark.parametrize("mode", MODES)
async def test_failover_chain_keeps_order_and_skips_an_open_circuit(mode: str) -> None:
    fake = FakeOllama(scripts={A: [fake_status(503, "busy")]})
    settings = {"breaker_failure_threshold": 2, "breaker_cooldown_seconds": 60, "max_retries": 0}
    async with make_client([A, B, C], fake, RecordedSleeps(), **settings) as client:
        outcomes = [await run_chat(client, mode, f"n{i}") for i in range(4)]
        assert client.circuit_state()[A].state == "open"
    assert all(o.error is None for o in outcomes)
    assert served(fake) == (2, 4, 0)  # A tried until its circuit opened, then skipped; C never needed


@pytest.mark.parametrize("mode", MODES)
async def test_every_circuit_open_fails_fast_naming_the_hosts(mode: str) -> None:
    fake = FakeOllama(scripts={A: [fake_status(503, "busy")], B: [fake_status(503, "busy")]})
    settings = {"breaker_failure_threshold": 1, "breaker_cooldown_seconds": 60, "max_retries": 0}
    async with make_client([A, B], fake, RecordedSleeps(), **settings) as client:
        first = await run_chat(client, mode)
        second = await run_chat(client, mode)
    assert type(first.error) is ServerError  # the real failure, not "circuit open", when something was sent
    assert isinstance(second.error, CircuitOpenError) and A in str(second.error) and B in str(second.error)
    assert 0 < second.error.retry_after <= 60 and served(fake) == (1, 1, 0)


def test_load_balanced_rotates_over_hosts_and_prefers_the_least_busy() -> None:
    fake = FakeOllama()
    with make_client([A, B, C], fake, routing_strategy=RoutingStrategy.LOAD_BALANCED) as client:
        for i in range(6):
            client.chat_completion(chat_request(f"n{i}"))
    assert served(fake) == (2, 2, 2)

    pool = HostPool(OllamaConfig(base_urls=(A, B, C), routing_strategy=RoutingStrategy.LOAD_BALANCED))
    pool.host(A).in_flight, pool.host(B).in_flight = 3, 1
    assert [h.url for h in pool.ordered(MODEL)] == [C, B, A]
    pool.host(C).breaker.record_failure()  # a host that just failed goes last, however idle
    assert [h.url for h in pool.ordered(MODEL)][-1] == C


async def test_cost_optimized_prefers_the_host_with_the_model_loaded() -> None:
    fake = FakeOllama(scripts={B: [fake_answer(), fake_status(503, "busy"), fake_answer()]}, running={B: [MODEL]})
    settings = {"routing_strategy": RoutingStrategy.COST_OPTIMIZED, "max_retries": 0}
    async with make_client([A, B, C], fake, RecordedSleeps(), **settings) as client:
        assert [m.name for m in await client.alist_running()] == [MODEL]
        await client.achat_completion(chat_request("warm on B"))
        assert served(fake) == (0, 1, 0)
        await client.achat_completion(chat_request("B fails, A answers"))
        assert served(fake) == (1, 2, 0)
        await client.achat_completion(chat_request("now A has it loaded"))
        assert served(fake) == (2, 2, 0)


def test_performance_first_measures_every_host_then_prefers_the_fastest() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.03)
        return fake_answer()(request)

    fake = FakeOllama(scripts={A: [slow]})
    with make_client([A, B], fake, routing_strategy=RoutingStrategy.PERFORMANCE_FIRST) as client:
        for i in range(6):
            client.chat_completion(chat_request(f"n{i}"))
        latency = {url: client._pool.host(url).latency_ewma for url in (A, B)}
    assert served(fake)[:2] == (1, 5)
    assert latency[A] is not None and latency[B] is not None and latency[A] > latency[B]


async def test_health_check_per_host_and_for_the_pool() -> None:
    dead = closed_port_url()
    with FakeOllamaServer(lifetime=20) as alive, FakeOllamaServer(silent=True, lifetime=20) as silent:
        hosts = [alive.url, dead, silent.url]
        async with make_client(hosts, timeout_seconds=0.3, max_retries=0) as client:
            started = time.perf_counter()
            assert client.health_check() is True
            assert await client.ahealth_check() is True
            assert [client.health_check(host=url) for url in hosts] == [True, False, False]
            assert [await client.ahealth_check(host=url) for url in hosts] == [True, False, False]
            assert time.perf_counter() - started < 3.0  # a silent host costs one short ping timeout
            failures = {url: s.consecutive_failures for url, s in client.circuit_state().items()}
    assert failures == {alive.url: 0, dead: 4, silent.url: 4}  # every ping counted, pool-wide or per host


async def test_health_check_of_an_unknown_host_is_refused() -> None:
    async with make_client([A], FakeOllama()) as client:
        with pytest.raises(ValueError, match="not one of this client's hosts"):
            client.health_check(host=B)


@pytest.mark.parametrize("mode", MODES)
async def test_ping_probe_that_fails_reopens_without_sending_the_request(mode: str) -> None:
    fake = FakeOllama(root_status=500)
    settings = {"breaker_failure_threshold": 1, "breaker_cooldown_seconds": 0.0, "breaker_probe": "ping",
                "max_retries": 0}
    async with make_client([A], fake, RecordedSleeps(), **settings) as client:
        client._pool.host(A).breaker.record_failure()
        outcome = await run_chat(client, mode)
        assert type(outcome.error) is ServerError and outcome.error.status_code == 500
        assert client.circuit_state()[A].state == "open"
    assert fake.count(A) == 0 and fake.count(A, path="/") == 1
