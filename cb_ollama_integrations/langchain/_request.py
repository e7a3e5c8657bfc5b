"""Build the core LLMRequest of one ChatCBOllama call: instance settings, then per-call overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from ..tool_choice import forced_tool_format, forced_tool_names, tool_name
from ..types import LLMRequest
from ._convert import to_core_messages

__all__ = ["CALL_OPTIONS", "build_request"]

# Settings a call may override (`invoke(..., temperature=0)`, `bind(...)`); anything else raises.
CALL_OPTIONS = (
    "model", "temperature", "max_tokens", "num_ctx", "top_p", "top_k", "seed", "repeat_penalty", "format",
    "reasoning", "keep_alive", "options", "on_context_overflow",
)
_CALL_ONLY = ("tools", "tool_choice")
# Passed by LangChain itself (tracing hints), not settings.
_IGNORED = ("ls_structured_output_format",)


def _resolve(settings: Mapping[str, Any], kwargs: Mapping[str, Any], name: str) -> Any:
    """The per-call value when given and not None (so False/0 override), else the instance value."""
    value = kwargs.get(name)
    return value if value is not None else settings.get(name)


def build_request(
    settings: Mapping[str, Any],
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
) -> tuple[LLMRequest, list[str] | None]:
    """The request for one call, and the tool names a forced tool call must pick from (None: free answer).

    `reasoning` maps to Ollama's `think` (None: not sent). A forced tool choice or any `format`
    without an explicit `reasoning` sends think=False: reasoning models otherwise break the JSON.

    Raises:
        TypeError: an unknown per-call keyword.
        ValueError: a tool_choice naming an unbound tool, or both a forced tool_choice and a format.
    """
    unknown = set(kwargs) - set(CALL_OPTIONS) - set(_CALL_ONLY) - set(_IGNORED) - {"stop"}
    if unknown:
        known = [*CALL_OPTIONS, *_CALL_ONLY, "stop"]
        raise TypeError(f"unexpected keyword(s) for ChatCBOllama: {sorted(unknown)}; known: {known}")
    values = {name: _resolve(settings, kwargs, name) for name in CALL_OPTIONS}
    tools: list[dict[str, Any]] | None = kwargs.get("tools") or None
    tool_choice = kwargs.get("tool_choice")
    if tool_choice == "none":
        tools = None
    forced = forced_tool_names(tool_choice, [tool_name(t) for t in tools or ()]) if tools else None
    request_format = values["format"] or None  # "" means no format, as in langchain-ollama
    if forced is not None:
        if request_format is not None:
            raise ValueError("a forced tool_choice already sets the output format; drop `format`")
        request_format = forced_tool_format(tools or [], forced)
    think = values["reasoning"]
    if think is None and request_format is not None:
        think = False
    stops = stop if stop is not None else kwargs.get("stop", settings.get("stop"))
    request = LLMRequest(
        model=values["model"],
        messages=to_core_messages(messages),
        temperature=values["temperature"],
        max_tokens=values["max_tokens"],
        num_ctx=values["num_ctx"],
        top_p=values["top_p"],
        top_k=values["top_k"],
        seed=values["seed"],
        repeat_penalty=values["repeat_penalty"],
        stop=stops or None,
        options=values["options"],
        tools=tools,
        format=request_format,
        think=think,
        keep_alive=values["keep_alive"],
        on_context_overflow=values["on_context_overflow"],
    )
    return request, forced
