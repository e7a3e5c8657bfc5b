"""Pure mapping from this package's calls and answers to GenAI attributes (no OpenTelemetry import here).

Only values that were set are reported (`None` is "not sent"); message content only when capture is on;
headers never (they may hold API keys), and host URLs carry no user:password (the config removed it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .._protocol.calls import Call
from ..types import ChatMessage, ToolCall
from .conventions import CAPTURE_CONTENT_ENV, PROVIDER, A

__all__ = ["capture_content_from_env", "error_type", "input_messages", "output_messages", "request_attributes",
           "server_attributes", "tool_definitions"]

Attributes = dict[str, Any]

# Ollama option -> GenAI request attribute, with the type the conventions give it.
_OPTIONS: tuple[tuple[str, str, type], ...] = (
    ("num_predict", A.MAX_TOKENS, int),
    ("temperature", A.TEMPERATURE, float),
    ("top_p", A.TOP_P, float),
    ("top_k", A.TOP_K, float),  # double in v1.41
    ("seed", A.SEED, int),
    ("frequency_penalty", A.FREQUENCY_PENALTY, float),
    ("presence_penalty", A.PRESENCE_PENALTY, float),
)
_CAPTURE_ON = {"true", "1", "yes", "span_only", "span_and_event"}
_CAPTURE_OFF = {"", "false", "0", "no", "no_content", "event_only"}


def capture_content_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT asks for message content on spans.

    true/1/SPAN_ONLY/SPAN_AND_EVENT switch it on; unset, false/0/NO_CONTENT/EVENT_ONLY leave it off (this
    package emits no content events). Any other value is refused rather than guessed.
    """
    raw = (os.environ if environ is None else environ).get(CAPTURE_CONTENT_ENV, "")
    value = raw.strip().lower()
    if value in _CAPTURE_ON:
        return True
    if value in _CAPTURE_OFF:
        return False
    raise ValueError(f"{CAPTURE_CONTENT_ENV}={raw!r} is not understood: use true/false, or one of NO_CONTENT, "
                     "SPAN_ONLY, SPAN_AND_EVENT, EVENT_ONLY")


def server_attributes(url: str) -> Attributes:
    """server.address and server.port of a host base URL (the default port of its scheme if none is given)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {A.SERVER_ADDRESS: parts.hostname or "", A.SERVER_PORT: port}


def request_attributes(operation: str, call: Call) -> Attributes:
    """The attributes known before sending: operation, provider, model and the request parameters set."""
    payload = call.payload or {}
    found: Attributes = {A.OPERATION: operation, A.PROVIDER: PROVIDER}
    if call.model:
        found[A.REQUEST_MODEL] = call.model
    if payload.get("stream") is True:
        found[A.STREAM] = True
    if payload.get("format"):
        found[A.OUTPUT_TYPE] = "json"
    options = payload.get("options") or {}
    for option, name, kind in _OPTIONS:
        value = options.get(option)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = kind(value)
    stop = options.get("stop")
    if stop:
        found[A.STOP] = [stop] if isinstance(stop, str) else [str(s) for s in stop]
    return found


def error_type(exc: BaseException) -> str:
    """error.type: this package's error class name (ServerError, CircuitOpenError...), low in cardinality."""
    return type(exc).__name__


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _tool_call_part(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    part = {"type": "tool_call", "name": function.get("name", ""), "arguments": function.get("arguments")}
    return part | ({"id": call["id"]} if call.get("id") else {})


def _wire_parts(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if message.get("thinking"):
        parts.append({"type": "reasoning", "content": message["thinking"]})
    if message.get("role") == "tool":
        reply = {"type": "tool_call_response", "response": message.get("content", "")}
        parts.append(reply | ({"id": message["tool_call_id"]} if message.get("tool_call_id") else {}))
    elif message.get("content"):
        parts.append({"type": "text", "content": message["content"]})
    parts += [{"type": "blob", "modality": "image", "content": image} for image in message.get("images") or ()]
    parts += [_tool_call_part(call) for call in message.get("tool_calls") or ()]
    return parts


def input_messages(call: Call) -> str | None:
    """gen_ai.input.messages as JSON (capture on only): the chat messages exactly as sent; for /api/generate
    the system text and the prompt (with its images) as a system and a user message."""
    payload = call.payload or {}
    messages = payload.get("messages")
    if isinstance(payload.get("prompt"), str):
        messages = [{"role": "system", "content": payload["system"]}] if payload.get("system") else []
        messages.append({"role": "user", "content": payload["prompt"], "images": payload.get("images")})
    if not isinstance(messages, list):
        return None
    return _json([{"role": m.get("role", "user"), "parts": _wire_parts(m)} for m in messages])


def tool_definitions(call: Call) -> str | None:
    """gen_ai.tool.definitions as JSON (capture on only): the tools sent, if any."""
    tools = (call.payload or {}).get("tools")
    return _json(tools) if tools else None


def output_messages(message: ChatMessage, finish_reason: str | None) -> str:
    """gen_ai.output.messages as JSON (capture on only): the one answer, with its finish reason."""
    calls: list[ToolCall] = message.tool_calls or []
    wire = {"role": "assistant", "content": message.content, "thinking": message.thinking,
            "tool_calls": [{"id": c.id, "function": {"name": c.name, "arguments": c.arguments}} for c in calls]}
    return _json([{"role": "assistant", "parts": _wire_parts(wire), "finish_reason": finish_reason or "stop"}])
