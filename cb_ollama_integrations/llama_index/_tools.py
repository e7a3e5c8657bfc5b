"""Tool calling helpers: tool specs, `tool_required` enforced through a JSON-schema `format`, ToolSelections.

Ollama has no `tool_choice`. When a tool call is required, the request carries a JSON schema (from the shared
`cb_ollama_integrations.tool_choice`) that only admits `{"name": <a tool>, "arguments": <its parameters>}`,
or `{"tool_calls": [such calls]}` when parallel calls are allowed; the server's grammar-constrained sampler
then cannot answer in prose, and the JSON is turned back into tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection

from ..tool_choice import forced_tool_format, parse_forced_tool_call, tool_name
from ..types import ToolCall

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = [
    "ToolCallingMixin", "parse_required_tool_calls", "required_tool_format", "tool_name", "tool_selections",
    "tool_specs",
]


def tool_specs(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """OpenAI-style function specs, the shape Ollama's `tools` field takes."""
    return [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]


def required_tool_format(specs: Sequence[dict[str, Any]], *, allow_parallel: bool) -> dict[str, Any]:
    """A JSON schema whose only valid documents are calls of the given tools (one, or a list if parallel)."""
    one_call = forced_tool_format(specs, [tool_name(spec) for spec in specs])
    if not allow_parallel:
        return one_call
    calls = {"type": "array", "items": one_call, "minItems": 1}
    return {"type": "object", "properties": {"tool_calls": calls}, "required": ["tool_calls"]}


def parse_required_tool_calls(content: str, names: Sequence[str]) -> list[ToolCall]:
    """The calls of an answer produced under `required_tool_format`; [] if it is not one (e.g. cut short).

    Ids are stable (the same call at the same position gets the same id), so cassettes replay.
    """
    try:
        document = json.loads(content)
    except ValueError:
        return []
    if isinstance(document, dict) and "name" not in document:
        document = document.get("tool_calls")
    items = document if isinstance(document, list) else [document]
    calls: list[ToolCall] = []
    for item in items:
        parsed = parse_forced_tool_call(json.dumps(item), names)
        if parsed is None:
            return []
        name, arguments = parsed
        calls.append(ToolCall(id=ToolCall.stable_id(name, arguments, len(calls)), name=name, arguments=arguments,
                              index=len(calls)))
    return calls


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """Every tool call of the response, in order, identical calls included, each with its own id."""
    selections: list[ToolSelection] = []
    for block in response.message.blocks:
        if isinstance(block, ToolCallBlock):
            kwargs = block.tool_kwargs if isinstance(block.tool_kwargs, dict) else {}
            call_id = block.tool_call_id or ToolCall.stable_id(block.tool_name, kwargs, len(selections))
            selections.append(ToolSelection(tool_id=call_id, tool_name=block.tool_name, tool_kwargs=kwargs))
    if not selections and error_on_no_tool_call:
        raise ValueError(f"the model called no tool; it answered: {response.message.content!r}")
    return selections


class ToolCallingMixin(FunctionCallingLLM):
    """LlamaIndex's tool-calling hooks: specs out, every call back (no dedup), `tool_required` enforced."""

    def _prepare_chat_with_tools(  # noqa: PLR0917 - LlamaIndex's signature
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Chat kwargs with the tools; `tool_required` forces a call through a JSON-schema `format`."""
        messages = list(chat_history or [])
        if user_msg is not None:
            if isinstance(user_msg, str):
                user_msg = ChatMessage(role="user", content=user_msg)
            messages.append(user_msg)
        specs = tool_specs(tools)
        call: dict[str, Any] = {"messages": messages, "tools": specs or None, **kwargs}
        if tool_required and specs:
            call["format"] = required_tool_format(specs, allow_parallel=allow_parallel_tool_calls)
            call["tool_required"] = True
        return call

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call when parallel calls were not allowed (LlamaIndex's contract)."""
        if not allow_parallel_tool_calls:
            calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
            extra = {id(b) for b in calls[1:]}
            response.message.blocks = [b for b in response.message.blocks if id(b) not in extra]
        return response

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """Every tool call of the response (identical calls included), each with its own id."""
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)
