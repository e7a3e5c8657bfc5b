"""Pure converters between LlamaIndex chat types and the core client's types (no I/O but image resolving)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage as LIChatMessage
from llama_index.core.base.llms.types import (
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from .._adapters.anchor_compat import ollama_answer_fields
from ..types import ChatMessage, LLMResponse, StreamingChunk, TokenUsage, ToolCall
from ..types import MessageRole as CoreRole
from ._tools import parse_required_tool_calls

__all__ = ["StreamAccumulator", "chat_response", "to_core_message", "to_core_messages", "usage_dict"]

# LlamaIndex has more roles than Ollama; these are the Ollama role each one means.
_ROLES = {
    MessageRole.SYSTEM: CoreRole.SYSTEM,
    MessageRole.DEVELOPER: CoreRole.SYSTEM,
    MessageRole.USER: CoreRole.USER,
    MessageRole.ASSISTANT: CoreRole.ASSISTANT,
    MessageRole.CHATBOT: CoreRole.ASSISTANT,
    MessageRole.MODEL: CoreRole.ASSISTANT,
    MessageRole.TOOL: CoreRole.TOOL,
    MessageRole.FUNCTION: CoreRole.TOOL,
}


def _arguments(raw: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return {"value": raw}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _legacy_tool_calls(kwargs: dict[str, Any]) -> list[ToolCall]:
    """Tool calls stored the way llama-index-llms-ollama stored them (Ollama dicts in additional_kwargs)."""
    calls = []
    for position, raw in enumerate(kwargs.get("tool_calls") or []):
        function = raw.get("function", raw) if isinstance(raw, dict) else {}
        name = str(function.get("name", ""))
        arguments = _arguments(function.get("arguments") or {})
        call_id = raw.get("id") if isinstance(raw, dict) else None
        calls.append(ToolCall(id=str(call_id or ToolCall.stable_id(name, arguments, position)), name=name,
                              arguments=arguments, index=position))
    return calls


def to_core_message(message: LIChatMessage) -> ChatMessage:
    """A LlamaIndex message as a core ChatMessage: text joined, images base64, thinking, tool calls."""
    texts: list[str] = []
    images: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ImageBlock):
            images.append(block.resolve_image(as_base64=True).read().decode("ascii"))
        elif isinstance(block, ThinkingBlock) and block.content:
            thinking.append(block.content)
        elif isinstance(block, ToolCallBlock):
            arguments = _arguments(block.tool_kwargs)
            call_id = block.tool_call_id or ToolCall.stable_id(block.tool_name, arguments, len(calls))
            calls.append(ToolCall(id=call_id, name=block.tool_name, arguments=arguments, index=len(calls)))
    extra = message.additional_kwargs
    calls = calls or _legacy_tool_calls(extra)
    role = _ROLES.get(message.role, CoreRole.USER)
    return ChatMessage(
        role=role,
        content="\n".join(texts),
        images=images or None,
        thinking="".join(thinking) or extra.get("thinking") or None,
        tool_calls=calls or None,
        tool_call_id=extra.get("tool_call_id") if role is CoreRole.TOOL else None,
        tool_name=(extra.get("tool_name") or extra.get("name")) if role is CoreRole.TOOL else None,
    )


def to_core_messages(messages: Sequence[LIChatMessage]) -> list[ChatMessage]:
    """Every message of a conversation, in order."""
    return [to_core_message(m) for m in messages]


def usage_dict(usage: TokenUsage) -> dict[str, int]:
    """Token counts in the OpenAI-style names LlamaIndex's token counters read."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _assistant_message(content: str, thinking: str, calls: Sequence[ToolCall]) -> LIChatMessage:
    blocks: list[Any] = []
    if thinking:
        blocks.append(ThinkingBlock(content=thinking))
    blocks.append(TextBlock(text=content))
    blocks += [ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=c.arguments) for c in calls]
    return LIChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)


