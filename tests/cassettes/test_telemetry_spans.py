"""GenAI spans and metrics from the real OpenTelemetry SDK, for calls replayed from a real Ollama v0.24.0.

Cassettes: cassettes/test_telemetry_spans/. The failover test adds a fake dead host in front of the real one.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest
from _otel import Otel
from opentelemetry.trace import SpanKind, StatusCode

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    LLMRequest,
    OllamaClient,
    OllamaConfig,
    RoutingStrategy,
)

CHAT = "smollm2:135m"
EMBED = "all-minilm"
DEAD = "http://dead-host.invalid:11434"
pytestmark = pytest.mark.vcr


def server_of(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {"server.address": parts.hostname, "server.port": parts.port}


def make_client(otel: Otel, url: str, **fields: object) -> OllamaClient:
    config = OllamaConfig(base_url=url, default_model=CHAT, embedding_model=EMBED, max_retries=0, **fields)
    return OllamaClient(config, **otel.providers)


def ask(text: str, **fields: object) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], **fields)


def test_a_chat_is_one_client_span_with_the_request_and_answer_attributes(otel: Otel, ollama_url: str) -> None:
    with make_client(otel, ollama_url) as client:
        response = client.chat_completion(ask("Name a colour.", max_tokens=12, temperature=0.2, top_p=0.9,
                                              top_k=20, seed=7, stop=["\n\n"]))
    span = otel.only_span()
    assert span.name == f"chat {CHAT}" and span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "ollama", "gen_ai.request.model": CHAT,
        "gen_ai.request.max_tokens": 12, "gen_ai.request.temperature": 0.2, "gen_ai.request.top_p": 0.9,
        "gen_ai.request.top_k": 20.0, "gen_ai.request.seed": 7, "gen_ai.request.stop_sequences": ("\n\n",),
        **server_of(ollama_url), "gen_ai.response.model": response.model,
        "gen_ai.response.finish_reasons": (response.choices[0].finish_reason,),
        "gen_ai.usage.input_tokens": response.usage.prompt_tokens,
        "gen_ai.usage.output_tokens": response.usage.completion_tokens,
    }
    [event] = span.events
    assert event.name == "cb_ollama.attempt"
    assert event.attributes is not None and event.attributes["cb_ollama.attempt.outcome"] == "ok"
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1 and 0 < duration.sum < 60
    assert dict(duration.attributes) == {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "ollama",
                                         "gen_ai.request.model": CHAT, "gen_ai.response.model": CHAT,
                                         **server_of(ollama_url)}
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert tokens == {"input": response.usage.prompt_tokens, "output": response.usage.completion_tokens}


def test_a_stream_records_time_to_first_chunk_and_time_per_chunk(otel: Otel, ollama_url: str) -> None:
    with make_client(otel, ollama_url) as client:
        chunks = list(client.chat_completion_stream(ask("Count to five.", max_tokens=20)))
    span = otel.only_span()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.request.stream"] is True
    assert 0 < attributes["gen_ai.response.time_to_first_chunk"] < 60
    assert attributes["gen_ai.response.finish_reasons"] == (chunks[-1].choices[0].finish_reason,)
    assert chunks[-1].usage is not None
    assert attributes["gen_ai.usage.output_tokens"] == chunks[-1].usage.completion_tokens
    [first] = otel.points("gen_ai.client.operation.time_to_first_chunk")
    [per_chunk] = otel.points("gen_ai.client.operation.time_per_output_chunk")
    assert first.count == 1 and per_chunk.count == len(chunks) - 1
    assert first.sum == pytest.approx(attributes["gen_ai.response.time_to_first_chunk"])


def test_an_embedding_batch_is_one_span_over_its_requests(otel: Otel, ollama_url: str) -> None:
    texts = ["a lighthouse", "a ferry", "a harbour"]
    with make_client(otel, ollama_url, embed_batch_size=2) as client:
        response = client.embeddings(EmbeddingsRequest(input=texts))
    span = otel.only_span()
    assert span.name == f"embeddings {EMBED}"
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "embeddings"
    assert attributes["gen_ai.embeddings.dimension.count"] == len(response.data[0].embedding) == 384
    assert attributes["gen_ai.usage.input_tokens"] == response.usage.prompt_tokens > 0
    assert "gen_ai.usage.output_tokens" not in attributes
    assert [e.attributes["cb_ollama.attempt.outcome"] for e in span.events if e.attributes] == ["ok", "ok"]
    assert [p.attributes["gen_ai.token.type"] for p in otel.points("gen_ai.client.token.usage")] == ["input"]


class DeadHostInFront(httpx.BaseTransport):
    """Refuses connections to DEAD; every other request goes to the real (or replayed) server."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == urlsplit(DEAD).hostname:
            raise httpx.ConnectError("connection refused", request=request)
        return self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


