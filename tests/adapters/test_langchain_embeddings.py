"""CBOllamaEmbeddings against FAKE Ollama answers (httpx.MockTransport): batching, concurrency, prefixes.

Real-server behaviour (all-minilm vectors, a chat-only model refusing to embed) is in
test_langchain_cassettes.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from cb_ollama_integrations import ModelNotFoundError, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import CBOllamaEmbeddings


class FakeEmbedServer:
    """A FAKE /api/embed: each text's vector is [len(text), batch number]; tracks requests and concurrency."""

    def __init__(self, status: int = 200, error: str = "") -> None:
        self.status, self.error = status, error
        self.bodies: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def _answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": self.error})
        vectors = [[float(len(text)), float(len(self.bodies))] for text in body["input"]]
        return httpx.Response(
            200, json={"model": body["model"], "embeddings": vectors, "prompt_eval_count": 4}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        return self._answer(request)

    def embeddings(self, **fields: Any) -> CBOllamaEmbeddings:
        batch = fields.pop("batch_size", 1000)
        config = OllamaConfig(max_retries=0, keep_alive=None, embed_batch_size=batch)
        client = OllamaClient(
            config,
            transport=httpx.MockTransport(self),
            async_transport=httpx.MockTransport(self.handle_async),
        )
        return CBOllamaEmbeddings(client=client, **{"model": "all-minilm", **fields})


TEXTS = ["a", "bb", "ccc", "dddd", "eeeee"]


def test_documents_are_sent_in_batches_and_come_back_in_order() -> None:
    server = FakeEmbedServer()
    vectors = server.embeddings(batch_size=2).embed_documents(TEXTS)
    assert [body["input"] for body in server.bodies] == [["a", "bb"], ["ccc", "dddd"], ["eeeee"]]
    assert vectors == [[1.0, 1.0], [2.0, 1.0], [3.0, 2.0], [4.0, 2.0], [5.0, 3.0]]


def test_batch_size_field_configures_the_client_it_builds() -> None:
    embeddings = CBOllamaEmbeddings(model="all-minilm", batch_size=7, concurrency=3)
    assert embeddings.core_config().embed_batch_size == 7
    assert embeddings.core_config().embedding_model == "all-minilm"


def test_async_batches_run_concurrently_up_to_the_bound() -> None:
    server = FakeEmbedServer()
    embeddings = server.embeddings(batch_size=1, concurrency=2)
    vectors = asyncio.run(embeddings.aembed_documents(TEXTS))
    assert len(server.bodies) == 5
    assert server.most_in_flight == 2
    assert [v[0] for v in vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_async_query() -> None:
    server = FakeEmbedServer()
    vector = asyncio.run(server.embeddings(model="nomic-embed-text").aembed_query("cats"))
    assert server.bodies[0]["input"] == ["search_query: cats"]
    assert vector == [float(len("search_query: cats")), 1.0]


@pytest.mark.parametrize(
    ("model", "query", "document"),
    [
        ("nomic-embed-text", "search_query: q", "search_document: d"),
        ("nomic-embed-text:v1.5", "search_query: q", "search_document: d"),
        ("mxbai-embed-large", "Represent this sentence for searching relevant passages: q", "d"),
        ("jeffh/intfloat-multilingual-e5-large:f16", "q", "d"),
        ("e5", "query: q", "passage: d"),
        ("all-minilm", "q", "d"),
    ],
)
def test_instructions_default_by_model_family(model: str, query: str, document: str) -> None:
    server = FakeEmbedServer()
    embeddings = server.embeddings(model=model)
    embeddings.embed_query("q")
    embeddings.embed_documents(["d"])
    assert [body["input"] for body in server.bodies] == [[query], [document]]


def test_instructions_can_be_overridden_and_switched_off() -> None:
    server = FakeEmbedServer()
    embeddings = server.embeddings(
        model="nomic-embed-text", query_instruction="", document_instruction="doc: "
    )
    embeddings.embed_query("q")
    embeddings.embed_documents(["d"])
    assert [body["input"] for body in server.bodies] == [["q"], ["doc: d"]]


def test_dimensions_truncate_and_keep_alive_reach_the_wire() -> None:
    server = FakeEmbedServer()
    server.embeddings(dimensions=2, truncate=False, keep_alive="5m").embed_documents(["x"])
    assert server.bodies[0] == {
        "model": "all-minilm",
        "input": ["x"],
        "dimensions": 2,
        "truncate": False,
        "keep_alive": "5m",
    }


def test_invalid_settings_and_unknown_fields_raise() -> None:
    with pytest.raises(ValidationError, match="keep_alive"):
        CBOllamaEmbeddings(model="m", keep_alive="five minutes")
    with pytest.raises(ValidationError, match="embed_batch"):
        CBOllamaEmbeddings(model="m", embed_batch=3)
    with pytest.raises(ValidationError, match="dimensions"):
        CBOllamaEmbeddings(model="m", dimensions=0)


def test_default_model_comes_from_the_environment_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CBOllamaEmbeddings().model == "nomic-embed-text"
    monkeypatch.setenv("OLLAMA_EMBEDDING_MODEL", "all-minilm")
    assert CBOllamaEmbeddings().model == "all-minilm"


def test_a_missing_model_raises_model_not_found_with_the_pull_hint() -> None:
    server = FakeEmbedServer(status=404, error='model "nope" not found, try pulling it first')
    with pytest.raises(ModelNotFoundError, match="ollama pull nope"):
        server.embeddings(model="nope").embed_query("x")


def test_ten_thousand_texts_take_ten_requests_by_default() -> None:
    assert CBOllamaEmbeddings(model="all-minilm").core_config().embed_batch_size == 1000
