"""The one scripted FAKE Ollama of the test suite, behind httpx.MockTransport (no sockets, never a recording).

`FakeOllama` records every request and answers it, in this order of precedence:
1. `handler(request)` when given (a test that scripts every answer itself);
2. GET / answers `root_status`, GET /api/ps lists the host's `running` models;
3. the host's script: `scripts[host]` is a list of responders used in order, the last one repeating;
4. the defaults: /api/embed answers `embed(text, batch_number)` per text (default: [len(text), batch
   number]); /api/chat answers the fixed `objects` when given (NDJSON for stream=true, aggregated for
   stream=false, like the real server), else the echo answer of bodies.py; anything else gets the fake
   server's answer (show, tags, version, 404).
The async path can wait `async_delay` seconds per request, to measure how many requests run at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from cb_ollama_integrations import OllamaClient, OllamaConfig

from .bodies import JSON, NDJSON, aggregate, answer, dump, ndjson
from .responders import Responder

__all__ = ["FakeOllama"]

Embedder = Callable[[str, int], list[float]]


def _length_and_batch(text: str, batch: int) -> list[float]:
    return [float(len(text)), float(batch)]


class FakeOllama:
    """A FAKE Ollama for httpx.MockTransport (see the module docstring for how it answers)."""

    def __init__(self, *objects: dict[str, Any], handler: Responder | None = None,
                 scripts: dict[str, list[Responder]] | None = None, running: dict[str, list[str]] | None = None,
                 root_status: int = 200, embed: Embedder = _length_and_batch, async_delay: float = 0.0) -> None:
        self.objects = objects
        self.handler = handler
        self.scripts = {host: list(script) for host, script in (scripts or {}).items()}
        self.running = running or {}
        self.root_status = root_status
        self.embed = embed
        self.async_delay = async_delay
        self.requests: list[httpx.Request] = []
        self.embed_batches = 0
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies sent so far, in order (requests without a body are left out)."""
        return [json.loads(r.content) for r in self.requests if r.content]

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(host, path) of every request so far."""
        return [(f"{r.url.scheme}://{r.url.host}:{r.url.port}", r.url.path) for r in self.requests]

    def count(self, host: str | None = None, path: str = "/api/chat") -> int:
        """Requests received for `path` (on one host, or on all)."""
        return sum(1 for h, p in self.calls if p == path and host in (None, h))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is not None:
            return self.handler(request)
        host, path = self.calls[-1]
        if path == "/":
            return httpx.Response(self.root_status, text="Ollama is running")
        if path == "/api/ps":
            return httpx.Response(200, headers=JSON, content=dump({"models": [
                {"name": name, "model": name, "size": 271_000_000, "digest": "9077" * 16, "size_vram": 0,
                 "expires_at": "2026-11-24T22:38:39.4Z", "context_length": 4096}
                for name in self.running.get(host, [])]}))
        script = self.scripts.get(host)
        if script:
            return (script.pop(0) if len(script) > 1 else script[0])(request)
        return self._default(request, path)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """The async path: the same answers, after `async_delay` (counting requests in flight)."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.async_delay)
            return self(request)
        finally:
            self.in_flight -= 1

    def _default(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/api/embed":
            self.embed_batches += 1
            body = json.loads(request.content)
            texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
            vectors = [self.embed(text, self.embed_batches) for text in texts]
            return httpx.Response(200, headers=JSON, content=dump(
                {"model": body["model"], "embeddings": vectors, "prompt_eval_count": 4}))
        if path == "/api/chat" and self.objects:
            if json.loads(request.content).get("stream") is False:
                return httpx.Response(200, headers=JSON, content=dump(aggregate(self.objects)))
            return httpx.Response(200, headers=NDJSON, content=ndjson(*self.objects))
        status, content_type, parts, _ = answer(request.method.encode(), path.encode(), request.content, echo=True)
        return httpx.Response(status, headers={"content-type": content_type.decode()}, content=b"".join(parts))

    def client(self, **config: Any) -> OllamaClient:
        """An OllamaClient whose sync and async paths both come here (no retries unless asked)."""
        config.setdefault("max_retries", 0)
        return OllamaClient(OllamaConfig(**config), transport=httpx.MockTransport(self),
                            async_transport=httpx.MockTransport(self.handle_async))
