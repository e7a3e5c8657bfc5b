"""Parsing conformance: every chat/generate/embed/show/tags answer that real Ollama servers sent to other
projects (../shared/reference/recordings, read in place) parses into the right types."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from _recordings import RECORDINGS, Exchange, exchanges

from cb_ollama_integrations import ModelCapability
from cb_ollama_integrations._protocol.chat_response import StreamAssembler, parse_chat_response
from cb_ollama_integrations._protocol.embed import parse_embed_vectors
from cb_ollama_integrations._protocol.json_lines import LineSplitter
from cb_ollama_integrations._protocol.models import merge_model_info, parse_tags
from cb_ollama_integrations._protocol.status import error_for_status
from cb_ollama_integrations.errors import InvalidRequestError, ModelNotFoundError

pytestmark = [
    pytest.mark.recordings,
    pytest.mark.skipif(not RECORDINGS.is_dir(), reason="../shared/reference/recordings is not beside the repo"),
]
ALL = exchanges() if RECORDINGS.is_dir() else []


def objects(body: bytes) -> list[dict[str, Any]]:
    splitter = LineSplitter()
    lines = splitter.feed(body) + splitter.flush()
    return [json.loads(line) for line in lines]


def kind(exchange: Exchange, first: dict[str, Any]) -> str:
    if "message" in first or "response" in first:
        return "completion"
    if "embeddings" in first:
        return "embed"
    if "model_info" in first or "modelfile" in first:
        return "show"
    if "models" in first:
        return "tags"
    return "other"


def field(obj: dict[str, Any], key: str) -> Any:
    """A message field of a chat object, or the same field of a /api/generate object (`response` = content)."""
    if "message" in obj:
        return obj["message"].get(key)
    return obj.get("response" if key == "content" else key)


def by_kind(name: str) -> list[Exchange]:
    return [e for e in ALL if e.status == 200 and kind(e, objects(e.body)[0]) == name]


def ids(items: list[Exchange]) -> list[str]:
    return [f"{e.source[:60]}:{e.path}" for e in items]


def test_the_recordings_cover_every_endpoint() -> None:
    assert {k for e in ALL if e.status == 200 for k in [kind(e, objects(e.body)[0])]} >= {
        "completion", "embed", "show", "tags"}


@pytest.mark.parametrize("exchange", by_kind("completion"), ids=ids(by_kind("completion")))
def test_completion_answers_parse(exchange: Exchange) -> None:
    raw = objects(exchange.body)
    final = raw[-1]
    assert final["done"] is True
    expected_text = "".join(field(o, "content") or "" for o in raw)
    expected_thinking = "".join(field(o, "thinking") or "" for o in raw)
    expected_calls = [c for o in raw for c in (field(o, "tool_calls") or [])]
    leading_block = re.match(r"\s*<think>(.*?)</think>\s*(.*)", expected_text, re.S)
    if not expected_thinking and leading_block:  # a model that wrote its reasoning into the answer
        expected_thinking, expected_text = leading_block.group(1), leading_block.group(2)
    if len(raw) == 1:
        response = parse_chat_response(final, response_id="r")
        message, usage, reason = response.choices[0].message, response.usage, response.choices[0].finish_reason
        text, thinking, calls = message.content, message.thinking or "", message.tool_calls or []
    else:
        assembler = StreamAssembler()
        chunks = [assembler.feed(o) for o in raw]
        assembler.finish()
        assert len({c.id for c in chunks}) == 1
        text = "".join(c.choices[0].delta.content for c in chunks)
        thinking = "".join(c.choices[0].delta.thinking or "" for c in chunks)
        calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
        usage, reason = chunks[-1].usage, chunks[-1].choices[0].finish_reason
        assert usage is not None and all(c.usage is None for c in chunks[:-1])
    assert text == expected_text
    assert thinking == expected_thinking
    if expected_thinking:
        assert expected_thinking not in text  # thinking is kept apart from the answer
    assert [c.name for c in calls] == [c["function"]["name"] for c in expected_calls]
    assert [c.arguments for c in calls] == [c["function"]["arguments"] for c in expected_calls]
    assert len({c.id for c in calls}) == len(calls)  # each call has its own id, even identical ones
    assert usage.prompt_tokens == final.get("prompt_eval_count", 0)
    assert usage.completion_tokens == final.get("eval_count", 0)
    assert reason == (final.get("done_reason") or "stop")


@pytest.mark.parametrize("exchange", by_kind("embed"), ids=ids(by_kind("embed")))
def test_embed_answers_parse(exchange: Exchange) -> None:
    data = objects(exchange.body)[0]
    items, usage = parse_embed_vectors(data, expected=len(data["embeddings"]), offset=0)
    assert [i.index for i in items] == list(range(len(data["embeddings"])))
    assert all(i.embedding == v for i, v in zip(items, data["embeddings"], strict=True))
    assert usage.prompt_tokens == data.get("prompt_eval_count", 0)


@pytest.mark.parametrize("exchange", by_kind("show"), ids=ids(by_kind("show")))
def test_show_answers_parse(exchange: Exchange) -> None:
    data = objects(exchange.body)[0]
    info = merge_model_info("some-model:tag", None, data)
    model_info = data.get("model_info") or {}
    arch = model_info.get("general.architecture")
    if arch and f"{arch}.context_length" in model_info:
        assert info.context_window == model_info[f"{arch}.context_length"]
    caps = data.get("capabilities") or []
    assert (ModelCapability.TOOLS in info.capabilities) == ("tools" in caps)
    assert (ModelCapability.EMBEDDING in info.capabilities) == ("embedding" in caps)
    assert info.quantization == (data.get("details") or {}).get("quantization_level")


@pytest.mark.parametrize("exchange", by_kind("tags"), ids=ids(by_kind("tags")))
def test_tags_answers_parse(exchange: Exchange) -> None:
    data = objects(exchange.body)[0]
    assert [t["name"] for t in parse_tags(data)] == [m["name"] for m in data["models"]]


ERRORS = [e for e in ALL if e.status >= 400]


@pytest.mark.parametrize("exchange", ERRORS, ids=ids(ERRORS))
def test_error_answers_map_to_classes(exchange: Exchange) -> None:
    error = error_for_status(exchange.status, exchange.body, method="POST", url="http://h" + str(exchange.path))
    assert error.status_code == exchange.status
    assert error.server_message == json.loads(exchange.body)["error"]
    assert isinstance(error, {400: InvalidRequestError, 404: ModelNotFoundError}[exchange.status])
