"""Pure response parsing for /api/chat (whole answers and streams), shared by the sync and async paths."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Protocol

from ..errors import StreamError
from ..types import LLMResponse, StreamingChunk, ToolCall
from .partial_text import PartialText
from .plain_chunks import PlainChunks
from .think_tags import LeadingThinkSplitter
from .validators import (
    count,
    json_arguments,
    object_list,
    optional_count,
    optional_text,
    reports_malformed,
    text,
    text_list,
)

__all__ = ["StreamAssembler", "parse_chat_response", "raise_unless_done"]

logger = logging.getLogger("cb_ollama_integrations")


def _parse_tool_calls(raw: object, first_position: int, url: str | None) -> list[ToolCall] | None:
    calls = []
    for offset, call in enumerate(object_list(raw, "tool_calls", url)):
        function = call.get("function") or {}
        if not isinstance(function, dict):
            raise ValueError(f"tool_calls[{offset}].function must be an object, got {function!r:.80}")
        name = text(function.get("name"), "tool_calls[].function.name", url)
        arguments = json_arguments(function.get("arguments"), url)
        index = function.get("index")
        position = index if isinstance(index, int) and not isinstance(index, bool) else first_position + offset
        call_id = optional_text(call.get("id"), "tool_calls[].id", url) or ToolCall.stable_id(name, arguments, position)
        calls.append(ToolCall(id=call_id, name=name, arguments=arguments, index=position))
    return calls or None


def _usage(data: dict[str, Any], url: str | None) -> dict[str, int]:
    prompt, completion = count(data, "prompt_eval_count", url), count(data, "eval_count", url)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _metrics(data: dict[str, Any], url: str | None) -> dict[str, Any]:
    keys = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
    return {key: optional_count(data, key, url) for key in keys}


def _finish_reason(data: dict[str, Any], url: str | None) -> str | None:
    if not data.get("done"):
        return None
    return optional_text(data.get("done_reason"), "done_reason", url) or "stop"


def _raw_message(data: dict[str, Any]) -> dict[str, Any]:
    """The message part of a chat object, or of a /api/generate object (which has `response` instead)."""
    message = data.get("message")
    if isinstance(message, dict):
        return message
    if message is not None:
        raise ValueError(f"`message` must be an object, got {message!r:.80}")
    return {"content": data.get("response"), "thinking": data.get("thinking"), "tool_calls": data.get("tool_calls")}


def _untag_whole(content: str) -> tuple[str, str | None]:
    splitter = LeadingThinkSplitter()
    (text, thinking), (rest, more) = splitter.feed(content), splitter.flush()
    return text + rest, (thinking + more) or None


@reports_malformed("/api/chat answer")
def parse_chat_response(data: dict[str, Any], *, response_id: str, host: str | None = None) -> LLMResponse:
    """Turn one non-streaming /api/chat body into an LLMResponse (usage, durations, tool calls, thinking)."""
    raw = _raw_message(data)
    content = text(raw.get("content"), "message.content", host)
    thinking = optional_text(raw.get("thinking"), "message.thinking", host)
    if thinking is None and content:
        content, thinking = _untag_whole(content)
    message = {
        "role": "assistant",
        "content": content,
        "thinking": thinking,
        "tool_calls": _parse_tool_calls(raw.get("tool_calls"), 0, host),
        "images": text_list(raw.get("images"), "message.images", host),
    }
    # One validation of the nested dict is measurably cheaper than building each model separately.
    return LLMResponse.model_validate({
        "id": response_id,
        "model": text(data.get("model"), "model", host),
        "choices": [{"message": message, "finish_reason": _finish_reason(data, host)}],
        "usage": _usage(data, host),
        "metrics": _metrics(data, host),
        "created_at": optional_text(data.get("created_at"), "created_at", host),
        "host": host,
        "logprobs": data.get("logprobs"),
    })


class StreamAssembler:
    """Turns the NDJSON objects of one /api/chat stream into StreamingChunks that share one id.

    Keeps what has been received so far, so a failure can report it (`StreamError.partial_content`).
    """

    def __init__(self, *, url: str | None = None, host: str | None = None, keep_chars: int = 1_000_000) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.url = url
        self.host = host
        self._partial = PartialText(keep_chars)  # config.stream_keep_chars: what partial_content may hold
        self.done = False
        self._tool_calls_seen = 0
        self._think_tags: LeadingThinkSplitter | None = LeadingThinkSplitter()
        self._plain = PlainChunks()

    @property
    def partial_content(self) -> str:
        """The text received so far (its first `keep_chars` characters)."""
        return self._partial.text

    def feed(self, data: dict[str, Any]) -> StreamingChunk:
        """Parse one stream object; raise StreamError for an `{"error": ...}` line.

        A plain text line like the last validated one is copied from it (see `plain_chunks`); any other line,
        malformed ones included, is validated in full.
        """
        chunk = self._plain.build(data, self.host)
        if chunk is None:
            chunk = self._validated(data)
            if self._think_tags is None or self._think_tags.passes_through:
                self._plain.learn(chunk, data)
        else:
            self.done = False
            self._partial.add(chunk.choices[0].delta.content)
        return chunk

    @reports_malformed("/api/chat stream line")
    def _validated(self, data: dict[str, Any]) -> StreamingChunk:
        if "error" in data:
            raise StreamError(
                f"the server reported an error mid-stream: {data['error']}",
                url=self.url,
                partial_content=self.partial_content,
            )
        raw, url = _raw_message(data), self.host or self.url
        calls = _parse_tool_calls(raw.get("tool_calls"), self._tool_calls_seen, url)
        self._tool_calls_seen += len(calls or ())
        done = data.get("done")
        if done is not None and not isinstance(done, bool):
            raise ValueError(f"`done` must be true or false, got {done!r:.80}")
        self.done = bool(done)
        content, thinking = self._untag(text(raw.get("content"), "message.content", url),
                                        text(raw.get("thinking"), "message.thinking", url))
        self._partial.add(content)
        delta = {"role": "assistant", "content": content, "thinking": thinking or None, "tool_calls": calls,
                 "images": text_list(raw.get("images"), "message.images", url)}
        return StreamingChunk.model_validate({
            "id": self.id,
            "created": self.created,
            "model": text(data.get("model"), "model", url),
            "choices": [{"delta": delta, "finish_reason": _finish_reason(data, url)}],
            "usage": _usage(data, url) if self.done else None,
            "metrics": _metrics(data, url) if self.done else None,
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


class StreamState(Protocol):
    """What a stream parser knows when its connection breaks (StreamAssembler, GenerateStream)."""

    done: bool

    @property
    def partial_content(self) -> str: ...


def raise_unless_done(state: StreamState, exc: StreamError) -> None:
    """Re-raise a broken stream with what arrived; after the done line the answer is whole: no error."""
    if state.done:
        logger.debug("the stream broke after its done line (answer complete): %s", exc)
        return
    exc.partial_content = exc.partial_content or state.partial_content
    raise exc
