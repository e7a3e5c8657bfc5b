"""A FAKE Ollama behind httpx.MockTransport for the anchor-compatibility tests (never a recording).

`Wire` records every request the adapters' own clients send (built from their fields, as in real use: the
monkeypatched factory only swaps the network) and answers with Ollama-shaped bodies: chat (optionally with
tool calls and logprobs, streamed when asked), generate, embed and show.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from cb_ollama_integrations import OllamaClient
from cb_ollama_integrations._adapters import connection

ANSWER = {"model": "m", "created_at": "2026-01-01T00:00:00Z", "done": True, "done_reason": "stop",
          "prompt_eval_count": 3, "eval_count": 1, "total_duration": 10, "load_duration": 1,
          "prompt_eval_duration": 2, "eval_duration": 3}
LOGPROB = {"token": "ok", "logprob": -0.5, "bytes": [111, 107], "top_logprobs": [{"token": "ok", "logprob": -0.5}]}


class Wire:
    """The requests seen, and what the fake answers (`tool_calls`, `logprobs` on chat answers)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.tool_calls: list[dict[str, Any]] | None = None
        self.logprobs = False
        self.fail_read = False

    def body(self, index: int = -1) -> dict[str, Any]:
        calls = [r for r in self.requests if r.url.path != "/api/show"]
        return dict(json.loads(calls[index].content))

    def _chat(self, stream: bool) -> httpx.Response:
        message: dict[str, Any] = {"role": "assistant", "content": "ok"}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        extra = {"logprobs": [LOGPROB]} if self.logprobs else {}
        if not stream:
            return httpx.Response(200, json={**ANSWER, "message": message, **extra})
        lines = [{"model": "m", "created_at": ANSWER["created_at"], "message": message, "done": False, **extra},
                 {**ANSWER, "message": {"role": "assistant", "content": ""}}]
        return httpx.Response(200, content=b"".join(json.dumps(line).encode() + b"\n" for line in lines))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_read:
            raise httpx.ReadTimeout("slow", request=request)
        body = json.loads(request.content or b"{}")
        if request.url.path == "/api/chat":
            return self._chat(bool(body.get("stream")))
        if request.url.path == "/api/generate":
            return httpx.Response(200, json={**ANSWER, "response": "ok", "context": [1, 2]})
        if request.url.path == "/api/embed":
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            size = body.get("dimensions") or 2  # vectors as long as asked (the client checks `dimensions`)
            return httpx.Response(200, json={"model": "m", "embeddings": [[0.5] * size] * len(texts)})
        if request.url.path == "/api/show":
            return httpx.Response(200, json={"capabilities": ["completion", "tools"],
                                             "model_info": {"llama.context_length": 8192}})
        return httpx.Response(404, json={"error": "page not found"})


def install(monkeypatch: pytest.MonkeyPatch) -> Wire:
    """Make every adapter-built client talk to a new Wire."""
    wire = Wire()

    async def ahandler(request: httpx.Request) -> httpx.Response:
        return wire(request)

    def build(config: Any) -> OllamaClient:
        return OllamaClient(config, transport=httpx.MockTransport(wire),
                            async_transport=httpx.MockTransport(ahandler), sleep=lambda _s: None)

    monkeypatch.setattr(connection, "build_client", build)
    return wire
