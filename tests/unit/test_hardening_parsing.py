"""Every malformed body is a ParseError (a StreamError for an error line mid-stream) with the facts.

Named cases first (each one a body a real misbehaving server or proxy sent), then a fuzz test of every parser
with hypothesis: 120 examples per parser, 13 parsers, 1,560 examples in all (derandomized, so CI is
deterministic), each of which must give a
correct result or a documented error (an LLMError), never a raw TypeError/ValueError/ValidationError.
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    LLMError,
    LLMRequest,
    LLMResponse,
    ModelInfo,
    OllamaClient,
    OllamaConfig,
    ParseError,
)
from cb_ollama_integrations._protocol.chat_response import StreamAssembler, parse_chat_response
from cb_ollama_integrations._protocol.embed import parse_embed_vectors
from cb_ollama_integrations._protocol.json_lines import LineSplitter, parse_json
from cb_ollama_integrations._protocol.models import (
    merge_model_info,
    parse_done_reason,
    parse_running,
    parse_show,
    parse_tags,
    parse_version,
)
from cb_ollama_integrations._protocol.pull import parse_pull_line
from cb_ollama_integrations._protocol.validators import check_answer

HI = LLMRequest(messages=[ChatMessage(role="user", content="hi")])
CHAT = {"model": "m", "created_at": "2026-01-01T00:00:00Z", "done": True, "done_reason": "stop",
        "message": {"role": "assistant", "content": "ok", "thinking": "hm", "images": None,
                    "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]},
        "prompt_eval_count": 3, "eval_count": 2, "total_duration": 10}


def client_answering(status: int, body: bytes, headers: dict[str, str] | None = None) -> OllamaClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers))
    return OllamaClient(OllamaConfig(max_retries=0), transport=transport)


@pytest.mark.parametrize(("status", "body", "headers", "fact"), [
    (200, b'{"error": "model crashed"}', None, "model crashed"),
    (200, b"", None, "empty body"),
    (204, b"", None, "empty body"),
    (301, b"", {"location": "http://elsewhere/api/chat"}, "http://elsewhere/api/chat"),
    (307, b"moved", {"location": "/x"}, "redirects are not followed"),
])
def test_not_an_answer_is_a_parse_error_never_an_empty_success(status: int, body: bytes,
                                                              headers: dict[str, str] | None, fact: str) -> None:
    with client_answering(status, body, headers) as client:
        with pytest.raises(ParseError, match=fact) as info:
            client.chat_completion(HI)
        assert info.value.url == "http://localhost:11434/api/chat"
        if status >= 300:
            with pytest.raises(ParseError, match="redirect"):
                list(client.chat_completion_stream(HI))


def _chat_with(**changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(CHAT))
    for key, value in changes.items():
        if key.startswith("message_"):
            body["message"][key[len("message_"):]] = value
        else:
            body[key] = value
    return body


@pytest.mark.parametrize("body", [
    _chat_with(eval_count=float("nan")), _chat_with(prompt_eval_count=float("inf")), _chat_with(eval_count=-1),
    _chat_with(eval_count=2**64), _chat_with(eval_count="3"), _chat_with(total_duration=True),
    _chat_with(message_tool_calls={"function": {}}), _chat_with(message_tool_calls=["f"]),
    _chat_with(message_tool_calls=[{"function": "f"}]), _chat_with(message_content=7),
    _chat_with(message_images="abc"), _chat_with(message_images=[1]), _chat_with(message_thinking=["x"]),
    _chat_with(created_at=5), _chat_with(model=None, message=[]), _chat_with(done_reason=1),
    _chat_with(message_tool_calls=[{"function": {"name": "f", "arguments": "{not json"}}]),
    _chat_with(message_tool_calls=[{"function": {"name": "f", "arguments": "[1, 2]"}}]),
])
def test_wrongly_typed_chat_values_are_parse_errors(body: dict[str, Any]) -> None:
    with pytest.raises(ParseError) as info:
        parse_chat_response(body, response_id="r", host="http://h:1")
    assert info.value.url == "http://h:1" and "malformed" in info.value.message


def test_numbers_beyond_json_doubles_are_parse_errors() -> None:
    for text in (b'{"eval_count": NaN, "done": true}', b'{"eval_count": 1e999999, "done": true}'):
        with client_answering(200, text) as client, pytest.raises(ParseError, match="eval_count"):
            client.chat_completion(HI)


def test_tool_call_arguments_sent_as_a_json_string_are_decoded() -> None:
    body = _chat_with(message_tool_calls=[{"function": {"name": "f", "arguments": '{"city": "Oslo"}'}}])
    call = parse_chat_response(body, response_id="r").choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.name, call.arguments) == ("f", {"city": "Oslo"})


@pytest.mark.parametrize(("vectors", "dimensions", "fact"), [
    ([[0.1, 0.2], [0.3]], None, "embedding 1 has 1 numbers where the others have 2"),
    ([[0.1, 0.2], [0.3, 0.4]], 3, "dimensions=3 was requested"),
    ([[0.1, "x"], [0.3, 0.4]], None, "not a finite number"),
    ([[0.1, None], [0.3, 0.4]], None, "not a finite number"),
    ([[0.1, [0.2]], [0.3, 0.4]], None, "not a finite number"),
    ([[0.1, float("nan")], [0.3, 0.4]], None, "not a finite number"),
    ([[0.1, True], [0.3, 0.4]], None, "not a finite number"),
    ([[], []], None, "non-empty list"),
    ([[0.1, 0.2]], None, "expected 2 embeddings"),
    ("vectors", None, "expected 2 embeddings"),
])
def test_malformed_embeddings_are_parse_errors(vectors: object, dimensions: int | None, fact: str) -> None:
    with pytest.raises(ParseError, match=fact):
        parse_embed_vectors({"embeddings": vectors}, expected=2, offset=0, url="http://h:1", dimensions=dimensions)


def test_the_client_checks_embeddings_against_the_requested_dimensions() -> None:
    body = json.dumps({"embeddings": [[0.5] * 8]}).encode()
    with client_answering(200, body) as client:
        assert len(client.embeddings(EmbeddingsRequest(input="x", dimensions=8)).data[0].embedding) == 8
        with pytest.raises(ParseError, match="dimensions=4"):
            client.embeddings(EmbeddingsRequest(input="x", dimensions=4))


@pytest.mark.parametrize(("parse", "body"), [
    (parse_tags, {"models": [{"name": 3}]}), (parse_tags, {"models": [{"name": "m", "details": []}]}),
    (parse_tags, {"models": "m"}), (parse_running, {"models": [{"name": "m", "size": "big"}]}),
    (parse_running, {"models": {"name": "m"}}), (parse_running, {"models": [{"name": "m", "expires_at": 1}]}),
    (parse_show, {"model_info": []}), (parse_show, {"details": "x"}), (parse_version, {"version": 1}),
    (parse_done_reason, {"done_reason": []}),
])
def test_mutated_management_bodies_are_parse_errors(parse: Any, body: dict[str, Any]) -> None:
    with pytest.raises(ParseError):
        parse(body, "http://h:1") if parse is parse_running else (parse("m", body) if parse is parse_show
                                                                 else parse(body))


# -- fuzz ---------------------------------------------------------------------------------------------------
EXAMPLES = 120
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=8,
)
KEYS = ["model", "message", "content", "role", "thinking", "images", "tool_calls", "function", "name",
        "arguments", "index", "id", "done", "done_reason", "eval_count", "prompt_eval_count", "total_duration",
        "created_at", "error", "response", "embeddings", "models", "size", "size_vram", "expires_at", "digest",
        "details", "model_info", "capabilities", "version", "status", "total", "completed"]


def _mutated(template: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The template with some values replaced by arbitrary JSON, some keys dropped, some added."""
    return st.builds(
        lambda replace, drop, add: {**{k: v for k, v in {**template, **replace}.items() if k not in drop}, **add},
        st.dictionaries(st.sampled_from(sorted(template)), JSON, max_size=3),
        st.sets(st.sampled_from(sorted(template)), max_size=2),
        st.dictionaries(st.sampled_from(KEYS), JSON, max_size=2),
    )


