"""Build the core LLMRequest of one ChatCBOllama call: instance settings, then per-call overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from .._adapters.anchor_compat import EXTRA_OPTION_NAMES
from ..tool_choice import forced_tool_format, forced_tool_names, tool_name
from ..types import LLMRequest
from ._convert import ChunkConverter, to_core_messages

__all__ = ["CALL_OPTIONS", "build_request", "instance_settings", "response_format_to_format"]

# Settings a call may override (`invoke(..., temperature=0)`, `bind(...)`); anything else raises.
CALL_OPTIONS = (
    "model", "temperature", "max_tokens", "num_ctx", "top_p", "top_k", "seed", "repeat_penalty", "format",
    "reasoning", "keep_alive", "options", "logprobs", "top_logprobs", "truncate", "on_context_overflow",
    *EXTRA_OPTION_NAMES,
)
# langchain-ollama's per-call names for our settings.
_ALIASES = {"think": "reasoning", "num_predict": "max_tokens"}
# `stream` chose the path already (LangChain reads it before calling _stream or _generate).
_CALL_ONLY = ("tools", "tool_choice", "response_format", "strict", "parallel_tool_calls", "stream")
# Passed by LangChain itself (tracing hints), not settings.
_IGNORED = ("ls_structured_output_format",)


def instance_settings(model: Any) -> dict[str, Any]:
    """The set CALL_OPTIONS of a ChatCBOllama/CBOllamaLLM; option fields (mirostat...) join `options` and win
    over the same key there, as explicit fields do in the core's LLMRequest."""
    settings = {name: getattr(model, name, None) for name in CALL_OPTIONS if name not in EXTRA_OPTION_NAMES}
    settings["options"] = {**(model.options or {}), **model.extra_options()} or None
    return {name: value for name, value in settings.items() if value is not None} | (
        {"stop": model.stop} if model.stop else {}
    )


def response_format_to_format(response_format: Any) -> str | dict[str, Any] | None:
    """An OpenAI-style `response_format` (what LangChain v1's ProviderStrategy binds) as Ollama's `format`."""
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_object":
        return "json"
    if kind == "text":
        return None
    schema = (response_format.get("json_schema") or {}).get("schema") if kind == "json_schema" else None
    if isinstance(schema, dict):
        return schema
    raise ValueError(f"response_format {response_format!r} is not understood: pass {{'type': 'json_schema', "
                     "'json_schema': {'schema': {...}}}, {'type': 'json_object'}, or format=<JSON schema>")


def _resolve(settings: Mapping[str, Any], kwargs: Mapping[str, Any], name: str) -> Any:
    """The per-call value when given and not None (so False/0 override), else the instance value."""
    value = kwargs.get(name)
    return value if value is not None else settings.get(name)


def _call_options(settings: Mapping[str, Any], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """Per-call `options` replace the instance's (as in langchain-ollama); per-call option names join them."""
    options = dict(_resolve(settings, kwargs, "options") or {})
    options.update({name: kwargs[name] for name in EXTRA_OPTION_NAMES if kwargs.get(name) is not None})
    return options or None


def _call_format(values: Mapping[str, Any], kwargs: Mapping[str, Any]) -> Any:
    request_format = values["format"] or None  # "" means no format, as in langchain-ollama
    from_response_format = response_format_to_format(kwargs.get("response_format"))
    if from_response_format is not None:
        if kwargs.get("format") is not None:
            raise ValueError("both format and response_format were given: pass one")
        request_format = from_response_format
    return request_format


def build_request(
    settings: Mapping[str, Any],
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
) -> tuple[LLMRequest, ChunkConverter]:
    """The request for one call, and the converter for its answer (forced tool names, single tool call).

    `reasoning` (or `think`) maps to Ollama's `think` (None: not sent). A forced tool choice or any `format`
    without an explicit `reasoning` sends think=False: reasoning models otherwise break the JSON.
    `parallel_tool_calls=False` keeps the first tool call of the answer only.

    Raises:
        TypeError: an unknown per-call keyword.
        ValueError: a tool_choice naming an unbound tool, both a forced tool_choice and a format, or
            strict=True on tools whose call is not forced (only a forced call is grammar-constrained).
    """
    kwargs = {_ALIASES.get(key, key): value for key, value in kwargs.items()}
    unknown = set(kwargs) - set(CALL_OPTIONS) - set(_CALL_ONLY) - set(_IGNORED) - {"stop"}
    if unknown:
        known = [*CALL_OPTIONS, *_ALIASES, *_CALL_ONLY, "stop"]
        raise TypeError(f"unexpected keyword(s) for ChatCBOllama: {sorted(unknown)}; known: {known}")
    values = {name: _resolve(settings, kwargs, name) for name in CALL_OPTIONS}
    tools: list[dict[str, Any]] | None = kwargs.get("tools") or None
    tool_choice = kwargs.get("tool_choice")
    if tool_choice == "none":
        tools = None
    forced = forced_tool_names(tool_choice, [tool_name(t) for t in tools or ()]) if tools else None
    if kwargs.get("strict") and tools and forced is None:
        raise ValueError("strict=True: Ollama constrains tool arguments to their schema only when the call is "
                         "forced; pass tool_choice='any' (or a tool name), or drop strict")
    request_format = _call_format(values, kwargs)
    if forced is not None:
        if request_format is not None:
            raise ValueError("a forced tool_choice already sets the output format; drop `format`")
        request_format = forced_tool_format(tools or [], forced)
    think = values["reasoning"]
    if think is None and request_format is not None:
        think = False
    stops = stop if stop is not None else kwargs.get("stop", settings.get("stop"))
    request = LLMRequest(
        model=values["model"], messages=to_core_messages(messages), temperature=values["temperature"],
        max_tokens=values["max_tokens"], num_ctx=values["num_ctx"], top_p=values["top_p"], top_k=values["top_k"],
        seed=values["seed"], repeat_penalty=values["repeat_penalty"], stop=stops or None,
        options=_call_options(settings, kwargs), tools=tools, format=request_format, think=think,
        keep_alive=values["keep_alive"], truncate=values["truncate"],
        logprobs=True if values["logprobs"] is None and values["top_logprobs"] else values["logprobs"],
        top_logprobs=values["top_logprobs"], on_context_overflow=values["on_context_overflow"],
    )
    return request, ChunkConverter(forced, single_call=kwargs.get("parallel_tool_calls") is False)
