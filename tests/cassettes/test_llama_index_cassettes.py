"""CBOllama and CBOllamaEmbedding against a real Ollama v0.24.0 (replayed from cassettes/test_llama_index_cassettes/).

smollm2:135m answers chats, all-minilm embeds, gemma3:270m has no "tools" capability (a real 400).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from cb_ollama_integrations import InvalidRequestError, ModelNotFoundError
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding

CHAT = "smollm2:135m"
NO_TOOLS = "gemma3:270m"
EMBED = "all-minilm"
pytestmark = pytest.mark.vcr
USER = [ChatMessage(role="user", content="Name a colour.")]


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny in {city}"


WEATHER = FunctionTool.from_defaults(fn=get_weather)


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


@pytest.fixture
def llm(ollama_url: str) -> Iterator[CBOllama]:
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=16, temperature=0, max_retries=0)
    yield llm
    llm.close()


@pytest.fixture
def tool_llm(ollama_url: str) -> Iterator[CBOllama]:
    # A forced call is pretty-printed JSON: it needs more tokens than a short answer.
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=60, temperature=0, max_retries=0)
    yield llm
    llm.close()


@pytest.fixture
def embed(ollama_url: str) -> Iterator[CBOllamaEmbedding]:
    embed = CBOllamaEmbedding(model_name=EMBED, base_url=ollama_url, max_retries=0)
    yield embed
    embed.close()


def assert_usage(raw: object) -> None:
    assert isinstance(raw, dict)
    usage = raw["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert raw["total_duration"] > 0 and raw["done_reason"] in ("stop", "length")


# -- chat and completion ---------------------------------------------------------------------------------
def test_chat(llm: CBOllama) -> None:
    response = llm.chat(USER)
    assert response.message.role == "assistant" and response.message.content
    assert_usage(response.raw)
    assert response.additional_kwargs["total_tokens"] == response.raw["usage"]["total_tokens"]  # type: ignore[index]


async def test_achat(llm: CBOllama) -> None:
    response = await llm.achat(USER)
    assert response.message.content
    assert_usage(response.raw)


def test_stream_chat_deltas_add_up_to_the_message(llm: CBOllama) -> None:
    chunks = list(llm.stream_chat(USER))
    assert len(chunks) > 2
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].message.content
    assert_usage(chunks[-1].raw)
    assert all("usage" not in (c.raw or {}) for c in chunks[:-1])


async def test_astream_chat(llm: CBOllama) -> None:
    chunks = [chunk async for chunk in await llm.astream_chat(USER)]
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].message.content
    assert_usage(chunks[-1].raw)


def test_complete_and_stream_complete(llm: CBOllama) -> None:
    completion = llm.complete("Say hello.")
    assert completion.text
    assert_usage(completion.raw)
    chunks = list(llm.stream_complete("Say goodbye."))
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].text != ""


async def test_acomplete_and_astream_complete(llm: CBOllama) -> None:
    assert (await llm.acomplete("Say hello.")).text
    chunks = [c async for c in await llm.astream_complete("Say goodbye.")]
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].text != ""


def test_one_instance_serves_two_event_loops(llm: CBOllama) -> None:
    first = asyncio.run(llm.achat([ChatMessage(role="user", content="Hi")]))
    second = asyncio.run(llm.achat([ChatMessage(role="user", content="Hello")]))
    assert first.message.content and second.message.content


def test_refresh_metadata_reads_the_server(ollama_url: str) -> None:
    with_tools = CBOllama(model=CHAT, base_url=ollama_url, max_retries=0)
    without = CBOllama(model=NO_TOOLS, base_url=ollama_url, max_retries=0)
    assert with_tools.refresh_metadata().is_function_calling_model is True
    metadata = without.refresh_metadata()
    assert metadata.is_function_calling_model is False and metadata.context_window == 32768
    with_tools.close()
    without.close()


# -- tools -----------------------------------------------------------------------------------------------
def test_predict_and_call_with_a_required_tool(tool_llm: CBOllama) -> None:
    output = tool_llm.predict_and_call([WEATHER], "What is the weather in Paris?", tool_required=True)
    assert len(output.sources) == 1 and output.sources[0].tool_name == "get_weather"
    city = output.sources[0].raw_input["kwargs"]["city"]
    assert isinstance(city, str) and output.response == f"sunny in {city}"


async def test_achat_with_tools_required_and_parallel(ollama_url: str) -> None:
    # A list of calls is longer than one call: the tiny model needs room to close the JSON array.
    tool_llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=160, temperature=0, max_retries=0)
    response = await tool_llm.achat_with_tools(
        [WEATHER], "What is the weather in Paris and in Rome?", tool_required=True, allow_parallel_tool_calls=True
    )
    selections = tool_llm.get_tool_calls_from_response(response)
    tool_llm.close()
    assert selections and {s.tool_name for s in selections} == {"get_weather"}
    assert len({s.tool_id for s in selections}) == len(selections)
    assert all(s.tool_id.startswith("call_") for s in selections)


def test_stream_chat_with_tools_required(tool_llm: CBOllama) -> None:
    chunks = list(tool_llm.stream_chat_with_tools([WEATHER], "Weather in Rome?", tool_required=True))
    selections = tool_llm.get_tool_calls_from_response(chunks[-1])
    assert [s.tool_name for s in selections] == ["get_weather"]
    assert chunks[-1].message.content == ""  # the JSON became the call


def test_tools_on_a_model_without_tools_raise_invalid_request(ollama_url: str) -> None:
    llm = CBOllama(model=NO_TOOLS, base_url=ollama_url, max_tokens=8, max_retries=0)
    with pytest.raises(InvalidRequestError, match="does not support tools"):
        llm.chat_with_tools([WEATHER], "Weather in Paris?")
    llm.close()


def test_unknown_model_raises_model_not_found(ollama_url: str) -> None:
    llm = CBOllama(model="no-such-model:1b", base_url=ollama_url, max_retries=0)
    with pytest.raises(ModelNotFoundError):
        llm.complete("Hi")
    llm.close()
    embed = CBOllamaEmbedding(model_name="no-such-embedder", base_url=ollama_url, max_retries=0)
    with pytest.raises(ModelNotFoundError):
        embed.get_query_embedding("Hi")
    embed.close()


# -- structured output ----------------------------------------------------------------------------------
PROMPT = PromptTemplate("Give the city {name} and its country as JSON.")


def test_structured_predict(tool_llm: CBOllama) -> None:
    city = tool_llm.structured_predict(City, PROMPT, name="Paris")
    assert isinstance(city, City) and city.name


async def test_astructured_predict(tool_llm: CBOllama) -> None:
    city = await tool_llm.astructured_predict(City, PROMPT, name="Rome")
    assert isinstance(city, City) and city.name


def test_stream_structured_predict_ends_with_the_full_object(tool_llm: CBOllama) -> None:
    partials = list(tool_llm.stream_structured_predict(City, PROMPT, name="Berlin"))
    assert len(partials) > 1
    assert isinstance(partials[-1], City) and partials[-1].name


def test_as_structured_llm(tool_llm: CBOllama) -> None:
    structured = tool_llm.as_structured_llm(City)
    response = structured.chat([ChatMessage(role="user", content="Give the city Madrid and its country.")])
    assert isinstance(response.raw, City) and response.raw.name


# -- embeddings and retrieval ----------------------------------------------------------------------------
def test_embeddings(embed: CBOllamaEmbedding) -> None:
    query = embed.get_query_embedding("Where is the Eiffel Tower?")
    texts = embed.get_text_embedding_batch(["The Eiffel Tower is in Paris.", "Bananas are yellow."])
    single = embed.get_text_embedding("Bananas are yellow.")
    assert len(query) == 384 and math.isclose(math.fsum(v * v for v in query), 1.0, rel_tol=1e-3)
    assert embed.similarity(query, texts[0]) > embed.similarity(query, texts[1])
    assert embed.similarity(single, texts[1]) > 0.999


async def test_async_embeddings(embed: CBOllamaEmbedding) -> None:
    query = await embed.aget_query_embedding("Where is the Eiffel Tower?")
    texts = await embed.aget_text_embedding_batch(["The Eiffel Tower is in Paris.", "Bananas are yellow."])
    assert len(texts) == 2 and embed.similarity(query, texts[0]) > embed.similarity(query, texts[1])


def test_vector_store_index_query_engine(ollama_url: str, embed: CBOllamaEmbedding) -> None:
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=24, temperature=0, max_retries=0)
    documents = [
        Document(text="Paris is the capital of France."),
        Document(text="Bananas are a yellow fruit."),
        Document(text="A circuit breaker stops calls to a failing host."),
    ]
    index = VectorStoreIndex.from_documents(documents, embed_model=embed)
    response = index.as_query_engine(llm=llm, similarity_top_k=1).query("What is the capital of France?")
    assert response.source_nodes[0].node.get_content() == "Paris is the capital of France."
    assert str(response).strip()
    llm.close()
