"""CBOllama's stream builds text-only chunks the cheap way; what it builds equals the general path's, chunk by chunk.

The chunks come from the core client reading a FAKE server's stream, so they are what CBOllama really gets.
"""

from __future__ import annotations

from typing import Any

import pytest
from fakes import FakeOllama, chat_object

from cb_ollama_integrations import LLMRequest
from cb_ollama_integrations.llama_index._convert import StreamAccumulator
from cb_ollama_integrations.types import ChatMessage, StreamingChunk


def line(content: str = "", done: bool = False, **message: Any) -> dict[str, Any]:
    """One NDJSON object of a FAKE stream (created_at set, as Ollama sends it)."""
    return chat_object(content, done=done, model="fake", created_at="2026-12-02T06:00:00Z", **message)


CALL = [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
STREAMS = {
    "text": [line("The"), line(" sky"), line(" is"), line(" blue."), line(done=True)],
    "thinking first": [line(thinking="Hmm"), line("Blue"), line("."), line(done=True)],
    "tool call mid-stream": [line("Let me"), line(" check", tool_calls=CALL), line(" now"), line(done=True)],
    "logprobs": [line("A", logprobs=[{"token": "A", "logprob": -0.1}]), line("B"), line(done=True)],
    "cut short": [line("One"), line(" two"), line(done=True, done_reason="length")],
}


def chunks_of(objects: list[dict[str, Any]]) -> list[StreamingChunk]:
    request = LLMRequest(model="fake", messages=[ChatMessage(role="user", content="Hi")])
    with FakeOllama(*objects).client() as client:
        return list(client.chat_completion_stream(request))


@pytest.mark.parametrize("name", list(STREAMS))
def test_every_chunk_equals_what_the_general_path_builds(name: str) -> None:
    fast, general = StreamAccumulator(), StreamAccumulator()
    for chunk in chunks_of(STREAMS[name]):
        built = fast.feed(chunk)
        general.content += chunk.choices[0].delta.content
        expected = general._general(chunk)
        assert built == expected
        assert list(built.raw or {}) == list(expected.raw or {})  # key order too: code may print raw
        assert built.message.blocks == expected.message.blocks


def paths_taken(*streams: list[dict[str, Any]]) -> list[str]:
    """Which builder each chunk of `streams`, fed to one accumulator in turn, went through."""
    taken: list[str] = []
    accumulator = StreamAccumulator()
    general, plain = accumulator._general, accumulator._plain
    accumulator._general = lambda chunk: taken.append("general") or general(chunk)  # type: ignore[method-assign]
    accumulator._plain = lambda *args: taken.append("plain") or plain(*args)  # type: ignore[method-assign]
    for objects in streams:
        for chunk in chunks_of(objects):
            accumulator.feed(chunk)
    return taken


def test_text_chunks_take_the_cheap_path_and_others_do_not() -> None:
    assert paths_taken(STREAMS["text"]) == ["plain"] * 4 + ["general"]
    # once thinking or a tool call has come, the message carries it: the general path builds every later chunk
    assert paths_taken(STREAMS["thinking first"], STREAMS["text"]) == ["general"] * 9
    assert paths_taken(STREAMS["tool call mid-stream"]) == ["plain", "general", "general", "general"]
    assert paths_taken(STREAMS["logprobs"]) == ["general", "plain", "general"]


def test_the_final_message_holds_the_whole_text_and_the_usage() -> None:
    accumulator = StreamAccumulator()
    responses = [accumulator.feed(chunk) for chunk in chunks_of(STREAMS["text"])]
    assert [r.message.content for r in responses] == ["The", "The sky", "The sky is", "The sky is blue.",
                                                     "The sky is blue."]
    assert [r.delta for r in responses] == ["The", " sky", " is", " blue.", ""]
    assert responses[-1].raw is not None and responses[-1].raw["usage"]["total_tokens"] == 10
    assert responses[0].raw is not None and responses[0].raw["host"] == responses[-1].raw["host"]
