"""FAKE answers for fault injection (never recordings): responders for httpx.MockTransport and FakeOllama scripts.

A responder takes the request and returns the response: a normal echo answer cut or split anywhere, a
connection that fails after some frames, an `{"error": ...}` line mid-stream, an error status, a raw body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx

from .bodies import JSON, NDJSON, RUNNER_DIED, answer_tokens, chat_body, chat_lines, dump, request_facts

__all__ = ["FakeFrames", "Responder", "fake_answer", "fake_raw", "fake_status", "half", "inside_last_multibyte_char"]

Responder = Callable[[httpx.Request], httpx.Response]


class FakeFrames(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered frame by frame (sync or async), optionally failing after the last frame."""

    def __init__(self, frames: list[bytes], fail_with: Exception | None = None) -> None:
        self.frames, self.fail_with = frames, fail_with

    def __iter__(self) -> Iterator[bytes]:
        yield from self.frames
        if self.fail_with is not None:
            raise self.fail_with

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self.frames:
            yield frame
        if self.fail_with is not None:
            raise self.fail_with


def half(body: bytes) -> int:
    """Cut position for `fake_answer`: the middle of the body."""
    return len(body) // 2


def inside_last_multibyte_char(body: bytes) -> int:
    """Cut position for `fake_answer`: right after the lead byte of the body's last multi-byte character."""
    return max(i for i, byte in enumerate(body) if byte & 0xC0 == 0xC0) + 1


def fake_answer(frame_size: int | None = None, *, cut: Callable[[bytes], int] | None = None,
                fail_with: Exception | None = None, error_line: bool = False) -> Responder:
    """A fake echo /api/chat answer, streamed or not as the request asked.

    `frame_size` splits the body into frames of that many bytes (across multi-byte characters); `cut` picks
    where the body ends (cleanly, e.g. `half`); `fail_with` raises after the frames (a dropped
    connection); `error_line` puts an `{"error": ...}` line after the second token, as Ollama does when the
    runner dies mid-stream (a non-streamed request then gets a 500).
    """

    def respond(request: httpx.Request) -> httpx.Response:
        prompt, stream = request_facts(request.content)
        tokens = answer_tokens(prompt)
        if error_line and not stream:
            return httpx.Response(500, headers=JSON, content=dump(RUNNER_DIED))
        lines = chat_lines(tokens)
        if error_line:
            lines = [*lines[:2], dump(RUNNER_DIED) + b"\n"]
        body = b"".join(lines) if stream else chat_body(tokens)
        body = body[:cut(body)] if cut is not None else body
        size = frame_size or len(body) or 1
        frames = [body[i:i + size] for i in range(0, len(body), size)]
        return httpx.Response(200, headers=NDJSON if stream else JSON, stream=FakeFrames(frames, fail_with))

    return respond


def fake_status(status: int, message: str, headers: dict[str, str] | None = None) -> Responder:
    """A fake error answer with Ollama's `{"error": ...}` body."""
    return lambda request: httpx.Response(status, headers={**JSON, **(headers or {})}, content=dump({"error": message}))


def fake_raw(body: bytes, status: int = 200) -> Responder:
    """A fake answer with exactly this body (e.g. malformed JSON)."""
    return lambda request: httpx.Response(status, headers=JSON, content=body)
