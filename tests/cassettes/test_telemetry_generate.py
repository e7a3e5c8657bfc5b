"""/api/generate calls are GenAI `text_completion` spans too, whole and streamed, from the core and CBOllamaLLM.

Cassettes: cassettes/test_telemetry_generate/, recorded from a real Ollama v0.24.0.
"""

from __future__ import annotations

import json

import pytest
from _otel import Otel
from opentelemetry.trace import SpanKind

from cb_ollama_integrations import GenerateRequest, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import CBOllamaLLM

CHAT = "smollm2:135m"
pytestmark = pytest.mark.vcr


def make_client(otel: Otel, url: str) -> OllamaClient:
    return OllamaClient(OllamaConfig(base_url=url, default_model=CHAT, max_retries=0), **otel.providers)


def test_a_generate_call_is_one_text_completion_span_with_usage(otel: Otel, ollama_url: str) -> None:
    with make_client(otel, ollama_url) as client:
        answer = client.generate(GenerateRequest(prompt="The sky is", max_tokens=6, temperature=0.0))
    span = otel.only_span()
    assert span.name == f"text_completion {CHAT}" and span.kind is SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert answer.usage is not None
    assert attributes["gen_ai.operation.name"] == "text_completion"
    assert attributes["gen_ai.request.max_tokens"] == 6 and attributes["gen_ai.response.model"] == answer.model
    assert attributes["gen_ai.response.finish_reasons"] == (answer.finish_reason,)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (
        answer.usage.prompt_tokens, answer.usage.completion_tokens)
    assert "gen_ai.output.messages" not in attributes  # content capture is off unless asked for
    assert [e.attributes["cb_ollama.attempt.outcome"] for e in span.events if e.attributes] == ["ok"]
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert tokens == {"input": answer.usage.prompt_tokens, "output": answer.usage.completion_tokens}


async def test_a_streamed_generate_times_its_chunks_and_captures_the_text_when_asked(
        otel: Otel, ollama_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    async with make_client(otel, ollama_url) as client:
        request = GenerateRequest(prompt="Count: one, two,", system="Be brief.", max_tokens=8, temperature=0.0)
        parts = [part async for part in client.agenerate_stream(request)]
    span = otel.only_span()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.request.stream"] is True and attributes["gen_ai.response.time_to_first_chunk"] > 0
    [first] = otel.points("gen_ai.client.operation.time_to_first_chunk")
    [per_chunk] = otel.points("gen_ai.client.operation.time_per_output_chunk")
    assert first.count == 1 and per_chunk.count == len(parts) - 1
    sent = json.loads(str(attributes["gen_ai.input.messages"]))
    assert sent == [{"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
                    {"role": "user", "parts": [{"type": "text", "content": "Count: one, two,"}]}]
    [said] = json.loads(str(attributes["gen_ai.output.messages"]))
    assert said["parts"] == [{"type": "text", "content": "".join(p.response for p in parts)}]
    assert said["finish_reason"] == parts[-1].finish_reason


def test_cbollamallm_invoke_makes_the_same_span(otel: Otel, ollama_url: str) -> None:
    with make_client(otel, ollama_url) as client:
        text = CBOllamaLLM(model=CHAT, client=client, max_tokens=5, temperature=0.0).invoke("Water is")
    span = otel.only_span()
    assert span.name == f"text_completion {CHAT}"
    assert dict(span.attributes or {})["gen_ai.usage.output_tokens"] <= 5 and text
