"""Pure response parsing for /api/chat (whole answers and streams), shared by the sync and async paths."""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..errors import StreamError
from ..types import LLMResponse, StreamingChunk, ToolCall
from .think_tags import LeadingThinkSplitter

__all__ = ["StreamAssembler", "parse_chat_response"]


def _parse_tool_calls(raw: list[dict[str, Any]] | None, first_position: int) -> list[ToolCall] | None:
    if not raw:
        return None
    calls = []
    for offset, call in enumerate(raw):
        function = call.get("function") or {}
        name = str(function.get("name", ""))
        arguments = function.get("arguments") or {}
        if not isinstance(arguments, dict):
            arguments = {"value": arguments}
        index = function.get("index")
        position = index if isinstance(index, int) else first_position + offset
        call_id = call.get("id") or ToolCall.stable_id(name, arguments, position)
        calls.append(ToolCall(id=str(call_id), name=name, arguments=arguments, index=position))
    return calls


def _usage(data: dict[str, Any]) -> dict[str, int]:
    prompt = int(data.get("prompt_eval_count") or 0)
    completion = int(data.get("eval_count") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _metrics(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")}


def _finish_reason(data: dict[str, Any]) -> str | None:
    if not data.get("done"):
        return None
    return str(data.get("done_reason") or "stop")


def _raw_message(data: dict[str, Any]) -> dict[str, Any]:
    """The message part of a chat object, or of a /api/generate object (which has `response` instead)."""
    message = data.get("message")
    if isinstance(message, dict):
        return message
    return {"content": data.get("response"), "thinking": data.get("thinking"), "tool_calls": data.get("tool_calls")}


def _untag_whole(content: str) -> tuple[str, str | None]:
    splitter = LeadingThinkSplitter()
    (text, thinking), (rest, more) = splitter.feed(content), splitter.flush()
    return text + rest, (thinking + more) or None


def parse_chat_response(data: dict[str, Any], *, response_id: str, host: str | None = None) -> LLMResponse:
    """Turn one non-streaming /api/chat body into an LLMResponse (usage, durations, tool calls, thinking)."""
    raw = _raw_message(data)
    content, thinking = raw.get("content") or "", raw.get("thinking") or None
    if thinking is None and content:
        content, thinking = _untag_whole(content)
    message = {
        "role": "assistant",
        "content": content,
        "thinking": thinking,
        "tool_calls": _parse_tool_calls(raw.get("tool_calls"), 0),
        "images": raw.get("images") or None,
    }
    # One validation of the nested dict is measurably cheaper than building each model separately.
    return LLMResponse.model_validate({
        "id": response_id,
        "model": str(data.get("model", "")),
        "choices": [{"message": message, "finish_reason": _finish_reason(data)}],
        "usage": _usage(data),
        "metrics": _metrics(data),
        "created_at": data.get("created_at"),
        "host": host,
        "logprobs": data.get("logprobs"),
    })


class StreamAssembler:
    """Turns the NDJSON objects of one /api/chat stream into StreamingChunks that share one id.

    Keeps what has been received so far, so a failure can report it (`StreamError.partial_content`).
    """

    def __init__(self, *, url: str | None = None, host: str | None = None) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.url = url
        self.host = host
        self.content: list[str] = []
        self.done = False
        self._tool_calls_seen = 0
        self._think_tags: LeadingThinkSplitter | None = LeadingThinkSplitter()

    @property
    def partial_content(self) -> str:
        """The text received so far."""
        return "".join(self.content)

    def feed(self, data: dict[str, Any]) -> StreamingChunk:
        """Parse one stream object; raise StreamError for an `{"error": ...}` line."""
        if "error" in data:
            raise StreamError(
                f"the server reported an error mid-stream: {data['error']}",
                url=self.url,
                partial_content=self.partial_content,
            )
        raw = _raw_message(data)
        calls = _parse_tool_calls(raw.get("tool_calls"), self._tool_calls_seen)
        self._tool_calls_seen += len(calls or ())
        self.done = bool(data.get("done"))
        content, thinking = self._untag(raw.get("content") or "", raw.get("thinking") or "")
        self.content.append(content)
        delta = {"role": "assistant", "content": content, "thinking": thinking or None, "tool_calls": calls}
        return StreamingChunk.model_validate({
            "id": self.id,
            "created": self.created,
            "model": str(data.get("model", "")),
            "choices": [{"delta": delta, "finish_reason": _finish_reason(data)}],
            "usage": _usage(data) if self.done else None,
            "metrics": _metrics(data) if self.done else None,
            "done": self.done,
            "host": self.host,
            "created_at": data.get("created_at"),
            "logprobs": data.get("logprobs"),
        })

    def _untag(self, content: str, thinking: str) -> tuple[str, str]:
        """Move a leading <think> block out of the content, unless the server separates thinking itself."""
        if self._think_tags is None:
            return content, thinking
        if thinking:  # the server parses thinking: hand back anything held and stop looking for tags
            held, held_thinking = self._think_tags.flush()
            self._think_tags = None
            return held + content, held_thinking + thinking
        text, tagged = self._think_tags.feed(content)
        if self.done:
            rest, more = self._think_tags.flush()
            text, tagged = text + rest, tagged + more
        return text, tagged

    def finish(self) -> None:
        """Raise StreamError if the stream ended without its `done: true` line."""
        if not self.done:
            raise StreamError(
                "the stream ended before the server sent done=true (connection lost or server stopped)",
                url=self.url,
                partial_content=self.partial_content,
            )
