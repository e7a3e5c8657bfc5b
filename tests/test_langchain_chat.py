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
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, ValidationError

from cb_ollama_integrations import OllamaClient, OllamaConfig, ToolCall
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama

Handler = Callable[[httpx.Request], httpx.Response]


def ndjson(*objects: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def line(content: str = "", *, done: bool = False, **message: Any) -> dict[str, Any]:
    """One FAKE /api/chat stream object, shaped like Ollama's."""
    data: dict[str, Any] = {
        "model": "fake-model",
        "message": {"role": "assistant", "content": content, **message},
        "done": done,
    }
    if done:
        data.update(
            done_reason="stop", prompt_eval_count=7, eval_count=3, total_duration=5000, eval_duration=900
        )
    return data


def aggregate(objects: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """What Ollama sends for stream=false: the last object's metadata, the messages' parts concatenated."""
    merged: dict[str, Any] = {**objects[-1], "message": {"role": "assistant", "content": ""}}
    for obj in objects:
        for key, value in obj["message"].items():
            if key in ("content", "thinking"):
                merged["message"][key] = merged["message"].get(key, "") + value
            elif key == "tool_calls":
                merged["message"].setdefault("tool_calls", []).extend(value)
    return merged


class FakeOllama:
    """A FAKE Ollama: records every request body and answers from fixed stream objects (or a handler),
    as NDJSON for stream=true and as one aggregated object for stream=false, like the real server."""

    def __init__(self, *objects: dict[str, Any], handler: Handler | None = None) -> None:
        self.objects = objects or (line("Hi"), line(done=True))
        self.body = ndjson(*self.objects)
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is not None:
            return self.handler(request)
        if json.loads(request.content).get("stream") is False:
            return httpx.Response(200, json=aggregate(self.objects))
        return httpx.Response(200, content=self.body)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def model(self, **fields: Any) -> ChatCBOllama:
        config = OllamaConfig(default_model="fake-model", max_retries=0, keep_alive=None)
        client = OllamaClient(
            config, transport=httpx.MockTransport(self), async_transport=httpx.MockTransport(self)
        )
        return ChatCBOllama(client=client, **{"model": "fake-model", **fields})


THINKING = (
    line(thinking="Let me "),
    line(thinking="think."),
    line("The answer"),
    line(" is 4."),
    line(done=True),
)


def test_reasoning_is_captured_apart_from_content_even_when_not_requested() -> None:
    fake = FakeOllama(*THINKING)
    reply = fake.model().invoke("2+2?")
    assert reply.content == "The answer is 4."
    assert reply.additional_kwargs["reasoning_content"] == "Let me think."
    assert "think" not in fake.bodies[0]  # reasoning=None: nothing sent, the server decides


def test_streamed_reasoning_chunks_carry_the_thinking_text() -> None:
    fake = FakeOllama(*THINKING)
    chunks = list(fake.model(reasoning=True).stream("2+2?"))
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
    fake = FakeOllama()
    fake.model(reasoning=instance).invoke("hi", reasoning=call)
    assert fake.bodies[0].get("think", "absent") == sent


def test_standard_params_reach_the_wire_and_per_call_zero_is_not_dropped() -> None:
    fake = FakeOllama()
    model = fake.model(
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
    fake = FakeOllama()
    fake.model(stop=["A"]).invoke("hi", stop=["B"])
    assert fake.bodies[0]["options"]["stop"] == ["B"]


def test_unknown_arguments_raise_instead_of_being_dropped() -> None:
    with pytest.raises(ValidationError, match="num_predictt"):
        ChatCBOllama(model="m", num_predictt=5)
    with pytest.raises(TypeError, match="top_kk"):
        FakeOllama().model().invoke("hi", top_kk=3)


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
    fake = FakeOllama()
    fake.model().invoke(_history("c1", "c2"))
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
    fake = FakeOllama()
    fake.model().invoke(_history(str(uuid.uuid4()), str(uuid.uuid4())))
    fake.model().invoke(_history(str(uuid.uuid4()), str(uuid.uuid4())))
    assert fake.requests[0].content == fake.requests[1].content


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


def test_identical_parallel_tool_calls_are_kept_with_distinct_stable_ids() -> None:
    stream = (
        line(tool_calls=[_call("add", a=1, b=2)]),
        line(tool_calls=[_call("add", a=1, b=2)]),
        line(done=True),
    )
    first = FakeOllama(*stream).model().invoke("add twice")
    again = FakeOllama(*stream).model().invoke("add twice")
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
    fake = FakeOllama(
        line('{"name": "get_weather", '), line('"arguments": {"city": "Paris"}}'), line(done=True)
    )
    reply = fake.model().bind_tools([WEATHER], tool_choice="any").invoke("weather?")
    assert reply.content == ""
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("get_weather", {"city": "Paris"})]
    body = fake.bodies[0]
    assert body["tools"] == [WEATHER]
    assert body["format"]["properties"]["name"] == {"type": "string", "enum": ["get_weather"]}
    assert body["format"]["properties"]["arguments"] == WEATHER["function"]["parameters"]
    assert body["think"] is False


def test_a_forced_answer_that_is_not_a_tool_call_is_kept_as_text() -> None:
    fake = FakeOllama(line('{"name": "get_wea'), line(done=True))  # cut short, e.g. by max_tokens
    reply = fake.model().bind_tools([WEATHER], tool_choice="get_weather").invoke("weather?")
    assert reply.tool_calls == []
    assert reply.content == '{"name": "get_wea'


def test_tool_choice_auto_and_none() -> None:
    fake = FakeOllama()
    fake.model().bind_tools([WEATHER]).invoke("hi")
    fake.model().bind_tools([WEATHER], tool_choice="none").invoke("hi")
    assert "format" not in fake.bodies[0] and fake.bodies[0]["tools"] == [WEATHER]
    assert "tools" not in fake.bodies[1]
    with pytest.raises(ValueError, match="not among the bound tools"):
        fake.model().bind_tools([WEATHER], tool_choice="get_time").invoke("hi")


class Person(BaseModel):
    name: str
    age: int


def test_structured_output_json_schema_sends_the_schema_and_switches_thinking_off() -> None:
    fake = FakeOllama(line('{"name": "Ada", "age": 36}'), line(done=True))
    result = fake.model().with_structured_output(Person).invoke("Who?")
    assert result == Person(name="Ada", age=36)
    schema = fake.bodies[0]["format"]
    assert schema["properties"] == {"name": {"type": "string"}, "age": {"type": "integer"}}
    assert schema["required"] == ["name", "age"]
    assert fake.bodies[0]["think"] is False


def test_structured_output_keeps_an_explicit_reasoning_choice_and_include_raw() -> None:
    fake = FakeOllama(line('{"name": "Ada"'), line(done=True))
    out = (
        fake.model(reasoning=True)
        .with_structured_output(Person, method="json_mode", include_raw=True)
        .invoke("?")
    )
    assert fake.bodies[0]["format"] == "json" and fake.bodies[0]["think"] is True
    assert out["parsed"] is None and out["parsing_error"] is not None
    assert out["raw"].content == '{"name": "Ada"'


def test_structured_output_function_calling_forces_the_schema_tool() -> None:
    fake = FakeOllama(line('{"name": "Person", "arguments": {"name": "Ada", "age": 36}}'), line(done=True))
    result = fake.model().with_structured_output(Person, method="function_calling").invoke("Who?")
    assert result == Person(name="Ada", age=36)
    assert fake.bodies[0]["format"]["properties"]["name"]["enum"] == ["Person"]


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_images_from_data_urls_and_v1_blocks_are_sent_as_bare_base64() -> None:
    fake = FakeOllama()
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Describe."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
            {"type": "image", "base64": PIXEL, "mime_type": "image/png"},
        ]
    )
    fake.model().invoke([message])
    assert fake.bodies[0]["messages"] == [{"role": "user", "content": "Describe.", "images": [PIXEL, PIXEL]}]
    with pytest.raises(ValueError, match="not fetched"):
        fake.model().invoke([HumanMessage(content=[{"type": "image_url", "image_url": "https://x/y.png"}])])


