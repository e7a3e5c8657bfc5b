"""Tool calling helpers: tool specs, `tool_required` enforced through a JSON-schema `format`, ToolSelections.

Ollama has no `tool_choice`. When a tool call is required, the request carries a JSON schema that only admits
`{"tool_calls": [{"name": <one of the tools>, "arguments": <that tool's parameters>}, ...]}`; the server's
grammar-constrained sampler then cannot answer in prose, and the JSON is turned back into tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from .._chat_protocol import tool_call_id
from ..types import ToolCall

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["forced_tool_format", "parse_forced_tool_calls", "tool_selections", "tool_specs"]


def tool_specs(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """OpenAI-style function specs, the shape Ollama's `tools` field takes."""
    return [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]


def forced_tool_format(specs: Sequence[dict[str, Any]], *, allow_parallel: bool) -> dict[str, Any]:
    """A JSON schema whose only valid documents are calls of the given tools (one, or several if parallel)."""
    options = [
        {
            "type": "object",
            "properties": {
                "name": {"const": spec["function"]["name"]},
                "arguments": spec["function"].get("parameters") or {"type": "object"},
            },
            "required": ["name", "arguments"],
        }
        for spec in specs
    ]
    items = options[0] if len(options) == 1 else {"anyOf": options}
    calls: dict[str, Any] = {"type": "array", "items": items, "minItems": 1}
    if not allow_parallel:
        calls["maxItems"] = 1
    return {"type": "object", "properties": {"tool_calls": calls}, "required": ["tool_calls"]}


def parse_forced_tool_calls(content: str) -> list[ToolCall]:
    """The tool calls of a schema-forced answer; ids are stable (the same call gets the same id)."""
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the forced tool call is not JSON (cut short by max_tokens?): {content!r}") from exc
    raw_calls = document.get("tool_calls") if isinstance(document, dict) else None
    calls = []
    for position, raw in enumerate(raw_calls if isinstance(raw_calls, list) else []):
        name = str(raw.get("name", ""))
        arguments = raw.get("arguments")
        arguments = arguments if isinstance(arguments, dict) else {}
        calls.append(ToolCall(id=tool_call_id(name, arguments, position), name=name, arguments=arguments,
                              index=position))
    return calls


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """Every tool call of the response, in order, identical calls included, each with its own id."""
    selections: list[ToolSelection] = []
    for block in response.message.blocks:
        if isinstance(block, ToolCallBlock):
            kwargs = block.tool_kwargs if isinstance(block.tool_kwargs, dict) else {}
            call_id = block.tool_call_id or tool_call_id(block.tool_name, kwargs, len(selections))
            selections.append(ToolSelection(tool_id=call_id, tool_name=block.tool_name, tool_kwargs=kwargs))
    if not selections and error_on_no_tool_call:
        raise ValueError(f"the model called no tool; it answered: {response.message.content!r}")
    return selections