def _answer(content: str, calls: list[ToolCall], forced: list[str] | None) -> tuple[str, list[ToolCall]]:
    """A schema-forced tool call arrives as JSON text: turn it into calls (unless the server parsed them).

    An answer that is not a valid call (cut short by max_tokens) stays text, so the caller sees what came.
    """
    if forced and not calls:
        parsed = parse_required_tool_calls(content, forced)
        if parsed:
            return "", parsed
    return content, calls


def chat_response(response: LLMResponse, *, forced_tools: list[str] | None = None) -> ChatResponse:
    """A finished core response as a ChatResponse; usage in `raw["usage"]` and in `additional_kwargs`."""
    choice = response.choices[0]
    content, calls = _answer(choice.message.content, choice.message.tool_calls or [], forced_tools)
    message = _assistant_message(content, choice.message.thinking or "", calls)
    raw = {
        **ollama_answer_fields(model=response.model, created_at=response.created_at, done=True,
                               done_reason=choice.finish_reason, usage=response.usage, metrics=response.metrics,
                               logprobs=response.logprobs),
        "host": response.host,
        "usage": usage_dict(response.usage),
    }
    return ChatResponse(message=message, raw=raw, additional_kwargs=usage_dict(response.usage))


class StreamAccumulator:
    """Folds streamed chunks into growing ChatResponses: `delta` is the new text, thinking deltas are kept.

    Every tool call of every chunk is kept in arrival order; two identical calls are two calls.
    """

    def __init__(self, *, forced_tools: list[str] | None = None) -> None:
        self.forced_tools = forced_tools
        self.content = ""
        self.thinking = ""
        self.tool_calls: list[ToolCall] = []

    def feed(self, chunk: StreamingChunk) -> ChatResponse:
        """The ChatResponse for one more chunk (thinking-only chunks too: they carry `thinking_delta`)."""
        choice = chunk.choices[0]
        delta = choice.delta
        self.content += delta.content
        if not (delta.thinking or delta.tool_calls or self.thinking or self.tool_calls or chunk.done) and \
                chunk.usage is None and chunk.metrics is None and chunk.logprobs is None:
            return self._plain(chunk, choice.finish_reason, delta.content)
        return self._general(chunk)

    def _general(self, chunk: StreamingChunk) -> ChatResponse:
        """Any chunk (thinking, tool calls, usage, the done chunk); `self.content` already holds its text."""
        choice = chunk.choices[0]
        delta = choice.delta
        self.thinking += delta.thinking or ""
        self.tool_calls += delta.tool_calls or []
        extra: dict[str, Any] = {"thinking_delta": delta.thinking} if delta.thinking else {}
        raw: dict[str, Any] = {
            **ollama_answer_fields(model=chunk.model, created_at=chunk.created_at, done=chunk.done,
                                   done_reason=choice.finish_reason, usage=chunk.usage, metrics=chunk.metrics,
                                   logprobs=chunk.logprobs),
            "host": chunk.host,
        }
        if chunk.usage is not None:
            extra.update(usage_dict(chunk.usage))
            raw["usage"] = usage_dict(chunk.usage)
        content, calls = self.content, self.tool_calls
        if chunk.done:
            content, calls = _answer(content, calls, self.forced_tools)
        message = _assistant_message(content, self.thinking, calls)
        return ChatResponse(message=message, delta=delta.content, raw=raw, additional_kwargs=extra)

    def _plain(self, chunk: StreamingChunk, done_reason: str | None, delta: str) -> ChatResponse:
        """What `feed` builds for a text-only chunk of a text-only answer, built the cheap way.

        Most chunks of a stream are these; the message is built as LlamaIndex builds a text message and `raw`
        from a template (tests/adapters compare both with the general path).
        """
        raw = {**_PLAIN_RAW, "model": chunk.model, "created_at": chunk.created_at, "done_reason": done_reason,
               "host": chunk.host}
        message = LIChatMessage(role=MessageRole.ASSISTANT, content=self.content)
        return ChatResponse(message=message, delta=delta, raw=raw, additional_kwargs={})


# `ollama_answer_fields` of a chunk with no usage, timings or logprobs, in its key order
_PLAIN_RAW: dict[str, Any] = ollama_answer_fields(model="", created_at=None, done=False, done_reason=None,
                                                  usage=None, metrics=None)
