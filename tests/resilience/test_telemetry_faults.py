"""Telemetry under faults and switches, against fake hosts (httpx.MockTransport): open circuits, half-open
probes, retries, cancelled and broken streams, content capture, secrets, and OpenTelemetry missing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from _otel import Otel
from opentelemetry import trace
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.trace import NoOpTracerProvider, StatusCode

from cb_ollama_integrations import (
    ChatMessage,
    CircuitOpenError,
    LLMRequest,
    ModelNotFoundError,
    NetworkError,
    OllamaClient,
    OllamaConfig,
    StreamError,
)
from cb_ollama_integrations._telemetry import NO_RECORD, Telemetry
from cb_ollama_integrations._telemetry.attributes import capture_content_from_env

URL = "http://fake-ollama.invalid:11434"
LINE = {"model": "m", "created_at": "2026-12-01T00:00:00Z", "message": {"role": "assistant", "content": "hi "},
        "done": False}
DONE = LINE | {"message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
               "prompt_eval_count": 5, "eval_count": 2}


def ask(text: str = "Hi") -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], model="m")


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=DONE | {"message": {"role": "assistant", "content": "hello"}})


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def outcomes(otel: Otel, span: int = -1) -> list[tuple[Any, ...]]:
    found = otel.spans()[span].events
    return [(e.attributes["cb_ollama.attempt.outcome"], e.attributes["cb_ollama.attempt.half_open_probe"])
            for e in found if e.attributes and e.name == "cb_ollama.attempt"]


def test_an_open_circuit_is_an_error_span_with_the_rejection_event(otel: Otel) -> None:
    config = OllamaConfig(base_url=URL, max_retries=0, breaker_failure_threshold=1, breaker_cooldown_seconds=60)
    with OllamaClient(config, transport=httpx.MockTransport(refuse), **otel.providers) as client:
        with pytest.raises(NetworkError):
            client.chat_completion(ask())
        with pytest.raises(CircuitOpenError):
            client.chat_completion(ask())
    failed, rejected = otel.spans()
    assert failed.status.status_code is StatusCode.ERROR and rejected.status.status_code is StatusCode.ERROR
    assert dict(failed.attributes or {})["error.type"] == "NetworkError"
    assert [e.name for e in failed.events] == ["cb_ollama.attempt", "exception"]
    assert dict(rejected.attributes or {})["error.type"] == "CircuitOpenError"
    assert outcomes(otel, 0) == [("failed", False)] and outcomes(otel, 1) == [("circuit_open", False)]
    [rejection] = otel.points("cb_ollama.circuit.rejections")
    assert rejection.value == 1 and rejection.attributes["cb_ollama.host"] == URL
    assert [p.value for p in otel.points("cb_ollama.circuit.state")] == [2]
    errors = sorted(p.attributes["error.type"] for p in otel.points("gen_ai.client.operation.duration"))
    assert errors == ["CircuitOpenError", "NetworkError"]


def test_a_half_open_probe_is_marked_and_closes_the_circuit(otel: Otel) -> None:
    answers = iter([refuse, answer])
    config = OllamaConfig(base_url=URL, max_retries=0, breaker_failure_threshold=1, breaker_cooldown_seconds=0)
    transport = httpx.MockTransport(lambda request: next(answers)(request))  # noqa: PLW0108 - one per request
    with OllamaClient(config, transport=transport, **otel.providers) as client:
        with pytest.raises(NetworkError):
            client.chat_completion(ask())
        client.chat_completion(ask())
    assert outcomes(otel, 1) == [("ok", True)]
    assert otel.spans()[1].events[0].attributes is not None
    assert otel.spans()[1].events[0].attributes["cb_ollama.circuit.state"] == "closed"


def test_a_retry_is_an_event_with_its_delay_and_is_counted(otel: Otel) -> None:
    answers = iter([httpx.Response(503, json={"error": "busy"}), None])
    waits: list[float] = []

    def busy_then_fine(request: httpx.Request) -> httpx.Response:
        return next(answers) or answer(request)

    config = OllamaConfig(base_url=URL, max_retries=2, retry_backoff_seconds=0.5)
    with OllamaClient(config, transport=httpx.MockTransport(busy_then_fine), sleep=waits.append,
                      **otel.providers) as client:
        client.chat_completion(ask())
    span = otel.only_span()
    assert outcomes(otel) == [("retry", False), ("ok", False)]
    retry = span.events[0].attributes
    assert retry is not None and retry["error.type"] == "ServerError" and retry["cb_ollama.retry.delay_s"] == waits[0]
    assert span.status.status_code is StatusCode.UNSET
    [retries] = otel.points("cb_ollama.client.retries")
    assert retries.value == 1


class SlowStream(httpx.AsyncByteStream):
    """One NDJSON line, then waits for a release that never comes (a model still generating)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield json.dumps(LINE).encode() + b"\n"
        await self.release.wait()
        yield json.dumps(DONE).encode() + b"\n"


