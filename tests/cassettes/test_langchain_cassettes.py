"""The LangChain integration against a real Ollama v0.24.0, replayed from cassettes/test_langchain_cassettes/.

smollm2:135m (chat, has the tools capability but answers tool requests in prose), gemma3:270m (chat, no tools
capability) and all-minilm (embeddings, 384 dimensions). Nothing here is xfailed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore

from cb_ollama_integrations import InvalidRequestError, ModelNotFoundError
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama

pytestmark = pytest.mark.vcr

CHAT = "smollm2:135m"
NO_TOOLS = "gemma3:270m"
EMBED = "all-minilm"


@pytest.fixture
def llm(ollama_url: str) -> Iterator[ChatCBOllama]:
    model = ChatCBOllama(model=CHAT, base_url=ollama_url, temperature=0, max_tokens=40, max_retries=0)
    yield model
    model.close()


@pytest.fixture
def embeddings(ollama_url: str) -> Iterator[CBOllamaEmbeddings]:
    model = CBOllamaEmbeddings(model=EMBED, base_url=ollama_url, max_retries=0)
    yield model
    model.close()


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny in {city}."


@tool
def get_time(city: str) -> str:
    """Get the current local time in a city."""
    return f"It is noon in {city}."


def test_without_tool_choice_the_tiny_model_answers_in_prose(llm: ChatCBOllama) -> None:
    # The baseline that makes client-side tool_choice necessary for this model.
    reply = llm.bind_tools([get_weather]).invoke("What is the weather in Paris?")
    assert reply.tool_calls == []
    assert str(reply.content).strip()


def test_named_tool_choice_is_enforced_by_the_grammar(llm: ChatCBOllama) -> None:
    reply = llm.bind_tools([get_weather, get_time], tool_choice="get_weather").invoke(
        "What is the weather in Paris?"
    )
    assert reply.content == ""
    assert len(reply.tool_calls) == 1
    call = reply.tool_calls[0]
    assert call["name"] == "get_weather"
    assert isinstance(call["args"]["city"], str) and call["args"]["city"]
    assert call["id"] and call["id"].startswith("call_")
    # The tool result goes back and the model answers from it.
    answer = llm.bind_tools([get_weather, get_time]).invoke(
        ["What is the weather in Paris?", reply, get_weather.invoke(call)]
    )
    assert str(answer.content).strip()


def test_any_tool_choice_streams_one_tool_call_chunk(llm: ChatCBOllama) -> None:
    chunks = list(
        llm.bind_tools([get_weather, get_time], tool_choice="any").stream("What time is it in Oslo?")
    )
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert len(full.tool_calls) == 1
    assert full.tool_calls[0]["name"] in ("get_weather", "get_time")
    assert set(full.tool_calls[0]["args"]) == {"city"}
    assert chunks[-1].chunk_position == "last" and full.usage_metadata is not None


def test_lcel_chain_prompt_model_parser(llm: ChatCBOllama) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer in one short sentence."), ("user", "What colour is the {thing}?")]
    )
    answer = (prompt | llm | StrOutputParser()).invoke({"thing": "sky"})
    assert isinstance(answer, str) and answer.strip()


def test_rag_retrieval_then_answer(llm: ChatCBOllama, embeddings: CBOllamaEmbeddings) -> None:
    store = InMemoryVectorStore(embeddings)
    store.add_documents(
        [
            Document(page_content="The Eiffel Tower is in Paris, France."),
            Document(page_content="Bananas are yellow fruits rich in potassium."),
            Document(page_content="Python is a programming language."),
        ]
    )
    found = store.similarity_search("Where is the Eiffel Tower?", k=1)
    assert found[0].page_content.startswith("The Eiffel Tower")
    prompt = ChatPromptTemplate.from_template("Context: {context}\nQuestion: {question}\nAnswer briefly.")
    answer = (prompt | llm | StrOutputParser()).invoke(
        {"context": found[0].page_content, "question": "Where is the Eiffel Tower?"}
    )
    assert "Paris" in answer


def test_embeddings_are_unit_norm_minilm_vectors(embeddings: CBOllamaEmbeddings) -> None:
    vectors = embeddings.embed_documents(["hello world", "goodbye moon"])
    query = embeddings.embed_query("hello world")
    assert [len(v) for v in vectors] == [384, 384]
    assert math.isclose(math.fsum(x * x for x in query), 1.0, rel_tol=1e-3)
    assert query == pytest.approx(vectors[0], abs=1e-6)  # no instruction prefix for all-minilm


def test_a_second_event_loop_reuses_the_same_model(llm: ChatCBOllama, embeddings: CBOllamaEmbeddings) -> None:
    first = asyncio.run(llm.ainvoke("Say hi."))
    second = asyncio.run(llm.ainvoke("Say bye."))
    assert str(first.content).strip() and str(second.content).strip()
    assert len(asyncio.run(embeddings.aembed_query("one"))) == len(
        asyncio.run(embeddings.aembed_query("two"))
    )


def test_model_not_found_surfaces_unchanged_through_invoke_and_stream(ollama_url: str) -> None:
    missing = ChatCBOllama(model="no-such-model:1b", base_url=ollama_url, max_retries=0)
    with pytest.raises(ModelNotFoundError, match="ollama pull no-such-model:1b") as caught:
        missing.invoke("hi")
    assert caught.value.status_code == 404
    with pytest.raises(ModelNotFoundError):
        list(missing.stream("hi"))
    missing.close()


def test_tools_for_a_model_without_tools_raise_invalid_request(ollama_url: str) -> None:
    model = ChatCBOllama(model=NO_TOOLS, base_url=ollama_url, max_tokens=8, max_retries=0)
    with pytest.raises(InvalidRequestError, match="does not support tools"):
        model.bind_tools([get_weather]).invoke("What is the weather in Paris?")
    model.close()


def test_a_chat_only_model_cannot_embed(ollama_url: str) -> None:
    model = CBOllamaEmbeddings(model=NO_TOOLS, base_url=ollama_url, max_retries=0)
    with pytest.raises(InvalidRequestError, match="does not support embeddings") as caught:
        model.embed_query("hi")
    assert caught.value.status_code == 501
    model.close()


def test_refresh_profile_from_the_live_server(llm: ChatCBOllama) -> None:
    assert llm.profile is not None and llm.profile["max_input_tokens"] == 8192  # catalog, no I/O
    profile = llm.refresh_profile()
    assert profile["tool_calling"] is True
    assert profile["reasoning_output"] is False
    assert profile["max_input_tokens"] > 0
