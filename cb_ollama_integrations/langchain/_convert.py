"""Pure converters: LangChain messages -> core ChatMessage, core StreamingChunk -> ChatGenerationChunk."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages import (
    ChatMessage as LCChatMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk

from .._adapters.anchor_compat import ollama_answer_fields
from ..tool_choice import parse_forced_tool_call
from ..types import ChatMessage, StreamingChunk, ToolCall

__all__ = ["ChunkConverter", "to_core_messages"]

REASONING_KEY = "reasoning_content"
_ROLES = {"human": "user", "ai": "assistant", "user": "user", "assistant": "assistant", "system": "system",
          "tool": "tool", "function": "tool"}


def _image_base64(url: str) -> str:
    """Bare base64 from a data URL or bare base64; remote URLs are refused rather than fetched."""
    if url.startswith("data:"):
        return url.split(",", 1)[1]
    if url.startswith(("http://", "https://")):
        raise ValueError("image URLs are not fetched: pass the image as base64 or a data: URL")
    return url


def _block_image(block: dict[str, Any]) -> str | None:
    if block.get("type") == "image_url":
        ref = block["image_url"]
        return _image_base64(ref["url"] if isinstance(ref, dict) else str(ref))
    if block.get("type") == "image":
        data = block.get("base64") or block.get("data")
        if data:
            return str(data)
        if block.get("url"):
            return _image_base64(str(block["url"]))
        raise ValueError("image blocks need base64 data (file ids are not supported by Ollama)")
    return None


def _text_and_images(content: str | list[Any]) -> tuple[str, list[str]]:
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    images: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif isinstance(block, dict) and (image := _block_image(block)) is not None:
            images.append(image)
    return "".join(texts), images


def _core_tool_calls(message: AIMessage, first_position: int) -> list[ToolCall]:
    """The message's tool calls, with ids derived from the calls and their place in the conversation."""
    return [
        ToolCall(id=ToolCall.stable_id(call["name"], call["args"], first_position + index), name=call["name"],
                 arguments=call["args"], index=index)
        for index, call in enumerate(message.tool_calls)
    ]


def to_core_messages(messages: Sequence[BaseMessage]) -> list[ChatMessage]:
    """Convert a LangChain conversation for the core client.

    Tool results get `tool_name` from the AIMessage tool call they answer (matched by `tool_call_id`), so
    the server can correlate parallel calls; reasoning kept in `additional_kwargs` goes back as `thinking`.
    Tool call ids on the wire are derived from the calls (position, name, arguments) rather than copied from
    client-generated uuids, so the same conversation always gives the same request (prompt cache, replay).
    """
    names_by_call_id: dict[str, str] = {}
    wire_ids: dict[str, str] = {}
    converted = []
    for message in messages:
        text, images = _text_and_images(message.content)
        fields: dict[str, Any] = {"content": text, "images": images or None}
        if isinstance(message, AIMessage):
            calls = _core_tool_calls(message, len(names_by_call_id))
            fields.update(role="assistant", tool_calls=calls or None,
                          thinking=message.additional_kwargs.get(REASONING_KEY) or None)
            names_by_call_id.update({call.id: call.name for call in calls})
            wire_ids.update({lc["id"]: call.id for lc, call in zip(message.tool_calls, calls, strict=True) if lc["id"]})
        elif isinstance(message, ToolMessage):
            call_id = wire_ids.get(message.tool_call_id, message.tool_call_id)
            fields.update(role="tool", tool_call_id=call_id, tool_name=names_by_call_id.get(call_id) or message.name)
        elif isinstance(message, FunctionMessage):
            fields.update(role="tool", tool_name=message.name)
        elif isinstance(message, HumanMessage):
            fields.update(role="user")
        elif isinstance(message, SystemMessage):
            fields.update(role="system")
        elif isinstance(message, LCChatMessage) and message.role in _ROLES:
            fields.update(role=_ROLES[message.role])
        else:
            raise ValueError(f"cannot send a {type(message).__name__} (role {message.type!r}) to Ollama")
        converted.append(ChatMessage(**fields))
    return converted


def _final_fields(chunk: StreamingChunk) -> dict[str, Any]:
    usage = chunk.usage
    finish_reason = chunk.choices[0].finish_reason
    answer = ollama_answer_fields(model=chunk.model, created_at=chunk.created_at, done=True,
                                  done_reason=finish_reason, usage=usage, metrics=chunk.metrics,
                                  logprobs=chunk.logprobs)
    fields: dict[str, Any] = {
        "chunk_position": "last",
        "response_metadata": {**answer, "model_name": chunk.model, "model_provider": "ollama",
                              "finish_reason": finish_reason},
    }
    if usage is not None:
        fields["usage_metadata"] = {"input_tokens": usage.prompt_tokens, "total_tokens": usage.total_tokens,
                                    "output_tokens": usage.completion_tokens}
    return fields


class ChunkConverter:
    """Turns the core chunks of one stream into LangChain chunks (pure; one instance per stream).

    Tool calls get stream-wide increasing indexes, so LangChain never merges two distinct (even identical)
    parallel calls. With `forced_tools` the reply is a JSON tool call (see `tool_choice`): its text is held
    back and becomes one tool call chunk at the end (or plain text, if it did not parse). `single_call`
    (parallel_tool_calls=False) keeps the first tool call only.
    """

    def __init__(self, forced_tools: list[str] | None = None, *, single_call: bool = False) -> None:
        self.forced_tools = forced_tools
        self.single_call = single_call
        self._held: list[str] = []
        self._tool_index = 0

    def _tool_chunk(self, name: str, arguments: dict[str, Any], call_id: str | None) -> Any:
        index, self._tool_index = self._tool_index, self._tool_index + 1
        call_id = call_id or ToolCall.stable_id(name, arguments, index)
        return tool_call_chunk(name=name, args=json.dumps(arguments), id=call_id, index=index)

    def _forced_end(self) -> tuple[str, list[Any]]:
        text = "".join(self._held)
        parsed = parse_forced_tool_call(text, self.forced_tools or [])
        if parsed is None:
            return text, []
        return "", [self._tool_chunk(parsed[0], parsed[1], None)]

    def convert(self, chunk: StreamingChunk) -> ChatGenerationChunk | None:
        """The LangChain chunk for one core chunk, or None when it carries nothing to show yet."""
        delta = chunk.choices[0].delta
        content = delta.content
        if self.forced_tools is not None:
            self._held.append(content)
            content = ""
        calls = delta.tool_calls or []
        if self.single_call:
            calls = calls[: max(0, 1 - self._tool_index)]
        tool_chunks = [self._tool_chunk(c.name, c.arguments, c.id) for c in calls]
        fields: dict[str, Any] = {}
        if delta.thinking:
            fields["additional_kwargs"] = {REASONING_KEY: delta.thinking}
        if chunk.done:
            fields.update(_final_fields(chunk))
            if self.forced_tools is not None:
                content, forced = self._forced_end()
                tool_chunks += forced
        elif chunk.logprobs:  # LangChain concatenates these lists across the chunks of a stream
            fields["response_metadata"] = {"logprobs": chunk.logprobs}
        if not (content or tool_chunks or fields):
            return None
        message = AIMessageChunk(content=content, tool_call_chunks=tool_chunks, **fields)
        finish = chunk.choices[0].finish_reason
        info = {"finish_reason": finish, "model_name": chunk.model} if chunk.done else None
        return ChatGenerationChunk(message=message, generation_info=info)
