"""Pure request building and response parsing: exact JSON bodies, stream assembly, catalog lookups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_core import to_json

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    LLMRequest,
    MessageRole,
    ModelCapability,
    OllamaConfig,
    StreamError,
    ToolCall,
    get_model_info,
    get_recommended_models,
)
from cb_ollama_integrations._protocol.chat_request import build_chat_payload
from cb_ollama_integrations._protocol.chat_response import StreamAssembler, parse_chat_response
from cb_ollama_integrations._protocol.embed import build_embed_payload
from cb_ollama_integrations._protocol.models import merge_model_info
from cb_ollama_integrations.catalog import CATALOG

CONFIG = OllamaConfig(default_model="llama2")


def body(request: LLMRequest, stream: bool = False) -> bytes:
    return to_json(build_chat_payload(request, CONFIG, stream=stream))


def test_minimal_body_is_exact_and_stream_is_always_explicit() -> None:
    request = LLMRequest(messages=[ChatMessage(role="user", content="Hi")])
    assert body(request) == (b'{"model":"llama2","messages":[{"role":"user","content":"Hi"}],'
                             b'"stream":false,"keep_alive":"5m"}')
    assert b'"stream":true' in body(request, stream=True)


def test_system_messages_stay_in_messages() -> None:
    request = LLMRequest(model="m", messages=[ChatMessage(role="system", content="S"),
                                              ChatMessage(role=MessageRole.USER, content="U")])
    payload = build_chat_payload(request, CONFIG, stream=False)
    assert payload["messages"][0] == {"role": "system", "content": "S"}
    assert "system" not in payload


def test_options_map_max_tokens_and_keep_zero_and_false() -> None:
    request = LLMRequest(messages=[], temperature=0.0, max_tokens=0, seed=0, stop="END", top_k=5,
                         options={"num_ctx": 2048, "temperature": 0.9, "mirostat": 0}, think=False, truncate=False)
    payload = build_chat_payload(request, CONFIG, stream=False)
    assert payload["options"] == {"num_ctx": 2048, "temperature": 0.0, "mirostat": 0, "num_predict": 0, "top_k": 5,
                                  "seed": 0, "stop": ["END"]}
    assert payload["think"] is False and payload["truncate"] is False


def test_unset_values_are_not_sent() -> None:
    payload = build_chat_payload(LLMRequest(messages=[]), OllamaConfig(keep_alive=None), stream=False)
    assert set(payload) == {"model", "messages", "stream"}


def test_request_keep_alive_overrides_config_and_is_normalised() -> None:
    payload = build_chat_payload(LLMRequest(messages=[], keep_alive="-1"), CONFIG, stream=False)
    assert payload["keep_alive"] == -1
    with pytest.raises(ValidationError, match="keep_alive"):
        LLMRequest(messages=[], keep_alive="forever")


def test_tool_results_carry_the_tool_name_of_their_call() -> None:
    call = ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"})
    request = LLMRequest(messages=[
        ChatMessage(role="user", content="weather?"),
        ChatMessage(role="assistant", content="", tool_calls=[call]),
        ChatMessage(role="tool", content="sunny", tool_call_id="call_1"),
    ], tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {}}}])
    messages = build_chat_payload(request, CONFIG, stream=False)["messages"]
    assert messages[1]["tool_calls"] == [
        {"id": "call_1", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]
    assert messages[2] == {"role": "tool", "content": "sunny", "tool_name": "get_weather", "tool_call_id": "call_1"}


def test_roles_accept_plain_and_upper_case_strings() -> None:
    assert ChatMessage(role="ASSISTANT").role is MessageRole.ASSISTANT
    with pytest.raises(ValidationError):
        ChatMessage(role="wizard")


def test_unknown_request_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="max_token"):
        LLMRequest(messages=[], max_token=5)  # type: ignore[call-arg]


def test_response_parsing_keeps_done_reason_thinking_usage_and_served_model() -> None:
    data = {"model": "qwen3:8b", "created_at": "2025-01-01T00:00:00.123456789Z",
            "message": {"role": "assistant", "content": "4", "thinking": "2+2"},
            "done": True, "done_reason": "length", "prompt_eval_count": 7, "eval_count": 3,
            "total_duration": 123, "load_duration": 5}
    response = parse_chat_response(data, response_id="r1", host="http://h")
    assert response.model == "qwen3:8b" and response.host == "http://h"
    assert response.choices[0].finish_reason == "length"
    assert response.choices[0].message.content == "4" and response.choices[0].message.thinking == "2+2"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens) == (7, 3, 10)
    assert response.metrics.total_duration == 123 and response.metrics.eval_duration is None


@pytest.mark.parametrize("reason", ["load", "unload", "stop"])
def test_load_and_unload_replies_are_recognisable(reason: str) -> None:
    data = {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": reason}
    assert parse_chat_response(data, response_id="r").choices[0].finish_reason == reason


def test_missing_done_reason_means_stop_and_missing_counts_mean_zero() -> None:
    response = parse_chat_response({"model": "m", "message": {"content": "x"}, "done": True}, response_id="r")
    assert response.choices[0].finish_reason == "stop" and response.usage.total_tokens == 0


def test_identical_parallel_tool_calls_are_kept_with_distinct_stable_ids() -> None:
    same = {"function": {"name": "f", "arguments": {"a": 1}}}
    data = {"model": "m", "message": {"content": "", "tool_calls": [same, same]}, "done": True}
    calls = parse_chat_response(data, response_id="r").choices[0].message.tool_calls or []
    assert len(calls) == 2 and calls[0].id != calls[1].id
    again = parse_chat_response(data, response_id="r").choices[0].message.tool_calls or []
    assert [c.id for c in again] == [c.id for c in calls]
    assert calls[0].id == ToolCall.stable_id("f", {"a": 1}, 0)


def test_server_tool_call_ids_win() -> None:
    data = {"model": "m", "message": {"content": "", "tool_calls": [
        {"id": "call_srv", "function": {"index": 0, "name": "f", "arguments": {}}}]}, "done": True}
    assert (parse_chat_response(data, response_id="r").choices[0].message.tool_calls or [])[0].id == "call_srv"


def test_stream_assembler_shares_one_id_and_reports_usage_last() -> None:
    assembler = StreamAssembler()
    first = assembler.feed({"model": "m", "message": {"content": "Hel", "thinking": "hmm"}, "done": False})
    last = assembler.feed({"model": "m", "message": {"content": "lo"}, "done": True, "done_reason": "stop",
                           "prompt_eval_count": 2, "eval_count": 2})
    assembler.finish()
    assert first.id == last.id and first.usage is None and first.choices[0].delta.thinking == "hmm"
    assert last.usage is not None and last.usage.total_tokens == 4 and last.choices[0].finish_reason == "stop"


def test_an_error_line_mid_stream_raises_stream_error_with_the_partial_text() -> None:
    assembler = StreamAssembler(url="http://h/api/chat")
    assembler.feed({"model": "m", "message": {"content": "partial "}, "done": False})
    with pytest.raises(StreamError, match="out of memory") as info:
        assembler.feed({"error": "out of memory"})
    assert info.value.partial_content == "partial " and info.value.url == "http://h/api/chat"


def test_a_stream_without_done_is_an_error() -> None:
    assembler = StreamAssembler()
    assembler.feed({"model": "m", "message": {"content": "cut"}, "done": False})
    with pytest.raises(StreamError, match="before the server sent done") as info:
        assembler.finish()
    assert info.value.partial_content == "cut"


def test_embed_payload_sends_only_what_is_set() -> None:
    request = EmbeddingsRequest(model="all-minilm", input=["a", "b"], dimensions=64, truncate=False)
    assert to_json(build_embed_payload(request, request.texts, CONFIG)) == (
        b'{"model":"all-minilm","input":["a","b"],"dimensions":64,"truncate":false,"keep_alive":"5m"}')
    default = EmbeddingsRequest(input="x")
    assert build_embed_payload(default, default.texts, OllamaConfig(keep_alive=None)) == {
        "model": "nomic-embed-text", "input": ["x"]}


def test_catalog_has_the_original_thirteen_and_the_seed_values() -> None:
    original = ["qwen2.5-coder:3b", "gemma3:4b", "nomic-embed-text:latest", "llama2", "llama2:13b", "llama2:70b",
                "codellama", "codellama:13b", "mistral", "phi", "gemma:2b", "gemma:7b", "llama3"]
    assert all(get_model_info(name) is not None for name in original)
    assert get_model_info("qwen2.5-coder:3b").context_window == 32768  # type: ignore[union-attr]
    assert get_model_info("gemma2:4b").context_window == 8192  # type: ignore[union-attr]
    nomic = get_model_info("nomic-embed-text")
    assert nomic is not None and nomic.supports_streaming is False and nomic.embedding_dimension == 768
    assert nomic.capabilities == [ModelCapability.EMBEDDING]
    phi = CATALOG["phi:latest"]
    assert (phi.context_window, phi.max_output_tokens) == (2048, 1024)


def test_catalog_lookups_normalise_tags_and_fall_back_to_the_family() -> None:
    assert get_model_info("LLAMA2:latest") == get_model_info("llama2")
    family = get_model_info("codellama:7b-instruct")
    assert family is not None and family.source == "family" and family.context_window == 16384
    assert family.id == "codellama:7b-instruct"
    assert get_model_info("totally-unknown") is None


def test_recommendations_are_the_original_lists_and_a_copy() -> None:
    recommended = get_recommended_models()
    assert recommended["chat"] == ["gemma3:4b", "llama3", "llama2"]
    assert recommended["code"][0] == "qwen2.5-coder:3b"
    assert recommended["embeddings"] == ["nomic-embed-text:latest"]
    assert set(recommended) == {"chat", "code", "reasoning", "fast", "quality", "embeddings"}
    recommended["chat"].clear()
    assert get_recommended_models()["chat"]


def test_server_facts_override_the_catalog() -> None:
    show = {"model_info": {"general.architecture": "llama", "llama.context_length": 131072},
            "capabilities": ["completion", "tools", "thinking"], "details": {"quantization_level": "Q4_K_M"}}
    info = merge_model_info("llama2", {"name": "llama2", "size": 10, "details": {"family": "llama"}}, show)
    assert info.context_window == 131072 and info.supports_function_calling and info.installed
    assert ModelCapability.THINKING in info.capabilities and ModelCapability.REASONING in info.capabilities
    assert info.size_bytes == 10 and info.quantization == "Q4_K_M" and info.source == "server"
