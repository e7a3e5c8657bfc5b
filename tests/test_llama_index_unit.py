"""CBOllama / CBOllamaEmbedding without a server: exact request bodies through httpx.MockTransport fakes.

Every `fake_*` here is a fake Ollama (an httpx.MockTransport handler), used for what the real tiny models
cannot show (thinking, parallel identical tool calls) and to assert exact wire bodies.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, MessageRole, TextBlock, ToolCallBlock
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from cb_ollama_integrations import OllamaClient, OllamaConfig
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding
from cb_ollama_integrations.llama_index._convert import to_core_message
from cb_ollama_integrations.llama_index._tools import parse_required_tool_calls, required_tool_format

Handler = Callable[[httpx.Request], httpx.Response]
SECRET = "Bearer sk-very-secret-token"


def done_body(content: str = "ok", **message: Any) -> dict[str, Any]:
    return {"model": "fake", "message": {"role": "assistant", "content": content, **message}, "done": True,
            "done_reason": "stop", "prompt_eval_count": 7, "eval_count": 3, "total_duration": 123456}


class FakeOllama:
    """A fake Ollama: records every request body and answers with canned JSON (or NDJSON lines)."""

    def __init__(self, reply: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        self.reply = reply if reply is not None else done_body()
        self.bodies: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = json.loads(request.content) if request.content else {}
        self.bodies.append(body)
        if request.url.path == "/api/embed":
            return httpx.Response(200, json={"embeddings": [[0.1, 0.2] for _ in body["input"]],
                                             "prompt_eval_count": len(body["input"])})
        if isinstance(self.reply, list):
            lines = "".join(json.dumps(line) + "\n" for line in self.reply)
            return httpx.Response(200, content=lines.encode())
        return httpx.Response(200, json=self.reply)


def fake_client(handler: Handler, **config: Any) -> OllamaClient:
    transport = httpx.MockTransport(handler)
    return OllamaClient(OllamaConfig(max_retries=0, **config), transport=transport, async_transport=transport)


@pytest.fixture
def fake() -> FakeOllama:
    return FakeOllama()


@pytest.fixture
def make_llm(fake: FakeOllama) -> Iterator[Callable[..., CBOllama]]:
    clients: list[OllamaClient] = []

    def make(**fields: Any) -> CBOllama:
        client = fake_client(fake)
        clients.append(client)
        return CBOllama(client=client, **{"model": "fake", **fields})

    yield make
    for client in clients:
        client.close()


USER = [ChatMessage(role="user", content="Hi")]


# -- request bodies: None means unset, False is a value ------------------------------------------------------
def test_defaults_send_only_model_messages_stream_and_keep_alive(make_llm: Callable[..., CBOllama],
                                                                   fake: FakeOllama) -> None:
    make_llm().chat(USER)
    assert fake.bodies == [{"model": "fake", "messages": [{"role": "user", "content": "Hi"}], "stream": False,
                            "keep_alive": "5m"}]


def test_per_call_think_false_overrides_instance_thinking(make_llm: Callable[..., CBOllama],
                                                          fake: FakeOllama) -> None:
    llm = make_llm(thinking=True)
    llm.chat(USER, think=False)
    llm.chat(USER, think=None)  # None = not given: the instance value applies
    llm.chat(USER)
    assert [b["think"] for b in fake.bodies] == [False, True, True]


def test_thinking_unset_sends_no_think_and_levels_pass_through(make_llm: Callable[..., CBOllama],
                                                               fake: FakeOllama) -> None:
    make_llm().chat(USER)
    make_llm(thinking="high").chat(USER)
    make_llm(thinking=False).chat(USER)
    assert "think" not in fake.bodies[0]
    assert fake.bodies[1]["think"] == "high"
    assert fake.bodies[2]["think"] is False


def test_options_fields_additional_kwargs_and_per_call_values(make_llm: Callable[..., CBOllama],
                                                             fake: FakeOllama) -> None:
    llm = make_llm(temperature=0.0, max_tokens=5, context_window=2048, json_mode=True, keep_alive=-1,
                   additional_kwargs={"mirostat": 2, "truncate": False})
    llm.chat(USER, top_k=3, stop=["\n"], options={"seed": 7}, temperature=0.5)
    body = fake.bodies[0]
    assert body["options"] == {"mirostat": 2, "seed": 7, "temperature": 0.5, "num_predict": 5,
                               "num_ctx": 2048, "top_k": 3, "stop": ["\n"]}
    assert body["format"] == "json"
    assert body["keep_alive"] == -1
    assert body["truncate"] is False


def test_messages_roles_images_and_tool_history_on_the_wire(make_llm: Callable[..., CBOllama],
                                                           fake: FakeOllama) -> None:
    png = b"\x89PNG\r\n\x1a\nfake-image-bytes"
    history = [
        ChatMessage(role=MessageRole.DEVELOPER, content="Be brief."),
        ChatMessage(role="user", blocks=[TextBlock(text="Look"), ImageBlock(image=png),
                                         TextBlock(text="here")]),
        ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id="call_1", tool_name="get_weather",
                                                            tool_kwargs={"city": "Paris"})]),
        ChatMessage(role="tool", content="sunny", additional_kwargs={"tool_call_id": "call_1"}),
    ]
    make_llm().chat(history)
    assert fake.bodies[0]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Look\nhere", "images": [base64.b64encode(png).decode()]},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_1",
             "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "sunny", "tool_name": "get_weather", "tool_call_id": "call_1"},
    ]


def test_legacy_tool_calls_in_additional_kwargs_get_stable_ids() -> None:
    legacy = ChatMessage(role="assistant", content="", additional_kwargs={
        "tool_calls": [{"function": {"name": "add", "arguments": {"a": 1}}}] * 2})
    first, second = to_core_message(legacy), to_core_message(legacy)
    assert first.tool_calls is not None and len(first.tool_calls) == 2
    assert first.tool_calls[0].id != first.tool_calls[1].id
    assert first == second  # deterministic: cassettes match byte for byte


# -- responses -----------------------------------------------------------------------------------------
def test_usage_and_durations_in_raw_and_additional_kwargs(make_llm: Callable[..., CBOllama]) -> None:
    response = make_llm().chat(USER)
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert response.raw is not None and response.raw["usage"] == usage
    assert response.raw["total_duration"] == 123456 and response.raw["done_reason"] == "stop"
    assert response.additional_kwargs == usage
    assert make_llm().complete("Hi").raw["usage"] == usage  # type: ignore[index]


def line(content: str = "", done: bool = False, **message: Any) -> dict[str, Any]:
    """One NDJSON object of a fake stream."""
    data = {"model": "fake", "message": {"role": "assistant", "content": content, **message}, "done": done}
    return {**data, "done_reason": "stop", "prompt_eval_count": 4, "eval_count": 5} if done else data


THINKING_STREAM = [line(thinking="Let me"), line(thinking=" think."), line("Blue."), line(done=True)]


def test_thinking_only_chunks_are_streamed_not_dropped() -> None:
    with fake_client(FakeOllama(THINKING_STREAM)) as client:
        chunks = list(CBOllama(client=client, model="fake", thinking=True).stream_chat(USER))
    assert [c.additional_kwargs.get("thinking_delta") for c in chunks[:3]] == ["Let me", " think.", None]
    assert [c.delta for c in chunks] == ["", "", "Blue.", ""]
    final = chunks[-1].message
    assert final.content == "Blue."
    assert final.blocks[0].block_type == "thinking" and final.blocks[0].content == "Let me think."
    assert chunks[-1].raw is not None and chunks[-1].raw["usage"]["total_tokens"] == 9


async def test_thinking_deltas_in_async_stream_and_completion() -> None:
    with fake_client(FakeOllama(THINKING_STREAM)) as client:
        llm = CBOllama(client=client, model="fake")
        chunks = [c async for c in await llm.astream_chat(USER)]
        completions = [c async for c in await llm.astream_complete("Hi")]
        await client.aclose()
    assert "".join(c.additional_kwargs.get("thinking_delta", "") for c in chunks) == "Let me think."
    assert completions[-1].text == "Blue."


def _identical_calls() -> list[dict[str, Any]]:
    return [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}] * 2


def test_parallel_identical_tool_calls_are_all_kept_with_distinct_ids() -> None:
    with fake_client(FakeOllama(done_body("", tool_calls=_identical_calls()))) as client:
        llm = CBOllama(client=client, model="fake")
        response = llm.chat(USER)
        selections = llm.get_tool_calls_from_response(response)
    assert [s.tool_name for s in selections] == ["get_weather", "get_weather"]
    assert [s.tool_kwargs for s in selections] == [{"city": "Paris"}] * 2
    assert selections[0].tool_id != selections[1].tool_id
    assert "get_weather" not in (selections[0].tool_id, selections[1].tool_id)


def test_streamed_identical_tool_calls_are_not_deduplicated() -> None:
    call = _identical_calls()[0]
    lines = [line(tool_calls=[call]), line(tool_calls=[call]), line(done=True)]
    with fake_client(FakeOllama(lines)) as client:
        llm = CBOllama(client=client, model="fake")
        final = list(llm.stream_chat(USER))[-1]
        selections = llm.get_tool_calls_from_response(final)
    assert len(selections) == 2 and selections[0].tool_id != selections[1].tool_id


def test_server_tool_call_ids_are_kept_and_no_call_raises_only_when_asked() -> None:
    calls = [{"id": "call_srv", "function": {"name": "add", "arguments": {"a": 1, "b": 2}}}]
    with fake_client(FakeOllama(done_body("", tool_calls=calls))) as client:
        llm = CBOllama(client=client, model="fake")
        assert llm.get_tool_calls_from_response(llm.chat(USER))[0].tool_id == "call_srv"
    with fake_client(FakeOllama(done_body("just prose"))) as client:
        llm = CBOllama(client=client, model="fake")
        prose = llm.chat(USER)
        assert llm.get_tool_calls_from_response(prose, error_on_no_tool_call=False) == []
        with pytest.raises(ValueError, match="just prose"):
            llm.get_tool_calls_from_response(prose)


def test_required_tool_schema_and_its_parsing() -> None:
    specs = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in "ab"]
    single = required_tool_format(specs, allow_parallel=False)
    assert [option["properties"]["name"]["enum"] for option in single["anyOf"]] == [["a"], ["b"]]
    parallel = required_tool_format(specs, allow_parallel=True)["properties"]["tool_calls"]
    assert parallel["items"] == single and parallel["minItems"] == 1
    one = parse_required_tool_calls('{"name": "a", "arguments": {"x": 1}}\n\t ', ["a", "b"])
    assert [(c.name, c.arguments) for c in one] == [("a", {"x": 1})]
    two = parse_required_tool_calls('{"tool_calls": [{"name": "b", "arguments": {}}] }'.replace(
        "]", ', {"name": "b", "arguments": {}}]'), ["a", "b"])
    assert [c.name for c in two] == ["b", "b"] and two[0].id != two[1].id
    assert parse_required_tool_calls('{"name": "a", "argum', ["a"]) == []  # cut short: stays text
    assert parse_required_tool_calls('{"name": "zzz", "arguments": {}}', ["a"]) == []


def test_tool_required_in_chat_forces_a_schema_and_parses_the_call(make_llm: Callable[..., CBOllama],
                                                                  fake: FakeOllama) -> None:
    spec = {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}
    fake.reply = done_body('{"name": "add", "arguments": {"a": 1, "b": 2}}')
    llm = make_llm()
    response = llm.chat(USER, tools=[spec], tool_required=True)
    assert fake.bodies[0]["format"] == required_tool_format([spec], allow_parallel=False)
    assert fake.bodies[0]["think"] is False and fake.bodies[0]["tools"] == [spec]
    assert response.message.content == ""
    assert [(s.tool_name, s.tool_kwargs) for s in llm.get_tool_calls_from_response(response)] == [
        ("add", {"a": 1, "b": 2})]


class Colour(BaseModel):
    name: str


def test_structured_output_sends_the_schema_and_disables_thinking(make_llm: Callable[..., CBOllama],
                                                                  fake: FakeOllama) -> None:
    fake.reply = done_body('{"name": "red"}')
    answer = make_llm().structured_predict(Colour, PromptTemplate("Name a {thing}."), thing="colour")
    assert answer.name == "red"
    make_llm(thinking="low").structured_predict(Colour, PromptTemplate("Name a colour."))
    assert fake.bodies[0]["format"] == Colour.model_json_schema()
    assert fake.bodies[0]["think"] is False
    assert fake.bodies[0]["messages"] == [{"role": "user", "content": "Name a colour."}]
    assert fake.bodies[1]["think"] == "low"  # the user asked for thinking: left alone


# -- metadata, configuration, secrets ----------------------------------------------------------------------
def fake_that_fails(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"metadata must not do network I/O, but it sent {request.method} {request.url}")


async def test_metadata_does_no_network_io_even_inside_an_event_loop() -> None:
    with fake_client(fake_that_fails) as client:
        known = CBOllama(client=client, model="smollm2:135m").metadata
        unknown = CBOllama(client=client, model="my-model:7b", context_window=1234, max_tokens=99).metadata
        no_tools = CBOllama(client=client, model="gemma3:270m").metadata
    assert (known.context_window, known.is_chat_model, known.is_function_calling_model) == (8192, True, True)
    assert known.model_name == "smollm2:135m"
    assert (unknown.context_window, unknown.num_output) == (1234, 99)
    assert no_tools.is_function_calling_model is False


def test_refresh_metadata_reads_the_server_when_asked() -> None:
    show = {"capabilities": ["completion"], "model_info": {"general.architecture": "llama",
                                                           "llama.context_length": 2048}}
    fake = FakeOllama(show)
    with fake_client(fake) as client:
        llm = CBOllama(client=client, model="my-own-model:7b")
        assert llm.metadata.is_function_calling_model is True and fake.bodies == []
        refreshed = llm.refresh_metadata()
    assert (refreshed.context_window, refreshed.is_function_calling_model) == (2048, False)
    assert fake.requests[0].url.path == "/api/show"


def test_base_url_none_honours_ollama_host_and_timeouts_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:1234")
    monkeypatch.setenv("OLLAMA_DEFAULT_MODEL", "qwen3:latest")
    llm = CBOllama(request_timeout=42, connect_timeout=3)
    assert llm.model == "qwen3:latest"
    config = llm.client.config
    assert (config.base_url, config.timeout_seconds, config.connect_timeout_seconds) == (
        "http://gpu-box:1234", 42, 3)
    explicit = CBOllama(model="m", base_urls=["http://a:1", "http://b:2"], routing_strategy="load_balanced")
    assert explicit.client.config.hosts == ("http://a:1", "http://b:2")
    llm.close()
    explicit.close()


def test_headers_are_sent_but_never_serialized_or_shown() -> None:
    fake = FakeOllama()
    llm = CBOllama(model="fake", headers={"Authorization": SECRET})
    embed = CBOllamaEmbedding(model_name="fake", headers={"Authorization": SECRET})
    for component in (llm, embed):
        for text in (repr(component), str(component), component.to_json(), json.dumps(component.to_dict())):
            assert "sk-very-secret" not in text
    assert llm.headers is not None and llm.headers["Authorization"].get_secret_value() == SECRET
    clone = CBOllama.from_json(llm.to_json())
    assert clone.model == "fake" and clone.headers is None
    with fake_client(fake, custom_headers=llm.headers) as client:
        CBOllama(client=client, model="fake").chat(USER)
    assert fake.requests[0].headers["authorization"] == SECRET


def test_import_without_llama_index_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n.startswith("cb_ollama_integrations.llama_index")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "llama_index.core", None)
    with pytest.raises(ImportError, match=r"pip install 'cb-ollama-integrations\[llama-index\]'"):
        importlib.import_module("cb_ollama_integrations.llama_index")


# -- embeddings --------------------------------------------------------------------------------------------
@pytest.fixture
def make_embed(fake: FakeOllama) -> Iterator[Callable[..., CBOllamaEmbedding]]:
    clients: list[OllamaClient] = []

    def make(**fields: Any) -> CBOllamaEmbedding:
        client = fake_client(fake, embed_batch_size=fields.get("embed_batch_size", 1000))
        clients.append(client)
        return CBOllamaEmbedding(client=client, **fields)

    yield make
    for client in clients:
        client.close()


def test_ten_thousand_texts_take_ten_requests(make_embed: Callable[..., CBOllamaEmbedding],
                                              fake: FakeOllama) -> None:
    vectors = make_embed(model_name="all-minilm").get_text_embedding_batch([f"t{i}" for i in range(10_000)])
    assert len(vectors) == 10_000 and len(fake.bodies) == 10
    assert all(len(body["input"]) == 1000 for body in fake.bodies)


async def test_async_batches_with_workers(make_embed: Callable[..., CBOllamaEmbedding],
                                          fake: FakeOllama) -> None:
    embed = make_embed(model_name="all-minilm", embed_batch_size=2, num_workers=2)
    vectors = await embed.aget_text_embedding_batch(["a", "b", "c", "d", "e"])
    assert len(vectors) == 5
    assert sorted(len(b["input"]) for b in fake.bodies) == [1, 2, 2]


def test_nomic_prefixes_by_default_overridable_and_switchable_off(
    make_embed: Callable[..., CBOllamaEmbedding], fake: FakeOllama
) -> None:
    make_embed(model_name="nomic-embed-text").get_query_embedding("q")
    make_embed(model_name="nomic-embed-text:latest").get_text_embedding("d")
    make_embed(model_name="nomic-embed-text", query_instruction="").get_query_embedding("q")
    make_embed(model_name="all-minilm").get_query_embedding("q")
    make_embed(model_name="all-minilm", text_instruction="passage: ").get_text_embedding("d")
    assert [b["input"] for b in fake.bodies] == [["search_query: q"], ["search_document: d"], ["q"], ["q"],
                                                 ["passage: d"]]


def test_embed_body_carries_dimensions_truncate_keep_alive(make_embed: Callable[..., CBOllamaEmbedding],
                                                          fake: FakeOllama) -> None:
    embed = make_embed(model_name="all-minilm", dimensions=64, truncate=False, keep_alive="1h")
    embed.get_query_embedding("q")
    make_embed(model_name="all-minilm").get_query_embedding("q")
    assert fake.bodies[0] == {"model": "all-minilm", "input": ["q"], "dimensions": 64, "truncate": False,
                              "keep_alive": "1h"}
    assert fake.bodies[1] == {"model": "all-minilm", "input": ["q"], "keep_alive": "5m"}


def test_embedding_model_defaults_to_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_EMBEDDING_MODEL", "mxbai-embed-large")
    assert CBOllamaEmbedding().model_name == "mxbai-embed-large"
    monkeypatch.delenv("OLLAMA_EMBEDDING_MODEL")
    assert CBOllamaEmbedding().model_name == OllamaConfig().embedding_model
