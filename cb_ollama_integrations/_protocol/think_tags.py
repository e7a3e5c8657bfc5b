"""Moving a leading <think>...</think> block out of the answer, for models that write their reasoning there.

Servers before 0.9 (and models without a thinking parser) put the reasoning of models such as deepseek-r1
in `content`, wrapped in <think> tags. Only a block at the very start of the answer is taken, so an answer
that merely mentions the tag later is left alone. Works chunk by chunk: a tag may be split anywhere.
"""

from __future__ import annotations

__all__ = ["LeadingThinkSplitter"]

_OPEN, _CLOSE = "<think>", "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that could be the start of `tag`."""
    for size in range(min(len(text), len(tag) - 1), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class LeadingThinkSplitter:
    """Feed content pieces; get back (content, thinking) with a leading think block moved to thinking."""

    def __init__(self) -> None:
        self._state = "start"  # start -> inside -> trim -> after (or start -> after when there is no block)
        self._held = ""

    def feed(self, text: str) -> tuple[str, str]:
        """Split one piece of content; text that might still turn out to be a tag is held back."""
        buffer, self._held = self._held + text, ""
        if self._state == "start":
            stripped = buffer.lstrip()
            if stripped.startswith(_OPEN):
                self._state, buffer = "inside", stripped[len(_OPEN):]
            elif _OPEN.startswith(stripped):
                self._held = buffer  # only whitespace or part of "<think>" so far
                return "", ""
            else:
                self._state = "after"
                return buffer, ""
        if self._state == "inside":
            end = buffer.find(_CLOSE)
            if end < 0:
                keep = _partial_suffix(buffer, _CLOSE)
                self._held = buffer[len(buffer) - keep:]
                return "", buffer[: len(buffer) - keep]
            self._state, thinking, buffer = "trim", buffer[:end], buffer[end + len(_CLOSE):]
            return self._trim(buffer), thinking
        if self._state == "trim":
            return self._trim(buffer), ""
        return buffer, ""

    def _trim(self, buffer: str) -> str:
        """Drop the blank lines between the block and the answer (they may arrive in later pieces)."""
        buffer = buffer.lstrip()
        if buffer:
            self._state = "after"
        return buffer

    @property
    def passes_through(self) -> bool:
        """True once the answer's start is settled: from now on every piece comes back unchanged."""
        return self._state == "after" and not self._held

    def flush(self) -> tuple[str, str]:
        """What is still held back at the end of the answer."""
        held, self._held = self._held, ""
        return ("", held) if self._state == "inside" else (held, "")
