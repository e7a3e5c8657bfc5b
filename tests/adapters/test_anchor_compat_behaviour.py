"""What ported code and the frameworks themselves pass, honoured: per-call keywords, Ollama's answer fields in
`response_metadata` / `raw`, logprobs, `client_kwargs`, `model_copy` of the connection, and hints that name
the field of the class in hand. The network is a fake Ollama (tests/_anchor_fake.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fakes.anchor_wire import LOGPROB, Wire, install
from langchain_core.messages import AIMessageChunk
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ReActAgent
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, ValidationError

from cb_ollama_integrations.errors import LLMTimeoutError
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, CBOllamaLLM, ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding

ANSWER_FIELDS = ["model", "created_at", "done", "done_reason", "total_duration", "load_duration",
                 "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"]


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    return install(monkeypatch)


class Answer(BaseModel):
    city: str


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# -- response fields ------------------------------------------------------------------------------------------
def test_response_metadata_carries_ollamas_answer_fields_invoke_and_stream(wire: Wire) -> None:
    llm = ChatCBOllama(model="m")
    metadata = llm.invoke("hi").response_metadata
    assert [key for key in metadata if key in ANSWER_FIELDS] == ANSWER_FIELDS
    assert (metadata["eval_count"], metadata["prompt_eval_count"], metadata["done"]) == (1, 3, True)
    assert metadata["created_at"] == "2026-01-01T00:00:00Z" and metadata["model_name"] == "m"
    streamed: Any = None
    for chunk in llm.stream("hi"):
        streamed = chunk if streamed is None else streamed + chunk
    assert isinstance(streamed, AIMessageChunk) and streamed.response_metadata["eval_duration"] == 3


def test_llama_index_raw_carries_ollamas_answer_fields(wire: Wire) -> None:
    raw = CBOllama(model="m").complete("hi").raw
    assert raw is not None and all(key in raw for key in ANSWER_FIELDS)
    assert (raw["eval_count"], raw["done_reason"], raw["usage"]["total_tokens"]) == (1, "stop", 4)
    last = list(CBOllama(model="m").stream_complete("hi"))[-1].raw
    assert last is not None and last["done"] is True and last["prompt_eval_count"] == 3


def test_logprobs_come_back_whole_and_streamed(wire: Wire) -> None:
    wire.logprobs = True
    llm = ChatCBOllama(model="m", top_logprobs=1)
    assert llm.logprobs is True  # top_logprobs implies logprobs, as in langchain-ollama
    assert llm.invoke("hi").response_metadata["logprobs"] == [LOGPROB]
    assert (wire.body()["logprobs"], wire.body()["top_logprobs"]) == (True, 1)
    merged: Any = None
    for chunk in llm.stream("hi"):
        merged = chunk if merged is None else merged + chunk
    assert merged.response_metadata["logprobs"] == [LOGPROB]
    with pytest.raises(ValidationError, match="top_logprobs needs logprobs"):
        ChatCBOllama(model="m", logprobs=False, top_logprobs=2)


# -- per-call keywords ----------------------------------------------------------------------------------------
def test_per_call_think_truncate_and_option_fields_reach_the_wire(wire: Wire) -> None:
    llm = ChatCBOllama(model="m", reasoning=True, mirostat=2)
    llm.invoke("hi", think=False, truncate=False, num_predict=7, tfs_z=1.0)
    body = wire.body()
    assert (body["think"], body["truncate"]) == (False, False)
    assert body["options"] == {"mirostat": 2, "tfs_z": 1.0, "num_predict": 7}
    llm.invoke("hi", options={"num_gpu": 0})  # a per-call `options` replaces the instance's, as in the anchor
    assert wire.body()["options"] == {"num_gpu": 0}


def test_provider_strategy_response_format_becomes_the_json_schema_format(wire: Wire) -> None:
    schema = Answer.model_json_schema()
    response_format = {"type": "json_schema", "json_schema": {"name": "Answer", "schema": schema, "strict": True}}
    ChatCBOllama(model="m").bind_tools([], response_format=response_format).invoke("hi")
    assert wire.body()["format"] == schema and wire.body()["think"] is False
    ChatCBOllama(model="m").invoke("hi", response_format={"type": "json_object"})
    assert wire.body()["format"] == "json"
    with pytest.raises(ValueError, match="not understood"):
        ChatCBOllama(model="m").invoke("hi", response_format={"type": "xml"})


def test_strict_tools_need_a_forced_call_and_parallel_false_keeps_the_first(wire: Wire) -> None:
    llm = ChatCBOllama(model="m")
    with pytest.raises(ValueError, match="strict=True"):
        llm.bind_tools([add], strict=True).invoke("hi")
    wire.tool_calls = [{"function": {"name": "add", "arguments": {"a": 1, "b": 2}}},
                       {"function": {"name": "add", "arguments": {"a": 3, "b": 4}}}]
    assert len(llm.bind_tools([add]).invoke("hi").tool_calls) == 2
    single = llm.bind_tools([add], parallel_tool_calls=False).invoke("hi").tool_calls
    assert [call["args"] for call in single] == [{"a": 1, "b": 2}]


def test_unknown_per_call_keywords_still_raise(wire: Wire) -> None:
    with pytest.raises(TypeError, match="bogus"):
        ChatCBOllama(model="m").invoke("hi", bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        CBOllamaLLM(model="m").invoke("hi", bogus=1)


def test_the_llm_sends_generate_fields_per_call_and_returns_answer_fields(wire: Wire) -> None:
    llm = CBOllamaLLM(model="m", num_predict=5, system="S")
    result = llm.generate(["def f("], suffix="  return x", raw=None, images=["aGk="])
    body = wire.body()
    assert (body["prompt"], body["suffix"], body["system"], body["images"]) == ("def f(", "  return x", "S", ["aGk="])
    assert body["options"] == {"num_predict": 5} and body["stream"] is False
    info = result.generations[0][0].generation_info or {}
    assert (info["eval_count"], info["context"], info["done_reason"]) == (1, [1, 2], "stop")
    assert asyncio.run(llm.ainvoke("x")) == "ok"


def test_num_predict_and_max_tokens_must_agree() -> None:
    assert ChatCBOllama(model="m", num_predict=5, max_tokens=5).max_tokens == 5
    with pytest.raises(TypeError, match="pass only max_tokens"):
        ChatCBOllama(model="m", num_predict=5, max_tokens=6)


def test_a_refused_argument_never_shows_the_secrets_beside_it() -> None:
    with pytest.raises(TypeError) as caught:
        ChatCBOllama(model="m", client_kwargs={"headers": {"Authorization": "Bearer s3cret"}, "proxy": "x"})
    assert "s3cret" not in str(caught.value) and "proxy" in str(caught.value)


# -- client_kwargs and the connection ---------------------------------------------------------------------------
def test_client_kwargs_timeouts_and_verify_map_onto_our_fields() -> None:
    llm = ChatCBOllama(model="m", client_kwargs={"timeout": httpx.Timeout(40.0, connect=3.0), "verify": False})
    assert (llm.timeout, llm.connect_timeout, llm.verify_ssl) == (40.0, 3.0, False)
    assert CBOllama(model="m", client_kwargs={"timeout": 12}).request_timeout == 12.0
    same = {"headers": {"X-A": "1"}}
    assert ChatCBOllama(model="m", sync_client_kwargs=same, async_client_kwargs=same).headers is not None


@pytest.mark.parametrize("make", [
    lambda: ChatCBOllama(model="m", timeout=1500), lambda: CBOllamaEmbeddings(model="m", timeout=1500),
    lambda: CBOllama(model="m", request_timeout=1500), lambda: CBOllamaEmbedding(model_name="m", request_timeout=1500),
])
def test_a_read_timeout_longer_than_the_default_deadline_is_not_cut_at_600_seconds(make: Any) -> None:
    config = make().core_config()
    assert (config.timeout_seconds, config.deadline_seconds) == (1500, 1500)


@pytest.mark.parametrize(("kwargs", "names"), [
    ({"proxy": "http://p:1"}, "HTTPS_PROXY"), ({"auth": ("u", "p")}, "api_key"), ({"verify": "/ca.pem"}, "SSL_CERT"),
    ({"timeout": None}, "timeout"), ({"http2": True}, "not supported"),
])
def test_client_kwargs_without_an_equivalent_are_refused_by_name(kwargs: dict[str, Any], names: str) -> None:
    with pytest.raises(TypeError, match=names):
        CBOllamaEmbeddings(model="m", client_kwargs=kwargs)


def test_model_copy_with_a_new_base_url_talks_to_the_new_host(wire: Wire) -> None:
    llm = ChatCBOllama(model="m", base_url="http://127.0.0.1:9001")
    llm.invoke("hi")
    moved = llm.model_copy(update={"base_url": "http://127.0.0.1:9002"})
    moved.invoke("hi")
    llm.invoke("hi")
    assert [r.url.port for r in wire.requests] == [9001, 9002, 9001]


@pytest.mark.parametrize(("make", "field"), [
    (lambda: ChatCBOllama(model="m", max_retries=0).invoke("hi"), "timeout"),
    (lambda: CBOllamaLLM(model="m", max_retries=0).invoke("hi"), "timeout"),
    (lambda: CBOllamaEmbeddings(model="m", max_retries=0).embed_query("hi"), "timeout"),
    (lambda: CBOllama(model="m", max_retries=0).complete("hi"), "request_timeout"),
    (lambda: CBOllamaEmbedding(model_name="m", max_retries=0).get_query_embedding("hi"), "request_timeout"),
])
def test_the_read_timeout_hint_names_the_field_of_the_class_in_hand(wire: Wire, make: Any, field: str) -> None:
    wire.fail_read = True
    with pytest.raises(LLMTimeoutError, match=rf"raise {field}\)"):
        make()


def test_validate_model_on_init_is_the_only_construction_io(wire: Wire) -> None:
    CBOllamaEmbeddings(model="m")
    assert wire.requests == []
    CBOllamaEmbeddings(model="m", validate_model_on_init=True)
    assert [r.url.path for r in wire.requests] == ["/api/show"]


def test_embedding_options_are_sent_and_null_options_skipped(wire: Wire) -> None:
    CBOllamaEmbeddings(model="m", num_ctx=256, temperature=0.0).embed_documents(["a"])
    assert wire.body()["options"] == {"num_ctx": 256, "temperature": 0.0}
    CBOllamaEmbedding(model_name="m", ollama_additional_kwargs={"num_ctx": 128, "top_k": None}).get_text_embedding("a")
    assert wire.body()["options"] == {"num_ctx": 128}


# -- LlamaIndex agents ------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")  # inside llama-index
def test_is_function_calling_model_decides_which_agent_llama_index_builds() -> None:
    tools = [FunctionTool.from_defaults(add)]
    native = AgentWorkflow.from_tools_or_functions(tools, llm=CBOllama(model="smollm2:135m"))
    react = AgentWorkflow.from_tools_or_functions(tools, llm=CBOllama(model="smollm2:135m",
                                                                      is_function_calling_model=False))
    assert isinstance(next(iter(native.agents.values())), FunctionAgent)
    assert isinstance(next(iter(react.agents.values())), ReActAgent)


def test_a_scheme_less_base_url_means_http_as_in_langchain_ollama(wire: Wire) -> None:
    ChatCBOllama(model="m", base_url="127.0.0.1:9003").invoke("hi")
    assert str(wire.requests[-1].url) == "http://127.0.0.1:9003/api/chat"


def test_llama_index_logprobs_are_top_level_keys_and_come_back_in_raw(wire: Wire) -> None:
    wire.logprobs = True
    raw = CBOllama(model="m", additional_kwargs={"top_logprobs": 1}).complete("hi", logprobs=True).raw
    assert (wire.body()["logprobs"], wire.body()["top_logprobs"]) == (True, 1)
    assert "options" not in wire.body() and raw is not None and raw["logprobs"] == [LOGPROB]


def test_the_llm_streams_async_with_the_answer_fields_on_the_last_chunk(wire: Wire) -> None:
    async def collect() -> list[Any]:
        return [chunk async for chunk in CBOllamaLLM(model="m").astream("hi")]

    assert asyncio.run(collect()) == ["ok"]  # the fake answers one whole object: one chunk, done
    assert wire.body()["stream"] is True


def test_option_fields_win_over_the_same_key_in_options(wire: Wire) -> None:
    ChatCBOllama(model="m", mirostat=2, options={"mirostat": 1, "num_gpu": 0}).invoke("hi")
    assert wire.body()["options"] == {"mirostat": 2, "num_gpu": 0}
