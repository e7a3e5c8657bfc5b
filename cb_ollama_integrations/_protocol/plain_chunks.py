"""The fast path of a chat stream: the plain text lines that make up almost all of it, built without re-validating.

A stream of 2,000 tokens is 1,999 lines such as `{"model":"m","created_at":"...","message":{"role":
"assistant","content":" sky"},"done":false}` and one final line. `StreamAssembler` validates the first line
of a stream in full (pydantic); every later line of exactly that plain shape, whose values this module checks
(strings where strings belong, `done` false, the same model), becomes a copy of that validated chunk with its
new text and timestamp. Anything else (thinking, tool calls, images, logprobs, the done line, an unknown key,
a wrong type) goes through full validation, so a malformed line is refused with the same ParseError either
way. The copies equal what validation would build (tests/unit/test_plain_chunks.py compares them).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ..types import StreamingChunk

__all__ = ["PlainChunks"]

_M = TypeVar("_M", bound=BaseModel)
_LINE_KEYS = frozenset({"model", "created_at", "message", "done"})
_MESSAGE_KEYS = frozenset({"role", "content"})
_new = object.__new__
_set = object.__setattr__


def _copy(model: _M, changes: dict[str, Any]) -> _M:
    """`model` with `changes` applied to already-checked fields (what model_construct does, much cheaper)."""
    copy = _new(type(model))
    _set(copy, "__dict__", {**model.__dict__, **changes})
    _set(copy, "__pydantic_fields_set__", set(model.__pydantic_fields_set__))
    _set(copy, "__pydantic_extra__", model.__pydantic_extra__)
    _set(copy, "__pydantic_private__", model.__pydantic_private__)
    return copy


class PlainChunks:
    """Copies of one validated plain chunk of a stream, one per later plain line (None: validate in full)."""

    def __init__(self) -> None:
        self._template: StreamingChunk | None = None

    def learn(self, chunk: StreamingChunk, data: dict[str, Any]) -> None:
        """Keep a fully validated chunk as the template if its line was plain and it carries only text.

        The caller learns only once a leading <think> block is settled, so the text is the line's as sent.
        """
        choice = chunk.choices[0]
        delta = choice.delta
        carries_only_text = (
            delta.thinking is None and delta.tool_calls is None and delta.images is None and chunk.usage is None
            and chunk.metrics is None and chunk.logprobs is None and choice.finish_reason is None
        )
        self._template = chunk if carries_only_text and self._plain(data) == delta.content else None

    def _plain(self, data: dict[str, Any]) -> str | None:
        """The text of a plain, well-typed, not-done text line; None for any other line."""
        if data.get("done") is not False or not _LINE_KEYS.issuperset(data):
            return None
        message = data.get("message")
        if type(message) is not dict or not _MESSAGE_KEYS.issuperset(message):
            return None
        content, role, model, created_at = message.get("content"), message.get("role"), data.get("model"), \
            data.get("created_at")
        if type(content) is not str or type(model) is not str or type(role) not in (str, type(None)):
            return None
        if created_at is not None and type(created_at) is not str:
            return None
        return content

    def build(self, data: dict[str, Any], host: str | None) -> StreamingChunk | None:
        """The chunk of `data` copied from the template; None when the line is not plain or nothing matches."""
        template = self._template
        if template is None or host != template.host or data.get("model") != template.model:
            return None
        content = self._plain(data)
        if content is None:
            return None
        choice = template.choices[0]
        delta = _copy(choice.delta, {"content": content})
        return _copy(template, {"choices": [_copy(choice, {"delta": delta})], "created_at": data.get("created_at")})
