"""A fake Ollama for the context-window tests (not a recording): /api/show, /api/ps, /api/chat, /api/embed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from cb_ollama_integrations import OllamaClient, OllamaConfig

MODEL = "smollm2:135m"  # the catalog knows it: trained context 8,192
PROSE = "The quick brown fox jumps over the lazy dog. "  # ten raw tokens


class Server:
    """A fake Ollama (not a recording): answers /api/show with `trained`, /api/chat with `prompt_eval_count`."""

    def __init__(self, *, prompt_eval_count: int = 20, trained: int | None = 8192,
                 chat: Callable[[dict[str, Any]], httpx.Response] | None = None) -> None:
        self.prompt_eval_count, self.trained, self.chat = prompt_eval_count, trained, chat
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        self.requests.append((request.url.host, request.url.path, body))
        if request.url.path == "/api/show":
            if self.trained is None:
                return httpx.Response(500, json={"error": "show is broken"})
            return httpx.Response(200, json={"model_info": {"general.architecture": "llama",
                                                            "llama.context_length": self.trained}})
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": [{"name": MODEL, "context_length": 16384}]})
        if self.chat is not None:
            return self.chat(body)
        done = {"model": body["model"], "message": {"role": "assistant", "content": "ok"}, "done": True,
                "done_reason": "stop", "prompt_eval_count": self.prompt_eval_count, "eval_count": 1}
        if body["stream"]:
            first = {"model": body["model"], "message": {"role": "assistant", "content": "o"}, "done": False}
            return httpx.Response(200, content=(json.dumps(first) + "\n" + json.dumps(done) + "\n").encode())
        return httpx.Response(200, json=done)

    def client(self, **config: Any) -> OllamaClient:
        config.setdefault("default_model", MODEL)
        config.setdefault("max_retries", 0)
        return OllamaClient(OllamaConfig(**config), transport=httpx.MockTransport(self),
                            async_transport=httpx.MockTransport(self))

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    def sizes(self) -> list[int | None]:
        return [body.get("options", {}).get("num_ctx") for _, path, body in self.requests if path == "/api/chat"]


class EmbedServer(Server):
    """A fake /api/embed (not a recording): `embed(request)` answers."""

    def __init__(self, embed: Callable[[httpx.Request], httpx.Response]) -> None:
        super().__init__()
        self.embed = embed

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.host, request.url.path, {}))
        return self.embed(request)


def embed_server(truncate_error: bool) -> Server:
    def embed(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if truncate_error and body.get("truncate") is False:
            return httpx.Response(400, json={"error": "the input length exceeds the context length"})
        return httpx.Response(200, json={"embeddings": [[0.1]] * len(body["input"]), "prompt_eval_count": 600})

    return EmbedServer(embed)
