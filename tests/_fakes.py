"""Fakes for fault injection (never recordings): Ollama-shaped bodies, a scripted fake Ollama behind
httpx.MockTransport, recorded sleeps, and one runner that drives a chat call sync, async or streaming and
reports what came back.

The bodies have the fields and NDJSON framing of a real /api/chat answer (see cassettes/test_core_cassettes);
the answer echoes the prompt, so every response can be checked for loss or duplication.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from cb_ollama_integrations import ChatMessage, LLMError, LLMRequest, OllamaClient, OllamaConfig

MODEL = "smollm2:135m"
MODES = ("sync", "async", "stream", "astream")
FAKE_HOSTS = ("http://127.0.0.1:47001", "http://127.0.0.1:47002")  # MockTransport answers; nothing listens


# -- Ollama-shaped bodies ----------------------------------------------------------------------------------
def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def answer_tokens(prompt: str) -> list[str]:
    """The fake's answer to `prompt`, as stream tokens: "Echo:" then the prompt's words."""
    return ["Echo:", *(" " + word for word in prompt.split())]


def _stats(tokens: list[str]) -> dict[str, Any]:
    return {"done": True, "done_reason": "stop", "total_duration": 989797085, "load_duration": 69993690,
            "prompt_eval_count": 13, "prompt_eval_duration": 360772334, "eval_count": len(tokens),
            "eval_duration": 551376797}


def _created_at(index: int) -> str:
    return f"2026-11-24T22:33:{38 + index // 20:02d}.{897465745 + index * 50_000_000 % 10**9:09d}Z"


def _message(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def chat_lines(tokens: list[str], model: str = MODEL) -> list[bytes]:
    """The NDJSON lines of a streamed /api/chat answer, each ending in a newline, the last with done=true."""
    lines = [{"model": model, "created_at": _created_at(i), "message": _message(token), "done": False}
             for i, token in enumerate(tokens)]
    final = {"model": model, "created_at": _created_at(len(tokens)), "message": _message(""),
             **_stats(tokens)}
    return [_dump(line) + b"\n" for line in [*lines, final]]


def chat_body(tokens: list[str], model: str = MODEL) -> bytes:
    """The body of a non-streamed /api/chat answer."""
    return _dump({"model": model, "created_at": _created_at(0),
                  "message": _message("".join(tokens)), **_stats(tokens)})


def request_facts(request: httpx.Request) -> tuple[str, bool]:
    """(last user message, stream flag) of a /api/chat request (Ollama streams unless told otherwise)."""
    payload = json.loads(request.content or b"{}")
    messages = payload.get("messages") or [{"content": ""}]
    return str(messages[-1].get("content", "")), bool(payload.get("stream", True))


# -- a scripted fake Ollama behind httpx.MockTransport ------------------------------------------------------
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


Responder = Callable[[httpx.Request], httpx.Response]
NDJSON = {"content-type": "application/x-ndjson"}
JSON = {"content-type": "application/json; charset=utf-8"}
RUNNER_DIED = {"error": "llama runner process has terminated: exit status 2"}


def half(body: bytes) -> int:
    """Cut position for `fake_answer`: the middle of the body."""
    return len(body) // 2


def inside_last_multibyte_char(body: bytes) -> int:
    """Cut position for `fake_answer`: right after the lead byte of the body's last multi-byte character."""
    return max(i for i, byte in enumerate(body) if byte & 0xC0 == 0xC0) + 1


def fake_answer(frame_size: int | None = None, *, cut: Callable[[bytes], int] | None = None,
                fail_with: Exception | None = None, error_line: bool = False) -> Responder:
    """A fake /api/chat answer shaped like Ollama's, streamed or not as the request asked.

    `frame_size` splits the body into frames of that many bytes (across multi-byte characters); `cut` picks
    where the body ends (cleanly, e.g. `half`); `fail_with` raises after the frames (a dropped
    connection); `error_line` puts an `{"error": ...}` line after the second token, as Ollama does when the
    runner dies mid-stream (a non-streamed request then gets a 500).
    """

    def respond(request: httpx.Request) -> httpx.Response:
        prompt, stream = request_facts(request)
        tokens = answer_tokens(prompt)
        if error_line and not stream:
            return httpx.Response(500, headers=JSON, content=_dump(RUNNER_DIED))
        lines = chat_lines(tokens)
        if error_line:
            lines = [*lines[:2], _dump(RUNNER_DIED) + b"\n"]
        body = b"".join(lines) if stream else chat_body(tokens)
        body = body[:cut(body)] if cut is not None else body
        size = frame_size or len(body) or 1
        frames = [body[i:i + size] for i in range(0, len(body), size)]
        return httpx.Response(200, headers=NDJSON if stream else JSON, stream=FakeFrames(frames, fail_with))

    return respond


def fake_status(status: int, message: str, headers: dict[str, str] | None = None) -> Responder:
    """A fake error answer with Ollama's `{"error": ...}` body."""
    return lambda request: httpx.Response(status, headers={**JSON, **(headers or {})},
                                          content=_dump({"error": message}))


def fake_raw(body: bytes) -> Responder:
    """A fake 200 answer with exactly this body (e.g. malformed JSON)."""
    return lambda request: httpx.Response(200, headers=JSON, content=body)


class ScriptedOllama:
    """A fake Ollama for httpx.MockTransport: each host answers its requests from a script, in order.

    The last responder of a script repeats; a host without a script answers every request normally.
    GET / answers `root_status`; GET /api/ps lists the host's `running` models.
    """

    def __init__(self, scripts: dict[str, list[Responder]] | None = None, *,
                 running: dict[str, list[str]] | None = None, root_status: int = 200) -> None:
        self.scripts = {host: list(script) for host, script in (scripts or {}).items()}
        self.running = running or {}
        self.root_status = root_status
        self.requests: list[tuple[str, str]] = []  # (host, path)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        self.requests.append((host, request.url.path))
        if request.url.path == "/":
            return httpx.Response(self.root_status, text="Ollama is running")
        if request.url.path == "/api/ps":
            return httpx.Response(200, headers=JSON, content=_dump({"models": [
                {"name": name, "model": name, "size": 271_000_000, "digest": "9077" * 16, "size_vram": 0,
                 "expires_at": "2026-11-24T22:38:39.4Z", "context_length": 4096}
                for name in self.running.get(host, [])]}))
        script = self.scripts.get(host) or [fake_answer()]
        return (script.pop(0) if len(script) > 1 else script[0])(request)

    def count(self, host: str | None = None, path: str = "/api/chat") -> int:
        """Requests the fake received for `path` (on one host, or on all)."""
        return sum(1 for h, p in self.requests if p == path and host in (None, h))


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


def make_client(hosts: tuple[str, ...] | list[str], fake: ScriptedOllama | None = None,
                sleeps: RecordedSleeps | None = None, **settings: Any) -> OllamaClient:
    """A client over `hosts` (through `fake` when given, else the real network) with recorded sleeps."""
    transport = httpx.MockTransport(fake) if fake is not None else None
    config = OllamaConfig(base_urls=tuple(hosts), default_model=MODEL, **settings)
    if sleeps is None:
        return OllamaClient(config, transport=transport, async_transport=transport)
    return OllamaClient(config, transport=transport, async_transport=transport, sleep=sleeps.sleep,
                        asleep=sleeps.asleep)


# -- one runner for the four ways of calling chat ----------------------------------------------------------
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
    """A small chat request whose fake answer is predictable (see `answer_tokens`)."""
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
