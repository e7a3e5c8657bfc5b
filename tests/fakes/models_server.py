"""A tiny fake Ollama for the examples' first-hour tests: stdlib HTTP on 127.0.0.1, bounded in time.

It knows which models are "installed"; /api/show answers 404 for the others (as Ollama does), /api/pull
streams a few progress lines and then installs the model, and /api/chat answers one short reply, or the
server's own 404 sentence when `chat_says_missing` (a model removed while the example runs).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CREATED = "2026-01-01T00:00:00.000000000Z"


class FakeOllama:
    """`with FakeOllama(installed={"smollm2:135m"}) as fake:` then run an example with `--base-url fake.url`."""

    def __init__(self, *, installed: set[str] | None = None, chat_says_missing: bool = False,
                 lifetime: float = 120.0) -> None:
        self.installed = set(installed or ())
        self.chat_says_missing = chat_says_missing
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._deadline = threading.Timer(lifetime, self._server.shutdown)  # never outlives a stuck test

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        self._deadline.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._deadline.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]] | str]:
        """Status and either JSON lines (one for a plain JSON answer) or plain text."""
        self.requests.append(f"{method} {path}")
        model = str(body.get("model", ""))
        if (method, path) == ("GET", "/"):
            return 200, "Ollama is running"
        if (method, path) == ("POST", "/api/show"):
            if model not in self.installed:
                return 404, [{"error": f"model '{model}' not found"}]
            return 200, [{"details": {"family": "llama", "parameter_size": "135M"}, "capabilities": ["completion"],
                          "model_info": {"llama.context_length": 8192}}]
        if (method, path) == ("POST", "/api/pull"):
            self.installed.add(model)
            return 200, [{"status": "pulling manifest"},
                         {"status": "pulling 0123abcd", "digest": "sha256:0123abcd", "total": 1000, "completed": 1000},
                         {"status": "success"}]
        if (method, path) == ("POST", "/api/chat"):
            if self.chat_says_missing or model not in self.installed:
                return 404, [{"error": f'model "{model}" not found, try pulling it first'}]
            return 200, [{"model": model, "created_at": CREATED, "message": {"role": "assistant", "content": "Salt."},
                          "done": True, "done_reason": "stop", "prompt_eval_count": 5, "eval_count": 2}]
        return 404, "404 page not found"


def _handler(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, answer = fake.answer(method, self.path, json.loads(raw) if raw else {})
            if isinstance(answer, str):
                payload, kind = answer.encode(), "text/plain; charset=utf-8"
            else:
                payload = b"".join(json.dumps(line).encode() + b"\n" for line in answer)
                kind = "application/x-ndjson" if len(answer) > 1 else "application/json; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read the examples' output, not the fake's."""

    return Handler
