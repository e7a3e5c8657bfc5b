"""Async batch embedding over several hosts: with `load_balanced` routing every healthy host gets batches, a
failing host's batches go elsewhere, and vectors come back in input order whatever host answered.

The hosts are FakeOllama (httpx.MockTransport): each vector is [text number, host number], so a test sees
both which text a vector belongs to and who embedded it.
"""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest
from fakes import FakeOllama, fake_status

from cb_ollama_integrations import EmbeddingsRequest, OllamaClient, OllamaConfig, RoutingStrategy
from cb_ollama_integrations.langchain import CBOllamaEmbeddings
from cb_ollama_integrations.llama_index import CBOllamaEmbedding

HOSTS = ("http://127.0.0.1:47011", "http://127.0.0.1:47012", "http://127.0.0.1:47013")
TEXTS = [f"chunk {i}" for i in range(60)]


class HostTaggingFake(FakeOllama):
    """FakeOllama whose vectors say which text and which host: [text number, host index]."""

    def __init__(self, *, failing: str | None = None) -> None:
        scripts = {failing: [fake_status(503, "fake: host overloaded")]} if failing else None
        super().__init__(scripts=scripts, async_delay=0.01)
        self.answered: collections.Counter[str] = collections.Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        self.embed = lambda text, _batch: [float(text.split()[-1]), float(HOSTS.index(host))]
        response = super().__call__(request)
        if response.status_code == 200 and request.url.path == "/api/embed":
            self.answered[host] += 1
        return response

    def client(self, **config: object) -> OllamaClient:
        settings = {"base_urls": HOSTS, "routing_strategy": RoutingStrategy.LOAD_BALANCED, "embed_batch_size": 5,
                    "keep_alive": None, **config}
        return super().client(**settings)


def check(vectors: list[list[float]], fake: HostTaggingFake, hosts: tuple[str, ...] = HOSTS) -> None:
    assert [vector[0] for vector in vectors] == [float(i) for i in range(len(TEXTS))]  # input order
    assert set(fake.answered) == set(hosts)
    assert sum(fake.answered.values()) == len(TEXTS) // 5  # each batch answered once
    # each batch was embedded by one host: its five vectors carry the same host number
    assert all(len({v[1] for v in vectors[i:i + 5]}) == 1 for i in range(0, len(TEXTS), 5))


async def test_core_batches_land_on_every_host_and_come_back_in_order() -> None:
    fake = HostTaggingFake()
    async with fake.client() as client:
        response = await client.aembeddings(EmbeddingsRequest(model="all-minilm", input=TEXTS), concurrency=3)
    assert [item.index for item in response.data] == list(range(len(TEXTS)))
    check([item.embedding for item in response.data], fake)
    assert min(fake.answered.values()) >= 3  # 12 batches over 3 hosts: none is left idle or starved


async def test_a_failing_host_changes_nothing_in_the_output() -> None:
    healthy = HostTaggingFake()
    async with healthy.client() as client:
        expected = await client.aembeddings(EmbeddingsRequest(model="all-minilm", input=TEXTS), concurrency=3)
    fake = HostTaggingFake(failing=HOSTS[1])
    async with fake.client(breaker_failure_threshold=1) as client:
        response = await client.aembeddings(EmbeddingsRequest(model="all-minilm", input=TEXTS), concurrency=3)
        assert client.circuit_state()[HOSTS[1]].state == "open"
    check([item.embedding for item in response.data], fake, hosts=(HOSTS[0], HOSTS[2]))
    assert [v.embedding[0] for v in response.data] == [v.embedding[0] for v in expected.data]
    assert fake.count(HOSTS[1], "/api/embed") >= 1  # it was tried, failed, and its batch went elsewhere


async def test_langchain_aembed_documents_spreads_over_the_hosts() -> None:
    fake = HostTaggingFake()
    async with fake.client() as client:
        embeddings = CBOllamaEmbeddings(model="all-minilm", client=client, concurrency=3)
        check(await embeddings.aembed_documents(TEXTS), fake)


@pytest.mark.parametrize("workers", [None, 3])
async def test_llama_index_async_batches_spread_over_the_hosts(workers: int | None) -> None:
    fake = HostTaggingFake()
    async with fake.client() as client:
        embedding = CBOllamaEmbedding(model_name="all-minilm", client=client, embed_batch_size=20,
                                      num_workers=workers)
        check(await embedding.aget_text_embedding_batch(TEXTS), fake)


async def test_character_caps_split_batches_on_the_wire() -> None:
    fake = FakeOllama()
    texts = ["x" * 300, "y" * 300, "z" * 900, "w" * 100]
    async with fake.client(embed_batch_chars=600, keep_alive=None) as client:
        vectors = await CBOllamaEmbeddings(model="all-minilm", client=client).aembed_documents(texts)
    assert [[len(t) for t in body["input"]] for body in fake.bodies] == [[300, 300], [900], [100]]
    assert [vector[0] for vector in vectors] == [300.0, 300.0, 900.0, 100.0]


def test_the_adapters_character_fields_reach_the_config() -> None:
    assert CBOllamaEmbeddings(model="all-minilm", batch_chars=1234).core_config().embed_batch_chars == 1234
    assert CBOllamaEmbedding(model_name="all-minilm", embed_batch_chars=99).core_config().embed_batch_chars == 99
    assert CBOllamaEmbeddings(model="all-minilm").core_config().embed_batch_chars == OllamaConfig().embed_batch_chars


def test_sync_batches_keep_their_order_over_hosts_too() -> None:
    fake = HostTaggingFake()
    with fake.client() as client:
        vectors = [item.embedding for item in client.embeddings(EmbeddingsRequest(model="m", input=TEXTS)).data]
    check(vectors, fake)
    assert asyncio.iscoroutinefunction(OllamaClient.aembeddings)


@pytest.mark.parametrize("workers", [None, 2])
async def test_one_llama_index_batch_cut_by_the_core_fills_every_hosts_slots(workers: int | None) -> None:
    fake = HostTaggingFake()
    async with fake.client(max_concurrency_per_host=2) as client:  # the core cuts the batch of 60 into 12
        embedding = CBOllamaEmbedding(model_name="all-minilm", client=client, num_workers=workers)
        check(await embedding.aget_text_embedding_batch(TEXTS), fake)
    assert fake.most_in_flight == (workers or len(HOSTS) * 2)  # unset: every slot of every host, no more
