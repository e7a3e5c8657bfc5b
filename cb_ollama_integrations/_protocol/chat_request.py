"""Pure request building for /api/chat: the exact body and `Call` for an LLMRequest, shared by every path."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..config import OllamaConfig
from ..types import ChatMessage, LLMRequest, MessageRole
from .calls import Call, bearer, refuse_unsendable
from .context_window import SMALLEST_RUNG, ContextMemory, ContextPlan

__all__ = ["OPTION_FIELDS", "build_chat_call", "build_chat_payload", "put_common_fields"]

# Explicit LLMRequest fields that are Ollama options; max_tokens is Ollama's num_predict.
OPTION_FIELDS = {
    "temperature": "temperature",
    "max_tokens": "num_predict",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "stop": "stop",
    "num_ctx": "num_ctx",
    "repeat_penalty": "repeat_penalty",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}


def _wire_message(message: ChatMessage, names_by_call_id: dict[str, str]) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role.value, "content": message.content}
    if message.images:
        wire["images"] = message.images
    if message.thinking:
        wire["thinking"] = message.thinking
    if message.tool_calls:
        wire["tool_calls"] = [
            {"id": call.id, "function": {"index": call.index, "name": call.name, "arguments": call.arguments}}
            for call in message.tool_calls
        ]
        names_by_call_id.update({call.id: call.name for call in message.tool_calls})
    if message.role is MessageRole.TOOL:
        name = message.tool_name or names_by_call_id.get(message.tool_call_id or "") or message.name
        if name:
            wire["tool_name"] = name
        if message.tool_call_id:
            wire["tool_call_id"] = message.tool_call_id
    return wire


def build_chat_payload(
    request: LLMRequest, config: OllamaConfig, *, stream: bool, num_ctx: int | None = None
) -> dict[str, Any]:
    """The exact /api/chat body for `request`: unset values are left out, `stream` is always explicit.

    `num_ctx` (when given) is the size chosen for `num_ctx="auto"`; an int `request.num_ctx` is sent as is.

    System messages stay in `messages` (Ollama's chat endpoint has no top-level `system` field).
    """
    names_by_call_id: dict[str, str] = {}
    payload: dict[str, Any] = {
        "model": request.model or config.default_model,
        "messages": [_wire_message(m, names_by_call_id) for m in request.messages],
        "stream": stream,
    }
    if request.tools:
        payload["tools"] = request.tools
    put_common_fields(payload, request, config, num_ctx=num_ctx)
    return payload


def put_common_fields(payload: dict[str, Any], request: Any, config: OllamaConfig, *,
                      num_ctx: int | None = None) -> None:
    """Add what /api/chat and /api/generate share to `payload`: format, options, think, keep_alive,
    truncate, logprobs. `request` is an LLMRequest or a GenerateRequest (same field names). Options whose
    value is None are skipped (clients ported from ollama-python send explicit nulls). `num_ctx` is the size
    chosen for `num_ctx="auto"` (only an int is ever sent)."""
    if request.format is not None:
        payload["format"] = request.format
    options = {key: value for key, value in (request.options or {}).items() if value is not None}
    for field, option in OPTION_FIELDS.items():
        value = getattr(request, field, None)
        if field == "num_ctx":  # "auto" is sized per host (see build_chat_call); None sends nothing
            value = num_ctx if num_ctx is not None else (value if isinstance(value, int) else None)
        if value is not None:
            options[option] = value
    if options:
        payload["options"] = options
    keep_alive = request.keep_alive if request.keep_alive is not None else config.keep_alive
    for key, value in (("think", request.think), ("keep_alive", keep_alive), ("truncate", request.truncate),
                       ("logprobs", request.logprobs), ("top_logprobs", request.top_logprobs)):
        if value is not None:
            payload[key] = value


def build_chat_call(
    request: LLMRequest,
    config: OllamaConfig,
    *,
    stream: bool,
    api_key: str | None,
    context: tuple[ContextPlan, ContextMemory] | None = None,
) -> Call:
    """The POST /api/chat call for `request`; `stream` is the method's (a contradicting `request.stream` is refused).

    With a `context` plan in "auto" mode the body gets its `num_ctx` per host, when the engine picks one (the
    size depends on what that host was sent before); the plan records what each host got.

    Raises:
        ValueError: no messages (Ollama would only load the model and answer nothing, which looks like
            success), `request.stream` contradicting the method called, or `user`/`metadata` set.
    """
    if not request.messages:
        raise ValueError("a chat request needs at least one message (Ollama answers an empty chat by only "
                         "loading the model: use load_model() for that)")
    if request.stream is not None and request.stream is not stream:
        method = "chat_completion_stream" if request.stream else "chat_completion"
        raise ValueError(f"LLMRequest.stream={request.stream} contradicts the method called: use {method}() "
                         "(or leave stream unset)")
    refuse_unsendable(request.user, request.metadata)
    auto = context is not None and context[0].mode == "auto"
    payload = build_chat_payload(request, config, stream=stream, num_ctx=SMALLEST_RUNG if auto else None)
    call = Call("POST", "/api/chat", payload, model=payload["model"], headers=bearer(api_key))
    if context is None or not auto:
        return call
    plan, memory = context

    def sized_for(host: str) -> Call:
        size = plan.sent[host] = memory.size_for(host, plan.model, plan.needed)
        options = dict(payload["options"])
        if size == SMALLEST_RUNG:
            # The server's own default: sending nothing loads the same runner, keeps a runner a server with a
            # larger default (Ollama >= 0.15.5 picks 32k or 256k by VRAM) loaded as it is, and keeps bodies as
            # they were before auto existed.
            del options["num_ctx"]
        else:  # the key exists already (the placeholder above), so the body keeps its field order
            options["num_ctx"] = size
        sized = {key: value for key, value in payload.items() if key != "options" or options}
        if options:
            sized["options"] = options
        return replace(call, payload=sized, per_host=None)

    return replace(call, per_host=sized_for)
