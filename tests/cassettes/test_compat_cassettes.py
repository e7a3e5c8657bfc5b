"""Ported code and the frameworks' own flows against a real Ollama v0.24.0, replayed from
cassettes/test_compat_cassettes/: langchain-ollama's arguments, logprobs, CBOllamaLLM over /api/generate, a
fill-in-the-middle refusal, LangChain v1 `create_agent` with ProviderStrategy and ToolStrategy, and a
LangGraph-backed agent over two turns with a checkpointer. Model: smollm2:135m."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

from cb_ollama_integrations import InvalidRequestError
from cb_ollama_integrations.langchain import CBOllamaLLM, ChatCBOllama

pytestmark = pytest.mark.vcr

CHAT = "smollm2:135m"


class City(BaseModel):
    """A city and its country."""

    city: str
    country: str


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny in {city}."


@pytest.fixture
def llm(ollama_url: str) -> Iterator[ChatCBOllama]:
    model = ChatCBOllama(model=CHAT, base_url=ollama_url, temperature=0, num_predict=40, max_retries=0)
    yield model
    model.close()


@pytest.fixture
def completer(ollama_url: str) -> Iterator[CBOllamaLLM]:
    model = CBOllamaLLM(model=CHAT, base_url=ollama_url, temperature=0, num_predict=12, max_retries=0)
    yield model
    model.close()


def test_langchain_ollama_arguments_logprobs_and_answer_fields(ollama_url: str) -> None:
    llm = ChatCBOllama(model=CHAT, base_url=ollama_url, num_predict=6, temperature=0, repeat_last_n=32,
                       top_logprobs=2, max_retries=0)
    reply = llm.invoke("Say hi")
    metadata = reply.response_metadata
    assert metadata["done"] is True and metadata["model"] == CHAT and metadata["created_at"]
    assert metadata["eval_count"] == 6 and metadata["done_reason"] == "length"  # num_predict=6 honoured
    assert metadata["prompt_eval_count"] > 0 and metadata["eval_duration"] > 0
    logprobs = metadata["logprobs"]
    assert len(logprobs) == 6 and all(len(entry["top_logprobs"]) == 2 for entry in logprobs)
    assert "".join(entry["token"] for entry in logprobs) == reply.content


def test_the_llm_completes_and_streams_a_prompt(completer: CBOllamaLLM) -> None:
    result = completer.generate(["The capital of France is"])
    info = result.generations[0][0].generation_info or {}
    assert "Paris" in result.generations[0][0].text
    assert info["eval_count"] == 12 and info["done_reason"] == "length" and info["context"]
    pieces = list(completer.stream("Count: one, two,", system="Continue the count."))
    assert len(pieces) == 13 and pieces[-1] == "" and "".join(pieces).strip()  # 12 tokens, then the done chunk


def test_fill_in_the_middle_on_a_model_that_cannot_insert_is_a_clear_error(completer: CBOllamaLLM) -> None:
    with pytest.raises(InvalidRequestError, match="cannot fill in the middle") as caught:
        completer.invoke("def add(a, b):\n", suffix="\n    return total\n")
    assert caught.value.status_code == 400
    assert "does not support insert" in (caught.value.server_message or "")


def test_create_agent_with_provider_strategy_answers_in_the_schema(llm: ChatCBOllama) -> None:
    agent = create_agent(llm, tools=[], response_format=ProviderStrategy(City))
    result = agent.invoke({"messages": [HumanMessage("Paris is in France. Give the city and its country.")]})
    assert result["structured_response"] == City(city="Paris", country="France")


def test_create_agent_with_tool_strategy_answers_through_a_forced_tool_call(llm: ChatCBOllama) -> None:
    agent = create_agent(llm, tools=[], response_format=ToolStrategy(City))
    result = agent.invoke({"messages": [HumanMessage("Berlin is in Germany. Give the city and its country.")]})
    answer = result["structured_response"]
    assert isinstance(answer, City) and answer.city and answer.country
    assert any(isinstance(m, AIMessage) and m.tool_calls and m.tool_calls[0]["name"] == "City"
               for m in result["messages"])


def test_an_agent_with_a_checkpointer_remembers_the_first_turn(llm: ChatCBOllama) -> None:
    agent = create_agent(llm, tools=[get_weather], checkpointer=InMemorySaver())
    thread = {"configurable": {"thread_id": "t1"}}
    first = agent.invoke({"messages": [HumanMessage("My name is Ada.")]}, thread)
    second = agent.invoke({"messages": [HumanMessage("What is my name?")]}, thread)
    assert len(second["messages"]) >= len(first["messages"]) + 2  # the first turn is still there
    assert second["messages"][0].content == "My name is Ada."
    assert isinstance(second["messages"][-1], AIMessage) and "Ada" in str(second["messages"][-1].content)