async def test_a_cancelled_async_stream_ends_its_span_as_cancelled(otel: Otel) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=SlowStream()))
    first = asyncio.Event()

    async def read(client: OllamaClient) -> None:
        async for _ in client.achat_completion_stream(ask()):
            first.set()

    async with OllamaClient(OllamaConfig(base_url=URL), async_transport=transport, **otel.providers) as client:
        task = asyncio.create_task(read(client))
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    span = otel.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is not None and "cancelled" in span.status.description
    assert dict(span.attributes or {})["error.type"] == "CancelledError"
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("error",)
    assert [p.count for p in otel.points("gen_ai.client.operation.time_to_first_chunk")] == [1]


def test_a_stream_that_breaks_mid_way_ends_its_span_with_the_stream_error(otel: Otel) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield json.dumps(LINE).encode() + b"\n"
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, stream=_Iter(body()))

    client = OllamaClient(OllamaConfig(base_url=URL), transport=httpx.MockTransport(broken), **otel.providers)
    with client, pytest.raises(StreamError):
        list(client.chat_completion_stream(ask()))
    span = otel.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "StreamError"
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("error",)


class _Iter(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks


def test_content_is_captured_only_when_the_environment_asks(otel: Otel, monkeypatch: pytest.MonkeyPatch) -> None:
    transport = httpx.MockTransport(answer)
    with OllamaClient(OllamaConfig(base_url=URL), transport=transport, **otel.providers) as client:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        client.chat_completion(ask("secret plans"))  # read at construction: still off
    with OllamaClient(OllamaConfig(base_url=URL), transport=transport, **otel.providers) as client:
        client.chat_completion(ask("Hi there"))
    off, on = (dict(span.attributes or {}) for span in otel.spans())
    assert not any("messages" in key for key in off)
    assert json.loads(on["gen_ai.input.messages"]) == [{"role": "user", "parts": [{"type": "text",
                                                                                     "content": "Hi there"}]}]
    assert json.loads(on["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "hello"}], "finish_reason": "stop"}]


@pytest.mark.parametrize(("raw", "on"), [("", False), ("false", False), ("NO_CONTENT", False), ("1", True),
                                         ("SPAN_ONLY", True), ("span_and_event", True), ("EVENT_ONLY", False)])
def test_the_capture_switch_reads_the_conventions_values(raw: str, on: bool) -> None:
    assert capture_content_from_env({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": raw}) is on


def test_an_unknown_capture_value_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match="SPAN_ONLY"):
        Telemetry((URL,), environ={"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "sometimes"})


def test_secrets_never_reach_spans_or_metrics(otel: Otel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    config = OllamaConfig(base_urls=["http://alice:pa55word@fake-a.invalid:11434", "http://fake-b.invalid:11434"],
                          api_key="sk-top-secret", custom_headers={"X-Token": "hdr-secret"}, max_retries=0)
    seen: list[str] = []

    def first_down(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return refuse(request) if request.url.host == "fake-a.invalid" else answer(request)

    with OllamaClient(config, transport=httpx.MockTransport(first_down), **otel.providers) as client:
        client.chat_completion(ask(), api_key="sk-per-call")
    assert all(seen)  # the credentials were sent on the wire...
    dumped = otel.only_span().to_json() + otel.reader.get_metrics_data().to_json()
    for secret in ("pa55word", "alice", "sk-top-secret", "hdr-secret", "sk-per-call", "Bearer", "Basic"):
        assert secret not in dumped  # ...and appear nowhere in telemetry


def test_a_non_streamed_call_is_the_current_span_while_it_is_sent(otel: Otel) -> None:
    current: list[trace.Span] = []

    def look(request: httpx.Request) -> httpx.Response:
        current.append(trace.get_current_span())
        return answer(request)

    with OllamaClient(OllamaConfig(base_url=URL), transport=httpx.MockTransport(look), **otel.providers) as client:
        client.chat_completion(ask())
    assert current[0].get_span_context().span_id == otel.only_span().context.span_id
    assert trace.get_current_span() is trace.INVALID_SPAN  # detached afterwards


def test_without_opentelemetry_the_client_records_nothing_and_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if not installed: importing it fails
    monkeypatch.delitem(sys.modules, "cb_ollama_integrations._telemetry.span_record", raising=False)
    monkeypatch.delitem(sys.modules, "cb_ollama_integrations._telemetry.instruments", raising=False)
    telemetry = Telemetry((URL,))
    with OllamaClient(OllamaConfig(base_url=URL), transport=httpx.MockTransport(answer)) as client:
        client._telemetry = telemetry
        assert client.chat_completion(ask()).choices[0].message.content == "hello"
    assert telemetry.start("chat", client._sized_call(ask(), False, None)[0]) is NO_RECORD


def test_importing_the_package_imports_no_opentelemetry() -> None:
    # (langchain-core imports OpenTelemetry itself, through langsmith, so the LangChain adapter is not checked)
    code = ("import sys, cb_ollama_integrations, cb_ollama_integrations.llama_index;"
            "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_with_no_provider_listening_a_call_gets_the_no_op_record() -> None:
    call = OllamaClient(OllamaConfig(base_url=URL))._sized_call(ask(), False, None)[0]
    assert Telemetry((URL,)).start("chat", call) is NO_RECORD  # this process never sets global providers
    silent = Telemetry((URL,), tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider())
    assert silent.start("chat", call) is NO_RECORD


def test_a_global_provider_set_after_the_client_was_made_receives_its_spans() -> None:
    code = """
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig
done = b'{"model":"m","message":{"role":"assistant","content":"hi"},"done":true,"done_reason":"stop"}'
client = OllamaClient(OllamaConfig(base_url="http://fake.invalid:11434"),
                      transport=httpx.MockTransport(lambda request: httpx.Response(200, content=done)))
request = LLMRequest(model="m", messages=[ChatMessage(role="user", content="Hi")])
client.chat_completion(request)  # nothing listens yet
exporter, provider = InMemorySpanExporter(), TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.chat_completion(request)
print([span.name for span in exporter.get_finished_spans()])
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "['chat m']"


def test_a_captured_stream_assembles_its_answer_with_reasoning_and_tool_calls(
    otel: Otel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    call = {"function": {"name": "add", "arguments": {"a": 1, "b": 2}}}
    lines = [LINE | {"message": {"role": "assistant", "content": "", "thinking": "add them"}},
             LINE | {"message": {"role": "assistant", "content": "", "tool_calls": [call]}}, DONE]
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    tool = {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}
    request = LLMRequest(model="m", tools=[tool], messages=[
        ChatMessage(role="user", content="1+2?", images=["aGk="]),
        ChatMessage(role="tool", content="3", tool_call_id="call-1", tool_name="add")])
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    with OllamaClient(OllamaConfig(base_url=URL), transport=transport, **otel.providers) as client:
        list(client.chat_completion_stream(request))
    attributes = dict(otel.only_span().attributes or {})
    [answer] = json.loads(attributes["gen_ai.output.messages"])
    assert answer["parts"][0] == {"type": "reasoning", "content": "add them"}
    assert answer["parts"][1]["type"] == "tool_call" and answer["parts"][1]["name"] == "add"
    assert answer["parts"][1]["arguments"] == {"a": 1, "b": 2}
    user, tool_reply = json.loads(attributes["gen_ai.input.messages"])
    assert user["parts"][1] == {"type": "blob", "modality": "image", "content": "aGk="}
    assert tool_reply["parts"] == [{"type": "tool_call_response", "response": "3", "id": "call-1"}]
    assert json.loads(attributes["gen_ai.tool.definitions"]) == [tool]


def test_metrics_are_recorded_when_only_a_meter_provider_listens() -> None:
    recorder = Otel()
    client = OllamaClient(OllamaConfig(base_url=URL), transport=httpx.MockTransport(answer),
                          meter_provider=recorder.meter_provider)
    with client:
        client.chat_completion(ask())
    assert [p.count for p in recorder.points("gen_ai.client.operation.duration")] == [1]
    assert [p.value for p in recorder.points("cb_ollama.client.attempts")] == [1]
    assert not recorder.spans()
    recorder.shutdown()


def test_a_caller_error_is_reported_as_such_and_leaves_the_circuit_closed(otel: Otel) -> None:
    missing = httpx.MockTransport(lambda r: httpx.Response(404, json={"error": "model 'm' not found"}))
    client = OllamaClient(OllamaConfig(base_url=URL), transport=missing, **otel.providers)
    with client, pytest.raises(ModelNotFoundError):
        client.chat_completion(ask())
    assert outcomes(otel) == [("caller_error", False)]
    assert dict(otel.only_span().attributes or {})["error.type"] == "ModelNotFoundError"
    assert [p.value for p in otel.points("cb_ollama.circuit.state")] == [0]


async def test_a_call_cancelled_while_waiting_is_an_abandoned_attempt(otel: Otel) -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with OllamaClient(OllamaConfig(base_url=URL), async_transport=httpx.MockTransport(never),
                            **otel.providers) as client:
        task = asyncio.create_task(client.achat_completion(ask()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert outcomes(otel) == [("abandoned", False)]
    span = otel.only_span()
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "CancelledError"
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("error",)


class BrokenTracerProvider:
    """A tracer provider whose tracer fails to start spans (a broken SDK or exporter plugin)."""

    def get_tracer(self, *args: object, **kwargs: object) -> Any:
        return self

    def start_span(self, *args: object, **kwargs: object) -> Any:
        raise RuntimeError("broken tracer")


class BrokenHistogram:
    def record(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("broken histogram")


def test_broken_telemetry_never_breaks_a_call(otel: Otel, caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.MockTransport(answer)
    with OllamaClient(OllamaConfig(base_url=URL), transport=transport, tracer_provider=BrokenTracerProvider(),
                      meter_provider=otel.meter_provider) as client:
        assert client.chat_completion(ask()).choices[0].message.content == "hello"
    with OllamaClient(OllamaConfig(base_url=URL), transport=transport, **otel.providers) as client:
        client.chat_completion(ask())  # loads the instruments
        client._telemetry._backend.duration = BrokenHistogram()
        assert client.chat_completion(ask()).choices[0].message.content == "hello"
    assert len(otel.spans()) == 2  # the span still ended
    messages = [r.getMessage() for r in caplog.records]
    assert "telemetry: could not start recording a chat call; the call is unaffected" in messages
    assert "telemetry: _record_end failed; the call is unaffected" in messages
