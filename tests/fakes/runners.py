"""Drive the core client every way a caller can (sync, async, streaming), with recorded retry sleeps."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from cb_ollama_integrations import ChatMessage, LLMError, LLMRequest, OllamaClient, OllamaConfig, StreamingChunk

from .bodies import MODEL
from .ollama import FakeOllama

__all__ = ["FAKE_HOSTS", "MODES", "Outcome", "RecordedSleeps", "chat_request", "make_client", "run", "run_chat",
           "stream"]

MODES = ("sync", "async", "stream", "astream")
FAKE_HOSTS = ("http://127.0.0.1:47001", "http://127.0.0.1:47002")  # MockTransport answers; nothing listens


def run(client: OllamaClient, mode: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call `method` (mode "sync") or its `a`-twin in a fresh event loop (mode "async")."""
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


@dataclass
class RecordedSleeps:
    """Stands in for time.sleep / asyncio.sleep in the engine: records each delay and returns at once."""

    delays: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        """Record a sync retry delay."""
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        """Record an async retry delay (still yields to the event loop once)."""
        self.delays.append(seconds)
        await asyncio.sleep(0)


def make_client(hosts: tuple[str, ...] | list[str], fake: FakeOllama | None = None,
                sleeps: RecordedSleeps | None = None, **settings: Any) -> OllamaClient:
    """A client over `hosts` (through `fake` when given, else the real network) with recorded sleeps."""
    transport = httpx.MockTransport(fake) if fake is not None else None
    config = OllamaConfig(base_urls=tuple(hosts), default_model=MODEL, **settings)
    if sleeps is None:
        return OllamaClient(config, transport=transport, async_transport=transport)
    return OllamaClient(config, transport=transport, async_transport=transport, sleep=sleeps.sleep,
                        asleep=sleeps.asleep)


@dataclass
class Outcome:
    """What a caller got: the whole answer, or the error (and any chunks streamed before it)."""

    text: str | None
    error: LLMError | None
    chunks: list[str]
    done_chunks: int
    seconds: float
    host: str | None = None


def chat_request(prompt: str) -> LLMRequest:
    """A small chat request whose fake answer is predictable (see `bodies.answer_tokens`)."""
    return LLMRequest(messages=[ChatMessage(role="user", content=prompt)], max_tokens=16)


async def run_chat(client: OllamaClient, mode: str, prompt: str = "say hi") -> Outcome:
    """Call chat in `mode` (one of MODES) and report what came back; never raises an LLMError."""
    request, chunks, done, host = chat_request(prompt), [], 0, None
    started = time.perf_counter()
    try:
        if mode == "sync":
            reply = client.chat_completion(request)
            text, host = reply.choices[0].message.content, reply.host
        elif mode == "async":
            reply = await client.achat_completion(request)
            text, host = reply.choices[0].message.content, reply.host
        elif mode == "stream":
            for chunk in client.chat_completion_stream(request):
                chunks.append(chunk.choices[0].delta.content)
                done += chunk.done
            text = "".join(chunks)
        else:
            async for chunk in client.achat_completion_stream(request):
                chunks.append(chunk.choices[0].delta.content)
                done += chunk.done
            text = "".join(chunks)
    except LLMError as exc:
        return Outcome(None, exc, chunks, done, time.perf_counter() - started)
    return Outcome(text, None, chunks, done, time.perf_counter() - started, host)