def test_a_failover_shows_each_host_tried_and_counts_it(otel: Otel, ollama_url: str) -> None:
    config = OllamaConfig(base_urls=[DEAD, ollama_url], routing_strategy=RoutingStrategy.FAILOVER_CHAIN,
                          default_model=CHAT, max_retries=0, breaker_failure_threshold=1)
    with OllamaClient(config, transport=DeadHostInFront(), **otel.providers) as client:
        client.chat_completion(ask("Say one.", max_tokens=8))
    span = otel.only_span()
    outcomes = [(e.attributes["cb_ollama.host"], e.attributes["cb_ollama.attempt.outcome"],
                 e.attributes["cb_ollama.circuit.state"]) for e in span.events if e.attributes]
    assert outcomes == [(DEAD, "failover", "open"), (ollama_url, "ok", "closed")]
    assert span.events[0].attributes is not None and span.events[0].attributes["error.type"] == "NetworkError"
    assert {k: v for k, v in (span.attributes or {}).items() if k.startswith("server.")} == server_of(ollama_url)
    [failover] = otel.points("cb_ollama.client.failovers")
    assert failover.value == 1 and dict(failover.attributes) == {"cb_ollama.host": DEAD, "error.type": "NetworkError"}
    states = {p.attributes["cb_ollama.host"]: p.value for p in otel.points("cb_ollama.circuit.state")}
    assert states == {DEAD: 2, ollama_url: 0}


def test_an_abandoned_stream_still_ends_its_span_as_an_error(otel: Otel, ollama_url: str) -> None:
    with make_client(otel, ollama_url) as client:
        stream = client.chat_completion_stream(ask("Tell me a story about a lighthouse.", max_tokens=40))
        taken = [next(stream), next(stream)]
        assert not otel.spans()  # still open while the caller reads
        stream.close()
    span = otel.only_span()
    assert taken[0].done is False
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is not None and "abandoned" in span.status.description
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "GeneratorExit"
    assert attributes["gen_ai.response.finish_reasons"] == ("error",)
    assert "gen_ai.usage.output_tokens" not in attributes  # the server never said
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "GeneratorExit"


async def test_an_async_stream_closed_early_ends_its_span(otel: Otel, ollama_url: str) -> None:
    async with make_client(otel, ollama_url) as client:
        stream = client.achat_completion_stream(ask("Tell me a story about a ferry.", max_tokens=40))
        async for _ in stream:
            break
        await stream.aclose()
    span = otel.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "GeneratorExit"


async def test_async_chat_and_embeddings_record_like_the_sync_ones(otel: Otel, ollama_url: str) -> None:
    async with make_client(otel, ollama_url, embed_batch_size=1) as client:
        await client.achat_completion(ask("Name a fruit.", max_tokens=8))
        await client.aembeddings(EmbeddingsRequest(input=["one", "two"]), concurrency=2)
        await asyncio.sleep(0)
    chat, embed = otel.spans()
    assert chat.name == f"chat {CHAT}" and embed.name == f"embeddings {EMBED}"
    assert dict(chat.attributes or {})["gen_ai.usage.output_tokens"] > 0
    assert len(embed.events) == 2