def test_final_chunk_carries_usage_and_metadata() -> None:
    chunks = list(FakeOllama().model().stream("hi"))
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert last.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert last.response_metadata["model_provider"] == "ollama"
    assert last.response_metadata["done_reason"] == "stop"
    assert last.response_metadata["eval_duration"] == 900


SECRET_HEADERS = {"X-Api-Token": "sekrit-header"}


def test_credentials_never_show_in_repr_dumps_or_serialization_but_reach_the_wire() -> None:
    fake = FakeOllama()
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
    fake = FakeOllama(handler=lambda request: httpx.Response(200, json=show))
    model = fake.model()
    profile = model.refresh_profile()
    assert fake.requests[0].url.path == "/api/show"
    assert model.profile == profile
    assert profile["reasoning_output"] is True and profile["tool_calling"] is True


def test_async_paths_use_the_same_converter_and_survive_two_event_loops() -> None:
    fake = FakeOllama(*THINKING)
    model = fake.model()
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
    fake = FakeOllama(*THINKING)
    whole = fake.model(reasoning=True).invoke("2+2?")
    streamed = list(fake.model(reasoning=True).stream("2+2?"))
    forced = fake.model(reasoning=True, streaming=True).invoke("2+2?")
    assert [b["stream"] for b in fake.bodies] == [False, True, True]
    assert whole.content == forced.content == "".join(str(c.content) for c in streamed) == "The answer is 4."
    assert whole.additional_kwargs["reasoning_content"] == "Let me think."
    assert whole.usage_metadata == forced.usage_metadata == {"input_tokens": 7, "output_tokens": 3,
                                                             "total_tokens": 10}
    assert whole.response_metadata["done_reason"] == "stop"
