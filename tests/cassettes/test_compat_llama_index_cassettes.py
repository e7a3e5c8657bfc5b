"""LlamaIndex's agent workflows with CBOllama against a real Ollama v0.24.0, replayed from
cassettes/test_compat_llama_index_cassettes/: a FunctionAgent (native tool calls) and a ReActAgent (text
protocol, what `is_function_calling_model=False` selects), each with one tool. Model: smollm2:135m, which
answers both questions in prose without calling the tool (recorded): these show the workflows run end to end
on CBOllama (streamed chat, the agent's parsing, the final output), not the tiny model's tool skill."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ReActAgent
from llama_index.core.tools import FunctionTool

from cb_ollama_integrations.llama_index import CBOllama

pytestmark = [pytest.mark.vcr,
              pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")]  # llama-index's

CHAT = "smollm2:135m"


def add(a: int, b: int) -> int:
    """Add two integers and return the sum."""
    return a + b


def _run(agent: FunctionAgent | ReActAgent | AgentWorkflow, question: str) -> object:
    async def go() -> object:
        return await agent.run(user_msg=question)

    return asyncio.run(go())


def test_function_agent_runs_with_a_tool(ollama_url: str) -> None:
    llm = CBOllama(model=CHAT, base_url=ollama_url, temperature=0, max_tokens=60, max_retries=0)
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(add)], llm=llm, system_prompt="Use the tools.")
    result: Any = _run(agent, "Use the add tool to add 2 and 3.")
    assert str(result).strip().startswith("You can use") and result.tool_calls == []


def test_react_agent_is_what_a_non_function_calling_model_gets_and_it_runs(ollama_url: str) -> None:
    llm = CBOllama(model=CHAT, base_url=ollama_url, temperature=0, max_tokens=60, max_retries=0,
                   is_function_calling_model=False)
    workflow = AgentWorkflow.from_tools_or_functions([FunctionTool.from_defaults(add)], llm=llm)
    assert isinstance(next(iter(workflow.agents.values())), ReActAgent)
    result: Any = _run(workflow, "What is 2 plus 3? Use the add tool.")
    assert "2 + 3 = 5" in str(result) and result.tool_calls == []
