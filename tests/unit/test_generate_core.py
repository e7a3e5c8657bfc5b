"""/api/generate in the core: the request builder, the parser, the client methods (same routing, retries and
errors as chat), and the real /api/generate exchanges other projects recorded, replayed through the client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml
from _recordings import RECORDINGS, Exchange, exchanges

from cb_ollama_integrations import OllamaClient, OllamaConfig
from cb_ollama_integrations._protocol.generate import GenerateStream, build_generate_call, parse_generate
from cb_ollama_integrations.errors import InvalidRequestError, LLMTimeoutError, StreamError
from cb_ollama_integrations.generation import GenerateRequest

CONFIG = OllamaConfig(base_url="http://127.0.0.1:47011", default_model="smollm2:135m", keep_alive=None,
                      max_retries=2, retry_backoff_seconds=0)
FINAL = {"model": "smollm2:135m", "created_at": "2026-01-01T00:00:00Z", "response": "", "done": True,
         "done_reason": "stop", "context": [1, 2, 3], "prompt_eval_count": 4, "eval_count": 2,
         "total_duration": 9, "eval_duration": 5}


def _client(handler: Callable[[httpx.Request], httpx.Response], config: OllamaConfig = CONFIG) -> OllamaClient:
    async def ahandler(request: httpx.Request) -> httpx.Response:
        return handler(request)

    return OllamaClient(config, transport=httpx.MockTransport(handler),
                        async_transport=httpx.MockTransport(ahandler), sleep=lambda _s: None)


def _ndjson(*objects: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def test_the_payload_carries_every_generate_field_and_leaves_unset_ones_out() -> None:
    request = GenerateRequest(prompt="def f(", suffix="  return x", system="S", template="{{ .Prompt }}",
                              images=["aGk="], context=[1], format="json", max_tokens=5, temperature=0,
                              options={"mirostat": 2, "num_gpu": None}, think=False, keep_alive=0,
                              truncate=False, logprobs=True, top_logprobs=3)
    call = build_generate_call(request, CONFIG, stream=False, api_key=None)
    assert (call.method, call.path, call.model) == ("POST", "/api/generate", "smollm2:135m")
    assert call.payload == {
        "model": "smollm2:135m", "prompt": "def f(", "stream": False, "suffix": "  return x", "system": "S",
        "template": "{{ .Prompt }}", "images": ["aGk="], "context": [1], "format": "json",
        "options": {"mirostat": 2, "temperature": 0, "num_predict": 5}, "think": False, "keep_alive": 0,
        "truncate": False, "logprobs": True, "top_logprobs": 3,
    }
    minimal = build_generate_call(GenerateRequest(prompt="hi"), CONFIG, stream=True, api_key="k")
    assert minimal.payload == {"model": "smollm2:135m", "prompt": "hi", "stream": True}
    assert minimal.headers == {"Authorization": "Bearer k"}


@pytest.mark.parametrize("extra", [{"system": "S"}, {"template": "T"}, {"context": [1]}])
def test_raw_with_templating_fields_is_refused_before_sending(extra: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="raw=True"):
        build_generate_call(GenerateRequest(prompt="x", raw=True, **extra), CONFIG, stream=False, api_key=None)


def test_a_stream_flag_contradicting_the_method_is_refused() -> None:
    with pytest.raises(ValueError, match="generate_stream"):
        build_generate_call(GenerateRequest(prompt="x", stream=True), CONFIG, stream=False, api_key=None)


def test_the_parser_keeps_text_thinking_context_usage_and_logprobs() -> None:
    logprobs = [{"token": "a", "logprob": -0.1, "top_logprobs": [{"token": "a", "logprob": -0.1}]}]
    answer = parse_generate({**FINAL, "response": "ab", "thinking": "hmm", "logprobs": logprobs},
                            response_id="g", host="h")
    assert (answer.response, answer.thinking, answer.context, answer.finish_reason) == ("ab", "hmm", [1, 2, 3], "stop")
    assert answer.usage is not None and (answer.usage.prompt_tokens, answer.usage.total_tokens) == (4, 6)
    assert answer.metrics is not None and answer.metrics.eval_duration == 5
    assert (answer.logprobs, answer.host, answer.created_at) == (logprobs, "h", "2026-01-01T00:00:00Z")
    piece = parse_generate({"model": "m", "response": "x", "done": False}, response_id="g")
    assert piece.usage is None and piece.finish_reason is None and not piece.done


def test_a_stream_error_line_and_a_stream_without_done_raise_with_the_text_so_far() -> None:
    state = GenerateStream()
    state.feed({"model": "m", "response": "par", "done": False})
    with pytest.raises(StreamError, match="mid-stream: boom") as caught:
        state.feed({"error": "boom"})
    assert caught.value.partial_content == "par"
    with pytest.raises(StreamError, match="done=true") as ended:
        state.finish()
    assert ended.value.partial_content == "par"


def test_generate_and_its_twins_send_one_request_and_parse_the_answer() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if bodies[-1]["stream"]:
            return httpx.Response(200, content=_ndjson({"model": "m", "response": "He", "done": False},
                                                      {"model": "m", "response": "llo", "done": False}, FINAL))
        return httpx.Response(200, json={**FINAL, "response": "Hello"})

    client = _client(handler)
    request = GenerateRequest(prompt="Say hello")
    assert client.generate(request).response == "Hello"
    assert asyncio.run(client.agenerate(request)).response == "Hello"
    chunks = list(client.generate_stream(request))
    assert [c.response for c in chunks] == ["He", "llo", ""] and chunks[-1].context == [1, 2, 3]
    assert len({c.id for c in chunks}) == 1

    async def collect() -> list[str]:
        return [c.response async for c in client.agenerate_stream(request)]

    assert asyncio.run(collect()) == ["He", "llo", ""]
    assert [b["stream"] for b in bodies] == [False, False, True, True]


def test_generate_is_retried_like_chat() -> None:
    statuses = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status, json={**FINAL, "response": "ok"} if status == 200 else {"error": "busy"})

    assert _client(handler).generate(GenerateRequest(prompt="x")).response == "ok"


def test_a_model_that_cannot_insert_gets_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "registry.ollama.ai/library/smollm2:135m does not support insert"})

    with pytest.raises(InvalidRequestError, match="cannot fill in the middle") as caught:
        _client(handler).generate(GenerateRequest(prompt="def f(", suffix="return x"))
    assert caught.value.status_code == 400 and "does not support insert" in (caught.value.server_message or "")


def test_the_read_timeout_hint_names_the_setting_of_the_class_in_use() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(LLMTimeoutError, match="raise timeout_seconds"):
        _client(handler, CONFIG.model_copy(update={"max_retries": 0})).generate(GenerateRequest(prompt="x"))
    named = CONFIG.model_copy(update={"max_retries": 0, "timeout_setting": "request_timeout"})
    with pytest.raises(LLMTimeoutError, match="raise request_timeout"):
        _client(handler, named).generate(GenerateRequest(prompt="x"))


# -- the real exchanges other projects recorded -------------------------------------------------------------
def _httpx_style_exchanges() -> list[Exchange]:
    """Interactions of vcrpy's httpx format (`response.content`, `status_code`), which _recordings skips."""
    found = []
    for path in sorted(RECORDINGS.glob("*.yaml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("interactions") or []:
            response = item.get("response") or {}
            if item["request"]["uri"].endswith("/api/generate") and isinstance(response.get("content"), str):
                body = response["content"].encode()
                found.append(Exchange(path.name, "/api/generate", response["status_code"], body))
    return found


GENERATE = ([e for e in exchanges() + _httpx_style_exchanges() if e.path == "/api/generate" and e.status == 200]
            if RECORDINGS.is_dir() else [])


def _objects(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


@pytest.mark.recordings
@pytest.mark.skipif(not RECORDINGS.is_dir(), reason="../shared/reference/recordings is not beside the repo")
def test_all_nine_recorded_generate_exchanges_are_replayed() -> None:
    assert len(GENERATE) == 9


@pytest.mark.recordings
@pytest.mark.parametrize("exchange", GENERATE, ids=[f"{e.source[:50]}" for e in GENERATE])
def test_a_recorded_generate_answer_replays_through_the_client(exchange: Exchange) -> None:
    raw = _objects(exchange.body)
    client = _client(lambda request: httpx.Response(200, content=exchange.body))
    if len(raw) == 1:
        answers = [client.generate(GenerateRequest(prompt="x"))]
    else:
        answers = list(client.generate_stream(GenerateRequest(prompt="x")))
    final = raw[-1]
    assert "".join(a.response for a in answers) == "".join(o.get("response", "") for o in raw)
    last = answers[-1]
    assert last.done and last.finish_reason == (final.get("done_reason") or "stop")
    assert last.context == final.get("context")
    assert last.usage is not None and last.usage.completion_tokens == final.get("eval_count", 0)
    assert last.usage.prompt_tokens == final.get("prompt_eval_count", 0)
    assert last.model == final["model"] and last.created_at == final["created_at"]


class _CutStream(httpx.SyncByteStream):
    """One generate line, then the connection drops."""

    def __iter__(self) -> Iterator[bytes]:
        yield json.dumps({"model": "m", "response": "half", "done": False}).encode() + b"\n"
        raise httpx.ReadError("connection reset")


def test_a_generate_stream_cut_mid_way_raises_with_the_text_so_far() -> None:
    client = _client(lambda request: httpx.Response(200, stream=_CutStream()))
    received: list[str] = []
    with pytest.raises(StreamError) as caught:
        for chunk in client.generate_stream(GenerateRequest(prompt="x")):
            received.append(chunk.response)
    assert received == ["half"] and caught.value.partial_content == "half"