def _nested_message(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return _mutated(body["message"]).map(lambda message: {**body, "message": message})


FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow])
PS = {"models": [{"name": "m", "size": 1, "size_vram": 1, "context_length": 4096, "expires_at": "t", "digest": "d"}]}
SHOW = {"details": {"family": "llama"}, "capabilities": ["completion"],
        "model_info": {"general.architecture": "llama", "llama.context_length": 8192}}
FUZZED: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "chat": (lambda b: parse_chat_response(b, response_id="r"), _mutated(CHAT) | _nested_message(CHAT)),
    "stream line": (lambda b: StreamAssembler().feed(b), _mutated(CHAT) | _nested_message(CHAT)),
    "embed": (lambda b: parse_embed_vectors(b, expected=1, offset=0, dimensions=2),
              _mutated({"embeddings": [[0.1, 0.2]], "prompt_eval_count": 1})),
    "tags": (parse_tags, _mutated({"models": [{"name": "m", "size": 1, "details": {}}]})),
    "ps": (lambda b: parse_running(b, "http://h:1"), _mutated(PS)),
    "show": (lambda b: parse_show("m", b), _mutated(SHOW)),
    "tags+show": (lambda b: merge_model_info("m", b, b), _mutated({**SHOW, "size": 3})),
    "version": (parse_version, _mutated({"version": "0.24.0"})),
    "load": (parse_done_reason, _mutated({"done_reason": "load"})),
    "pull": (lambda b: parse_pull_line(json.dumps(b).encode(), model="m"),
             _mutated({"status": "pulling", "digest": "d", "total": 2, "completed": 1})),
    "answer": (lambda raw: check_answer(200, raw, url="u"), st.binary(max_size=60)
               | JSON.map(lambda v: json.dumps(v).encode())),
    "json": (parse_json, st.binary(max_size=60) | JSON.map(lambda v: json.dumps(v).encode())),
    "lines": (lambda raw: LineSplitter().feed(raw) + LineSplitter().flush(), st.binary(max_size=200)),
}
RESULTS = (LLMResponse, dict, list, tuple, str, ModelInfo, object)


@pytest.mark.parametrize("name", FUZZED)
def test_every_parser_gives_a_result_or_a_documented_error(name: str) -> None:
    parse, bodies = FUZZED[name]
    outcomes = {"result": 0, "error": 0}

    @FUZZ_SETTINGS
    @given(bodies)
    def check(body: Any) -> None:
        try:
            result = parse(body)
        except LLMError as exc:
            assert exc.message  # a documented error, with its facts
            outcomes["error"] += 1
            return
        outcomes["result"] += 1
        _assert_sane(result)

    check()
    assert sum(outcomes.values()) >= EXAMPLES  # every example ran, and some parsed
    assert outcomes["result"] > 0 or name in ("answer",)


def _assert_sane(result: Any) -> None:
    """A parsed result never carries what the validators refuse: counters are finite, texts are strings."""
    if isinstance(result, LLMResponse):
        usage = result.usage
        assert all(isinstance(n, int) and n >= 0 for n in (usage.prompt_tokens, usage.completion_tokens))
        assert isinstance(result.choices[0].message.content, str)
    if isinstance(result, tuple) and result and isinstance(result[0], list):
        for item in result[0]:
            assert all(math.isfinite(x) for x in item.embedding)
