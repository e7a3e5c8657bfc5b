"""A hostile HTTP server on 127.0.0.1 (raw sockets, FAKE): each connection runs a script you give it, for the
malicious answers FakeOllamaServer cannot give (slowloris, gzip bombs, resets mid-body, endless bodies).

`HostileServer(script)` listens on an ephemeral loopback port; for every request it reads the request (head
and Content-Length body), records it, and calls `script(conn, request)`, which writes whatever it likes (a
slowloris, a gzip bomb, a reset mid-body). The server stops when the `with` block ends, or by itself after
`lifetime` seconds, so a test can never hang on it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HostileServer:
    """Runs `script(conn, request)` for every request; `requests` lists what arrived."""

    script: Callable[[socket.socket, Request], None]
    lifetime: float = 15.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._ends = time.monotonic() + self.lifetime
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        with self._lock:
            for conn in self._conns:
                _close(conn)
        self._threads[0].join(timeout=2)  # the acceptor; scripts end as their sockets close (or sleep out)
        self._listener.close()

    @property
    def stopping(self) -> bool:
        """Whether scripts should stop writing (the block ended or the lifetime passed)."""
        return self._stop.is_set() or time.monotonic() > self._ends

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self.lifetime)
        buffer = b""
        try:
            while not self.stopping:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                request = Request(method, path, headers, body)
                with self._lock:
                    self.requests.append(request)
                self.script(conn, request)
        except OSError:
            return
        finally:
            _close(conn)


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.close()


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed peer does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def head(status: int = 200, *, length: int | None = None, extra: str = "", chunked: bool = False) -> bytes:
    """An HTTP/1.1 response head."""
    lines = [f"HTTP/1.1 {status} X", "Content-Type: application/json"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_answer(conn: socket.socket, payload: object, status: int = 200) -> None:
    """A whole JSON answer with Content-Length (the connection stays open for the next request)."""
    body = json.dumps(payload).encode()
    conn.sendall(head(status, length=len(body)) + body)


CHAT_OK = {"model": "m", "message": {"role": "assistant", "content": "ok"}, "done": True, "done_reason": "stop",
           "prompt_eval_count": 3, "eval_count": 1}


def chat_ok(conn: socket.socket, request: Request) -> None:
    """A healthy Ollama answering every request with CHAT_OK (GET / with its plain text)."""
    if request.path == "/":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\nOllama is running")
    else:
        json_answer(conn, CHAT_OK)


# -- driving a client against hostile hosts (shared by the hardening tests) -----------------------------------
HI = LLMRequest(messages=[ChatMessage(role="user", content="hi")])
CALL_MODES = ["sync", "async"]


def client_for(*urls: str, **config: Any) -> OllamaClient:
    """A client over `urls` whose retry backoff costs no time."""
    return OllamaClient(OllamaConfig(base_urls=list(urls), **config), sleep=lambda _: None)


async def chat(client: OllamaClient, mode: str) -> Any:
    """One non-streamed chat of HI, sync or async."""
    return client.chat_completion(HI) if mode == "sync" else await client.achat_completion(HI)
