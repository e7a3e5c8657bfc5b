"""The core client against a real Ollama v0.24.0 (replayed from cassettes/test_core_cassettes/)."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator

import pytest

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    InvalidRequestError,
    LLMRequest,
    ModelCapability,
    ModelNotFoundError,
    OllamaClient,
    OllamaConfig,
)

CHAT = "smollm2:135m"
NO_TOOLS = "gemma3:270m"
EMBED = "all-minilm"
pytestmark = pytest.mark.vcr

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def client(ollama_url: str) -> Iterator[OllamaClient]:
    config = OllamaConfig(base_url=ollama_url, default_model=CHAT, embedding_model=EMBED, max_retries=0)
    with OllamaClient(config) as client:
        yield client


def ask(text: str, **fields: object) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], **fields)


def test_chat_non_streaming(client: OllamaClient) -> None:
    response = client.chat_completion(ask("Name a colour.", max_tokens=24))
    choice = response.choices[0]
    assert choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert response.model == CHAT
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert response.usage.estimated_cost == 0.0
    assert response.metrics.total_duration and response.metrics.total_duration > 1_000_000  # nanoseconds


def test_chat_stream_concatenates_to_the_answer(client: OllamaClient) -> None:
    chunks = list(client.chat_completion_stream(ask("Name three fruits.", max_tokens=24)))
    assert len(chunks) > 3
    assert len({c.id for c in chunks}) == 1
    assert all(c.usage is None for c in chunks[:-1])
    final = chunks[-1]
    assert final.done and final.choices[0].finish_reason in ("stop", "length")
    assert final.usage is not None and final.usage.completion_tokens == len(chunks) - 1
    text = "".join(c.choices[0].delta.content for c in chunks)
    assert text.strip()


def test_system_prompt_reaches_the_model(client: OllamaClient) -> None:
    plain = client.chat_completion(ask("Say hi.", max_tokens=8))
    system = ChatMessage(role="system", content="You are a pirate captain who answers in pirate speak.")
    with_system = client.chat_completion(
        LLMRequest(messages=[system, ChatMessage(role="user", content="Say hi.")], max_tokens=8)
    )
    # The system message is part of the prompt the model evaluated (the original code dropped it).
    assert with_system.usage.prompt_tokens > plain.usage.prompt_tokens + 8


def test_stop_sequence_ends_generation(client: OllamaClient) -> None:
    response = client.chat_completion(ask("Count from 1 to 20, separated by commas.", stop=[","], max_tokens=40))
    assert "," not in response.choices[0].message.content
    assert response.choices[0].finish_reason == "stop"


def test_max_tokens_gives_length(client: OllamaClient) -> None:
    response = client.chat_completion(ask("Write a long story about a dragon.", max_tokens=3))
    assert response.choices[0].finish_reason == "length"
    assert response.usage.completion_tokens == 3


def test_format_json(client: OllamaClient) -> None:
    response = client.chat_completion(ask("Reply with a JSON object with one key, name.", format="json",
                                          max_tokens=200))
    assert response.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(response.choices[0].message.content), dict)


def test_format_json_schema(client: OllamaClient) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    response = client.chat_completion(ask("Describe Paris as JSON.", format=schema, max_tokens=60))
    data = json.loads(response.choices[0].message.content)
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


def test_tools_sent_to_a_tools_capable_model(client: OllamaClient) -> None:
    # The server accepts tools for a model whose template has a tools section. SmolLM2-135M is too small to
    # choose a tool by itself (it answers in prose); tool-call parsing is covered by the recordings tests.
    response = client.chat_completion(ask("What is the weather in Paris?", tools=[WEATHER_TOOL], max_tokens=60))
    message = response.choices[0].message
    assert message.tool_calls or message.content.strip()
    for call in message.tool_calls or []:
        assert call.id.startswith("call_") and isinstance(call.arguments, dict)


def test_tools_sent_to_a_model_without_tools_is_invalid_request(client: OllamaClient) -> None:
    with pytest.raises(InvalidRequestError) as info:
        client.chat_completion(ask("Weather in Paris?", model=NO_TOOLS, tools=[WEATHER_TOOL]))
    assert info.value.status_code == 400
    assert "does not support tools" in info.value.server_message


def test_embeddings_single(client: OllamaClient) -> None:
    response = client.embeddings(EmbeddingsRequest(input="The sky is blue."))
    assert len(response.data) == 1
    vector = response.data[0].embedding
    assert len(vector) == 384
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, rel_tol=1e-3)
    assert response.usage.prompt_tokens > 0


def test_embeddings_batch_keeps_order(client: OllamaClient) -> None:
    texts = ["first text", "second text", "third text"]
    response = client.embeddings(EmbeddingsRequest(input=texts))
    assert [d.index for d in response.data] == [0, 1, 2]
    single = client.embeddings(EmbeddingsRequest(input="second text")).data[0].embedding
    assert response.data[1].embedding == pytest.approx(single, abs=1e-4)


def test_model_not_found_on_chat(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        client.chat_completion(ask("hi", model="no-such-model:1b"))
    assert info.value.status_code == 404 and "ollama pull no-such-model:1b" in str(info.value)


def test_model_not_found_on_embed(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFoundError):
        client.embeddings(EmbeddingsRequest(model="no-such-embedder", input="x"))


def test_list_and_show_models(client: OllamaClient) -> None:
    models = {m.id: m for m in client.fetch_available_models()}
    assert {"smollm2:135m", "gemma3:270m", "all-minilm:latest"} <= set(models)
    assert models["smollm2:135m"].context_window == 8192
    assert ModelCapability.TOOLS in models["smollm2:135m"].capabilities
    assert ModelCapability.TOOLS not in models["gemma3:270m"].capabilities
    embedder = models["all-minilm:latest"]
    assert embedder.capabilities == [ModelCapability.EMBEDDING] and embedder.embedding_dimension == 384
    assert client.supports_model("smollm2:135m")
    shown = client.show_model(CHAT)
    assert shown.installed and shown.context_window == 8192


def test_load_ps_and_unload(client: OllamaClient) -> None:
    assert client.load_model(CHAT, keep_alive="2m") == "load"
    running = client.list_running()
    assert CHAT in [m.name for m in running]
    assert client.unload_model(CHAT) == "unload"


def test_version_and_health(client: OllamaClient) -> None:
    assert client.version()
    assert client.health_check() is True


def test_async_chat_and_stream(client: OllamaClient) -> None:
    async def run() -> tuple[str, str]:
        whole = await client.achat_completion(ask("Name an animal.", max_tokens=12))
        parts = [c.choices[0].delta.content async for c in client.achat_completion_stream(ask("Name a tree.",
                                                                                               max_tokens=12))]
        return whole.choices[0].message.content, "".join(parts)

    whole, streamed = asyncio.run(run())
    assert whole.strip() and streamed.strip()


def test_async_client_survives_a_second_event_loop(client: OllamaClient) -> None:
    async def once() -> str:
        return (await client.achat_completion(ask("Say yes.", max_tokens=4))).choices[0].message.content

    assert asyncio.run(once()) and asyncio.run(once())
