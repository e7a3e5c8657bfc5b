"""Client-side `tool_choice` for Ollama, which has no such parameter (framework-free, no I/O).

Ollama lets the model decide whether to call a tool. To force a call ("any"/"required", or one named tool),
the request carries a JSON-schema `format` that only admits `{"name": <allowed tool>, "arguments": {...}}`;
the server's grammar-constrained sampling then cannot produce anything else, even on a tiny model. The JSON
answer is turned back into a tool call with `parse_forced_tool_call`.

    names = forced_tool_names("any", ["get_weather"])       # ["get_weather"]
    request_format = forced_tool_format(tools, names)         # send as LLMRequest.format
    call = parse_forced_tool_call(answer_text, names)         # ("get_weather", {"city": "Paris"}) or None
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["forced_tool_format", "forced_tool_names", "parse_forced_tool_call", "tool_name"]

_FREE_CHOICES = ("auto", "none")
_ANY_CHOICES = ("any", "required")


def tool_name(tool: Mapping[str, Any]) -> str:
    """The name of an OpenAI-style tool dict (`{"type": "function", "function": {"name": ...}}`)."""
    function = tool.get("function")
    return str(function["name"] if isinstance(function, Mapping) else tool["name"])


def forced_tool_names(choice: object, names: Sequence[str]) -> list[str] | None:
    """The tools a reply must call one of, or None when the model may answer freely.

    `choice` may be None, "auto", "none", "any", "required", True, a tool name, or an OpenAI-style
    `{"type": "function", "function": {"name": ...}}`. ("none" returns None: the caller drops the tools.)

    Raises:
        ValueError: the choice names a tool that is not bound, or has an unknown form.
    """
    if choice is None or choice is False or choice in _FREE_CHOICES:
        return None
    if choice is True or choice in _ANY_CHOICES:
        if not names:
            raise ValueError(f"tool_choice={choice!r} needs at least one bound tool")
        return list(names)
    if isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
    elif isinstance(choice, str):
        name = choice
    else:
        raise ValueError(f"unsupported tool_choice {choice!r}")
    if name not in names:
        raise ValueError(f"tool_choice names {name!r}, which is not among the bound tools {list(names)}")
    return [str(name)]


def _call_schema(name: str, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    arguments = dict(parameters) if parameters else {"type": "object", "properties": {}}
    return {
        "type": "object",
        "properties": {"name": {"type": "string", "enum": [name]}, "arguments": arguments},
        "required": ["name", "arguments"],
    }


def forced_tool_format(tools: Sequence[Mapping[str, Any]], allowed: Sequence[str]) -> dict[str, Any]:
    """The JSON schema that admits exactly one call of one of the `allowed` tools, with its parameters.

    One allowed tool gives a plain object schema; several give an `anyOf` of one such schema per tool, so
    the arguments always match the chosen tool's parameters.
    """
    by_name = {tool_name(tool): tool for tool in tools}
    schemas = []
    for name in allowed:
        function = by_name[name].get("function", by_name[name])
        schemas.append(_call_schema(name, function.get("parameters")))
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def parse_forced_tool_call(text: str, allowed: Sequence[str]) -> tuple[str, dict[str, Any]] | None:
    """(name, arguments) from a reply produced under `forced_tool_format`; None if it is not one.

    A reply cut short (e.g. by max_tokens) is not valid JSON and gives None, so the caller can keep the text.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("name") not in allowed:
        return None
    arguments = data.get("arguments")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return None
    return str(data["name"]), arguments
