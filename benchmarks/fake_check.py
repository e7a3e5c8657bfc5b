"""How much the FAKE server costs per request: the proof that it is not what the benchmarks measure.

Drives the fake over one raw socket (no HTTP client library in the way) and reads the server's own CPU time
from /_fake/stats: server CPU per non-streaming chat, per streamed chunk, and per 10,000-vector embed.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

__all__ = ["check_fake"]


def _request(path: str, body: dict[str, Any] | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    method = b"POST" if body is not None else b"GET"
    return b"%s %s HTTP/1.1\r\nHost: fake\r\nContent-Length: %d\r\n\r\n%s" % (
        method,
        path.encode(),
        len(data),
        data,
    )


class _Conn:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
        self.buffer = b""

    def _read_until(self, marker: bytes) -> bytes:
        for _ in range(1_000_000):  # bounded; each recv returns at least one byte or raises on timeout
            index = self.buffer.find(marker)
            if index >= 0:
                head, self.buffer = self.buffer[: index + len(marker)], self.buffer[index + len(marker) :]
                return head
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("the fake closed the connection")
            self.buffer += data
        raise RuntimeError("response too long")

    def response(self) -> bytes:
        head = self._read_until(b"\r\n\r\n").lower()
        if b"content-length:" in head:
            length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
            while len(self.buffer) < length:
                self.buffer += self.sock.recv(1 << 20)
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return body
        return self._read_until(b"\r\n0\r\n\r\n")

    def stats(self) -> dict[str, Any]:
        self.sock.sendall(_request("/_fake/stats"))
        return dict(json.loads(self.response()))


def check_fake(url: str, calls: int = 2000, chunks: int = 20_000, texts: int = 10_000) -> dict[str, Any]:
    """Server CPU microseconds per chat call, per stream chunk, and milliseconds per embed of `texts`."""
    conn = _Conn(url)
    chat = {
        "model": "smollm2:135m",
        "messages": [{"role": "user", "content": "Why is the sky blue?"}],
        "stream": False,
        "options": {"num_predict": 40},
    }
    before, started = conn.stats(), time.perf_counter()
    conn.sock.sendall(_request("/api/chat", chat) * calls)  # pipelined: the server's throughput, not ours
    for _ in range(calls):
        conn.response()
    wall, mid = time.perf_counter() - started, conn.stats()
    conn.sock.sendall(_request("/api/chat", {**chat, "stream": True, "options": {"num_predict": chunks - 1}}))
    conn.response()
    after_stream = conn.stats()
    conn.sock.sendall(_request("/api/embed", {"model": "all-minilm", "input": ["t"] * texts, "dimensions": 768}))
    conn.response()
    end = conn.stats()
    conn.sock.close()
    return {
        "chat_server_cpu_us": (mid["cpu_seconds"] - before["cpu_seconds"]) / calls * 1e6,
        "chat_requests_per_s": calls / wall,
        "stream_server_cpu_us_per_chunk": (after_stream["cpu_seconds"] - mid["cpu_seconds"]) / chunks * 1e6,
        "embed_server_cpu_ms": (end["cpu_seconds"] - after_stream["cpu_seconds"]) * 1e3,
    }
