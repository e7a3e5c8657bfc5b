"""Test doubles: fake Ollama answers served through httpx.MockTransport (no sockets), and sync/async runners."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from cb_ollama_integrations import LLMRequest, OllamaClient, OllamaConfig, StreamingChunk


class ChunkedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A fake response body delivered in the given network frames (to split lines and UTF-8 anywhere)."""

    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames

    def __iter__(self) -> Iterator[bytes]:
        yield from self.frames

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self.frames:
            yield frame


def ndjson(*objects: dict[str, Any]) -> bytes:
    """Objects as an NDJSON body."""
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def chat_line(content: str, done: bool = False, **extra: Any) -> dict[str, Any]:
    """One fake /api/chat object shaped like Ollama's."""
    line: dict[str, Any] = {"model": "m", "created_at": "2025-01-01T00:00:00.000000001Z",
                            "message": {"role": "assistant", "content": content}, "done": done}
    if done:
        line.update({"done_reason": "stop", "prompt_eval_count": 3, "eval_count": 2, "total_duration": 1000})
    line.update(extra)
    return line


class FakeOllama:
    """Records requests and answers each with `handler(request) -> httpx.Response` (a fake, not Ollama)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, **config: Any) -> OllamaClient:
        """An OllamaClient whose sync and async paths both go to this fake."""
        config.setdefault("default_model", "m")
        config.setdefault("max_retries", 0)
        return OllamaClient(OllamaConfig(**config), transport=httpx.MockTransport(self),
                            async_transport=httpx.MockTransport(self))

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies sent so far."""
        return [json.loads(r.content) for r in self.requests if r.content]


def run(client: OllamaClient, mode: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call `method` (sync) or its `a`-twin in a fresh event loop (async)."""
    if mode == "sync":
        return getattr(client, method)(*args, **kwargs)
    return asyncio.run(getattr(client, "a" + method)(*args, **kwargs))


def stream(client: OllamaClient, mode: str, request: LLMRequest) -> list[StreamingChunk]:
    """All chunks of a stream, sync or async."""
    if mode == "sync":
        return list(client.chat_completion_stream(request))

    async def collect() -> list[StreamingChunk]:
        return [chunk async for chunk in client.achat_completion_stream(request)]

    return asyncio.run(collect())
