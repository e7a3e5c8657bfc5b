"""Load-aware routing: `load_balanced` picks the least busy healthy host (ties in turn), a stream counts until
it is closed, `performance_first` gives a slow host no more than its speed earns, a busy host's slot wait
fails over, and LlamaIndex's batch gather is held by the hosts' slots.
"""

from __future__ import annotations

import asyncio

from fakes import MODEL, chat_request
from fakes.busy import BusyHostsFake

from cb_ollama_integrations import OllamaClient, OllamaConfig, RoutingStrategy
from cb_ollama_integrations._resilience.breaker import CircuitBreaker
from cb_ollama_integrations._resilience.hosts import Host, least_busy_first, soonest_answer_first
from cb_ollama_integrations._resilience.routing import HostPool
from cb_ollama_integrations.llama_index import CBOllamaEmbedding

A, B, C = "http://127.0.0.1:47201", "http://127.0.0.1:47202", "http://127.0.0.1:47203"
BALANCED = RoutingStrategy.LOAD_BALANCED


def hosts(**in_flight: int) -> list[Host]:
    made = [Host(url, CircuitBreaker(url, threshold=1, cooldown=60)) for url in (A, B, C)]
    for host, key in zip(made, "abc", strict=True):
        host.in_flight = in_flight.get(key, 0)
    return made


def busy_client(fake: BusyHostsFake, strategy: RoutingStrategy = BALANCED, **settings: object) -> OllamaClient:
    config = OllamaConfig(base_urls=(A, B, C), default_model=MODEL, max_retries=0, num_ctx=None,
                          routing_strategy=strategy, **settings)
    return OllamaClient(config, **fake.transports())


def test_least_busy_first_puts_failing_hosts_last_and_keeps_ties_in_order() -> None:
    assert [h.url for h in least_busy_first(hosts(a=2, b=0, c=1))] == [B, C, A]
    ranked = hosts(a=1, b=1, c=1)
    ranked[1].breaker.record_failure()
    assert [h.url for h in least_busy_first(ranked)] == [A, C, B]


def test_plans_picked_together_never_share_an_idle_host_and_ties_take_turns() -> None:
    pool = HostPool(OllamaConfig(base_urls=(A, B, C), routing_strategy=BALANCED))
    first = [pool.plan(MODEL).next_host().url for _ in range(3)]  # nothing finished: each pick counts
    assert sorted(first) == [A, B, C]
    for url in (A, B, C):
        pool.count_in_flight(pool.host(url), -1)
    turns = []
    for _ in range(6):  # one at a time, each done before the next: every host is equally idle each time
        host = pool.plan(MODEL).next_host()
        turns.append(host.url)
        pool.count_in_flight(host, -1)
    assert turns.count(A) == turns.count(B) == turns.count(C) == 2 and turns[:3] != turns[1:4]


def test_performance_first_gives_a_five_times_slower_host_at_most_its_speeds_share() -> None:
    fast_a, fast_b, slow = hosts()
    fast_a.latency_ewma, fast_b.latency_ewma, slow.latency_ewma = 0.1, 0.1, 0.5
    picks = []
    for _ in range(12):  # twelve requests arrive while none has finished
        chosen = soonest_answer_first([slow, fast_a, fast_b])[0]
        chosen.in_flight += 1
        picks.append(chosen)
    assert picks.count(slow) == 12 - picks.count(fast_a) - picks.count(fast_b) == 1  # fair would be 4
    unmeasured = hosts()[0]
    assert soonest_answer_first([fast_a, unmeasured])[0] is unmeasured  # an idle unmeasured host is measured


async def test_load_balanced_sends_the_next_request_past_a_host_busy_with_a_stream() -> None:
    fake = BusyHostsFake(delay=0.0)
    async with busy_client(fake) as client:
        first = client.achat_completion_stream(chat_request("long answer"))
        await first.__anext__()  # A streams; its answer is not finished
        busy = [h.url for h in client._pool.hosts if h.in_flight == 1]
        replies = [await client.achat_completion(chat_request(f"n{i}")) for i in range(4)]
        assert len(busy) == 1 and busy[0] not in {r.host for r in replies}  # skipped while it streams
        await first.aclose()
        assert all(h.in_flight == 0 for h in client._pool.hosts)


async def test_a_slot_wait_that_runs_out_fails_over_to_a_host_with_room() -> None:
    fake = BusyHostsFake(delay=0.02, delays={A: 1.0})
    async with busy_client(fake, RoutingStrategy.FAILOVER_CHAIN, max_concurrency_per_host=1,
                           timeout_seconds=0.2) as client:
        replies = await asyncio.gather(*(client.achat_completion(chat_request(f"n{i}")) for i in range(3)))
        assert client.circuit_state()[A].consecutive_failures == 0  # a busy host is not a failing one
    assert [r.host for r in replies].count(A) == 1 and fake.served[A] == 1


async def test_llama_index_gathered_batches_wait_for_the_hosts_slots_not_the_pool_timeout() -> None:
    fake = BusyHostsFake(delay=0.05)
    texts = [f"chunk {i}" for i in range(36)]
    async with busy_client(fake, max_concurrency_per_host=1, timeout_seconds=0.08) as client:
        embedding = CBOllamaEmbedding(model_name="all-minilm", client=client, embed_batch_size=3)
        vectors = await embedding.aget_text_embedding_batch(texts)  # LlamaIndex gathers all 12 batches
    assert len(vectors) == 36 and sum(fake.served.values()) == 12
    assert max(fake.peak.values()) == 1  # 3 hosts x 1 slot went out at once; 9 waited in the gate, untimed
