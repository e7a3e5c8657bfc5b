"""ChatCBOllama behaviour the standard suites do not cover, against FAKE Ollama answers (httpx.MockTransport).

Fakes are used where the recording server cannot help (it has no thinking model) or where the exact request
body is the thing under test. Real-server behaviour is in test_langchain_cassettes.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fakes import FakeOllama, chat_object
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, ValidationError

from cb_ollama_integrations import OllamaClient, OllamaConfig, ToolCall
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama

Handler = Callable[[httpx.Request], httpx.Response]


HI = (chat_object("Hi"), chat_object(done=True))


def fake_ollama(*objects: dict[str, Any], handler: Handler | None = None) -> FakeOllama:
    """The shared FAKE Ollama, answering chats with `objects` (default: "Hi")."""
    return FakeOllama(*(objects or HI), handler=handler)


def chat_model(fake: FakeOllama, **fields: Any) -> ChatCBOllama:
    """A ChatCBOllama whose requests all go to `fake`."""
    client = fake.client(default_model="fake-model", keep_alive=None)
    return ChatCBOllama(client=client, **{"model": "fake-model", **fields})


THINKING = (
    chat_object(thinking="Let me "),
    chat_object(thinking="think."),
    chat_object("The answer"),
    chat_object(" is 4."),
    chat_object(done=True),
)


def test_reasoning_is_captured_apart_from_content_even_when_not_requested() -> None:
    fake = fake_ollama(*THINKING)
    reply = chat_model(fake).invoke("2+2?")
    assert reply.content == "The answer is 4."
    assert reply.additional_kwargs["reasoning_content"] == "Let me think."
    assert "think" not in fake.bodies[0]  # reasoning=None: nothing sent, the server decides


def test_streamed_reasoning_chunks_carry_the_thinking_text() -> None:
    fake = fake_ollama(*THINKING)
    chunks = list(chat_model(fake, reasoning=True).stream("2+2?"))
    thoughts = [c.additional_kwargs.get("reasoning_content", "") for c in chunks]
    assert "".join(thoughts) == "Let me think."
    assert "".join(str(c.content) for c in chunks) == "The answer is 4."
    assert fake.bodies[0]["think"] is True


@pytest.mark.parametrize(
    ("instance", "call", "sent"),
    [
        (True, False, False),
        (True, None, True),
        (None, None, "absent"),
        (False, True, True),
        ("high", None, "high"),
    ],
)
def test_per_call_reasoning_overrides_the_instance_and_none_means_not_set(
    instance: Any, call: Any, sent: Any
) -> None:
    fake = fake_ollama()
    chat_model(fake, reasoning=instance).invoke("hi", reasoning=call)
    assert fake.bodies[0].get("think", "absent") == sent


def test_standard_params_reach_the_wire_and_per_call_zero_is_not_dropped() -> None:
    fake = fake_ollama()
    model = chat_model(fake,
        temperature=0.7, max_tokens=12, num_ctx=4096, top_k=5, seed=3, stop=["END"], keep_alive="5m"
    )
    model.invoke("hi", temperature=0, model="other-model")
    body = fake.bodies[0]
    assert body["model"] == "other-model"
    assert body["options"] == {
        "temperature": 0,
        "num_predict": 12,
        "num_ctx": 4096,
        "top_k": 5,
        "seed": 3,
        "stop": ["END"],
    }
    assert body["keep_alive"] == "5m"


def test_per_call_stop_wins_over_the_instance_stop() -> None:
    fake = fake_ollama()
    chat_model(fake, stop=["A"]).invoke("hi", stop=["B"])
    assert fake.bodies[0]["options"]["stop"] == ["B"]


def test_unknown_arguments_raise_instead_of_being_dropped() -> None:
    with pytest.raises(ValidationError, match="num_predictt"):
        ChatCBOllama(model="m", num_predictt=5)
    with pytest.raises(TypeError, match="top_kk"):
        chat_model(fake_ollama()).invoke("hi", top_kk=3)


def _history(weather_id: str, time_id: str) -> list[Any]:
    return [
        SystemMessage("Use tools."),
        HumanMessage("Weather in Paris and time in Oslo?"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "get_weather", "args": {"city": "Paris"}, "id": weather_id},
                {"name": "get_time", "args": {"city": "Oslo"}, "id": time_id},
            ],
        ),
        ToolMessage("12:00", tool_call_id=time_id),
        ToolMessage("sunny", tool_call_id=weather_id),
    ]


def test_tool_results_carry_tool_name_and_call_id_matched_from_the_ai_message() -> None:
    fake = fake_ollama()
    chat_model(fake).invoke(_history("c1", "c2"))
    weather = ToolCall.stable_id("get_weather", {"city": "Paris"}, 0)
    time = ToolCall.stable_id("get_time", {"city": "Oslo"}, 1)
    assert fake.bodies[0]["messages"] == [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Weather in Paris and time in Oslo?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": weather, "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}},
                {"id": time, "function": {"index": 1, "name": "get_time", "arguments": {"city": "Oslo"}}},
            ],
        },
        {"role": "tool", "content": "12:00", "tool_name": "get_time", "tool_call_id": time},
        {"role": "tool", "content": "sunny", "tool_name": "get_weather", "tool_call_id": weather},
    ]


def test_client_generated_tool_call_ids_do_not_change_the_request() -> None:
    fake = fake_ollama()
    chat_model(fake).invoke(_history(str(uuid.uuid4()), str(uuid.uuid4())))
    chat_model(fake).invoke(_history(str(uuid.uuid4()), str(uuid.uuid4())))
    assert fake.requests[0].content == fake.requests[1].content


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


def test_identical_parallel_tool_calls_are_kept_with_distinct_stable_ids() -> None:
    stream = (
        chat_object(tool_calls=[_call("add", a=1, b=2)]),
        chat_object(tool_calls=[_call("add", a=1, b=2)]),
        chat_object(done=True),
    )
    first = chat_model(fake_ollama(*stream)).invoke("add twice")
    again = chat_model(fake_ollama(*stream)).invoke("add twice")
    assert [c["args"] for c in first.tool_calls] == [{"a": 1, "b": 2}, {"a": 1, "b": 2}]
    ids = [c["id"] for c in first.tool_calls]
    assert len(set(ids)) == 2
    assert ids == [c["id"] for c in again.tool_calls]


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_forced_tool_choice_sends_a_schema_and_turns_the_json_answer_into_a_tool_call() -> None:
    fake = fake_ollama(
        chat_object('{"name": "get_weather", '), chat_object('"arguments": {"city": "Paris"}}'), chat_object(done=True)
    )
    reply = chat_model(fake).bind_tools([WEATHER], tool_choice="any").invoke("weather?")
    assert reply.content == ""
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_weather", {"city": "Paris"})]
    body = fake.bodies[0]
    assert body["tools"] == [WEATHER]
    assert body["format"]["properties"]["name"] == {"type": "string", "enum": ["get_weather"]}
    assert body["format"]["properties"]["arguments"] == WEATHER["function"]["parameters"]
    assert body["think"] is False


def test_a_forced_answer_that_is_not_a_tool_call_is_kept_as_text() -> None:
    fake = fake_ollama(chat_object('{"name": "get_wea'), chat_object(done=True))  # cut short, e.g. by max_tokens
    reply = chat_model(fake).bind_tools([WEATHER], tool_choice="get_weather").invoke("weather?")
    assert reply.tool_calls == []
    assert reply.content == '{"name": "get_wea'


def test_tool_choice_auto_and_none() -> None:
    fake = fake_ollama()
    chat_model(fake).bind_tools([WEATHER]).invoke("hi")
    chat_model(fake).bind_tools([WEATHER], tool_choice="none").invoke("hi")
    assert "format" not in fake.bodies[0] and fake.bodies[0]["tools"] == [WEATHER]
    assert "tools" not in fake.bodies[1]
    with pytest.raises(ValueError, match="not among the bound tools"):
        chat_model(fake).bind_tools([WEATHER], tool_choice="get_time").invoke("hi")


class Person(BaseModel):
    name: str
    age: int


def test_structured_output_json_schema_sends_the_schema_and_switches_thinking_off() -> None:
    fake = fake_ollama(chat_object('{"name": "Ada", "age": 36}'), chat_object(done=True))
    result = chat_model(fake).with_structured_output(Person).invoke("Who?")
    assert result == Person(name="Ada", age=36)
    schema = fake.bodies[0]["format"]
    assert schema["properties"] == {"name": {"type": "string"}, "age": {"type": "integer"}}
    assert schema["required"] == ["name", "age"]
    assert fake.bodies[0]["think"] is False


def test_structured_output_keeps_an_explicit_reasoning_choice_and_include_raw() -> None:
    fake = fake_ollama(chat_object('{"name": "Ada"'), chat_object(done=True))
    out = (
        chat_model(fake, reasoning=True)
        .with_structured_output(Person, method="json_mode", include_raw=True)
        .invoke("?")
    )
    assert fake.bodies[0]["format"] == "json" and fake.bodies[0]["think"] is True
    assert out["parsed"] is None and out["parsing_error"] is not None
    assert out["raw"].content == '{"name": "Ada"'


def test_structured_output_function_calling_forces_the_schema_tool() -> None:
    answer = chat_object('{"name": "Person", "arguments": {"name": "Ada", "age": 36}}')
    fake = fake_ollama(answer, chat_object(done=True))
    result = chat_model(fake).with_structured_output(Person, method="function_calling").invoke("Who?")
    assert result == Person(name="Ada", age=36)
    assert fake.bodies[0]["format"]["properties"]["name"]["enum"] == ["Person"]


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_images_from_data_urls_and_v1_blocks_are_sent_as_bare_base64() -> None:
    fake = fake_ollama()
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Describe."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
            {"type": "image", "base64": PIXEL, "mime_type": "image/png"},
        ]
    )
    chat_model(fake).invoke([message])
    assert fake.bodies[0]["messages"] == [{"role": "user", "content": "Describe.", "images": [PIXEL, PIXEL]}]
    with pytest.raises(ValueError, match="not fetched"):
        chat_model(fake).invoke([HumanMessage(content=[{"type": "image_url", "image_url": "https://x/y.png"}])])


def test_final_chunk_carries_usage_and_metadata() -> None:
    chunks = list(chat_model(fake_ollama()).stream("hi"))
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert last.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert last.response_metadata["model_provider"] == "ollama"
    assert last.response_metadata["done_reason"] == "stop"
    assert last.response_metadata["eval_duration"] == 900


SECRET_HEADERS = {"X-Api-Token": "sekrit-header"}


def test_credentials_never_show_in_repr_dumps_or_serialization_but_reach_the_wire() -> None:
    fake = fake_ollama()
    model = ChatCBOllama(
        model="m",
        base_url="http://alice:pa55word@localhost:11434",
        headers=SECRET_HEADERS,
        api_key="sekrit-key",
        max_retries=0,
    )
    shown = [
        repr(model),
        str(model),
        str(model.model_dump()),
        model.model_dump_json(),
        dumps(model),
        json.dumps(dumpd(model)),
        str(model._identifying_params),
    ]
    for text in shown:
        for secret in ("sekrit-header", "sekrit-key", "pa55word", "YWxpY2U6cGE1NXdvcmQ="):
            assert secret not in text
    assert model.base_url == "http://localhost:11434"
    assert model.lc_secrets == {"api_key": "OLLAMA_API_KEY"}
    config = model.core_config()
    wired = OllamaClient(config, transport=httpx.MockTransport(fake))
    with wired:
        ChatCBOllama(model="m", client=wired).invoke("hi")
    assert fake.requests[0].headers["X-Api-Token"] == "sekrit-header"
    assert fake.requests[0].headers["Authorization"] == "Basic YWxpY2U6cGE1NXdvcmQ="


def test_construction_and_profile_do_no_io_and_the_client_is_built_from_the_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_DEFAULT_MODEL", "smollm2:135m")
    model = ChatCBOllama(base_url="http://127.0.0.1:9", timeout=12, max_retries=1, verify_ssl=False)
    assert model.model == "smollm2:135m"  # read at construction
    assert model.profile is not None and model.profile["max_input_tokens"] == 8192
    assert model.profile["tool_calling"] is True and model.profile["reasoning_output"] is False
    config = model.core_config()
    assert (config.base_url, config.timeout_seconds, config.max_retries, config.verify_ssl) == (
        "http://127.0.0.1:9",
        12,
        1,
        False,
    )
    assert config.default_model == "smollm2:135m"
    assert model.core_client() is model.core_client()
    model.close()


def test_base_urls_and_routing_strategy_reach_the_core_config() -> None:
    model = ChatCBOllama(
        model="m", base_urls=["http://a:11434", "http://b:11434"], routing_strategy="load_balanced"
    )
    config = model.core_config()
    assert config.hosts == ("http://a:11434", "http://b:11434")
    assert config.routing_strategy.value == "load_balanced"


def test_refresh_profile_reads_the_live_show_answer() -> None:
    show = {
        "capabilities": ["completion", "tools", "thinking"],
        "model_info": {"qwen3.context_length": 40960},
        "details": {"family": "qwen3"},
    }
    fake = fake_ollama(handler=lambda request: httpx.Response(200, json=show))
    model = chat_model(fake)
    profile = model.refresh_profile()
    assert fake.requests[0].url.path == "/api/show"
    assert model.profile == profile
    assert profile["reasoning_output"] is True and profile["tool_calling"] is True


def test_async_paths_use_the_same_converter_and_survive_two_event_loops() -> None:
    fake = fake_ollama(*THINKING)
    model = chat_model(fake)
    first = asyncio.run(model.ainvoke("2+2?"))
    second = asyncio.run(model.ainvoke("2+2?"))
    assert first.content == second.content == "The answer is 4."
    assert second.additional_kwargs["reasoning_content"] == "Let me think."


def test_importing_without_langchain_core_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['langchain_core'] = None\n"
        "try:\n    import cb_ollama_integrations.langchain\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert "pip install 'cb-ollama-integrations[langchain]'" in out.stdout


def test_the_default_model_follows_an_injected_config_or_client() -> None:
    config = OllamaConfig(default_model="from-config", embedding_model="embed-from-config")
    assert ChatCBOllama(config=config).model == "from-config"
    with OllamaClient(config) as client:
        assert ChatCBOllama(client=client).model == "from-config"
        assert CBOllamaEmbeddings(client=client).model == "embed-from-config"


def test_invoke_is_one_non_streamed_request_and_stream_streams() -> None:
    fake = fake_ollama(*THINKING)
    whole = chat_model(fake, reasoning=True).invoke("2+2?")
    streamed = list(chat_model(fake, reasoning=True).stream("2+2?"))
    forced = chat_model(fake, reasoning=True, streaming=True).invoke("2+2?")
    assert [b["stream"] for b in fake.bodies] == [False, True, True]
    assert whole.content == forced.content == "".join(str(c.content) for c in streamed) == "The answer is 4."
    assert whole.additional_kwargs["reasoning_content"] == "Let me think."
    assert whole.usage_metadata == forced.usage_metadata == {"input_tokens": 7, "output_tokens": 3,
                                                             "total_tokens": 10}
    assert whole.response_metadata["done_reason"] == "stop"
