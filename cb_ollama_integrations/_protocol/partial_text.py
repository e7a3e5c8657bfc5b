"""The text a stream has delivered so far, bounded: what `StreamError.partial_content` reports when it breaks."""

from __future__ import annotations

__all__ = ["PartialText"]


class PartialText:
    """The first `limit` characters of a stream's text (`config.stream_keep_chars`): a long answer that fails
    near its end must not hold an unbounded copy of itself just for the error."""

    __slots__ = ("kept", "limit", "pieces")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = 0
        self.pieces: list[str] = []

    def add(self, text: str) -> None:
        """Keep `text`, or the part of it that still fits."""
        if text and self.kept < self.limit:
            piece = text[: self.limit - self.kept]
            self.pieces.append(piece)
            self.kept += len(piece)

    @property
    def text(self) -> str:
        """The kept text."""
        return "".join(self.pieces)
