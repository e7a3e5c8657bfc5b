"""A FAKE Ollama server for benchmarks: loopback only, an ephemeral port, a bounded lifetime.

It answers /api/chat, /api/embed, /api/show, /api/tags, /api/version and GET / with bodies shaped like real
Ollama v0.24.0 recordings (cassettes/test_core_cassettes): the same fields, NDJSON with one line per HTTP
chunk for streams, Content-Length for small bodies and chunked framing for large ones (as Go's net/http does).
Bodies are built per request: `options.num_predict` tokens are generated (then done_reason is "length", as
the real server says; 40 tokens and "stop" when unset), `stream` defaults to true, /api/embed returns one
vector per input of `dimensions` (default 768) floats. It is a raw asyncio protocol, so it costs a few
microseconds per request; `GET /_fake/stats` reports requests, connections and the server's CPU time.

A second port (the "blackhole") accepts connections and never answers: a host that hangs.

    python -m benchmarks.fake_ollama --max-seconds 600   # prints {"url": ..., "blackhole_url": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
import time

from benchmarks.fake_bodies import STATS, answer, http_date

__all__ = ["FakeOllamaProtocol", "serve"]

MAX_HEADER_BYTES = 64 * 1024
_WRITE_SLICE = 1 << 20


def _frame(status: int, content_type: bytes, parts: list[bytes], streamed: bool) -> list[bytes]:
    """The response as byte pieces (a large body stays one piece, sent in slices, never copied whole)."""
    head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nDate: %s\r\n" % (
        status,
        b"OK" if status == 200 else b"Not Found",
        content_type,
        http_date(),
    )
    size = sum(len(p) for p in parts)
    if not streamed and size <= 4096:  # Go buffers 4 KB: small answers get a Content-Length
        return [head + b"Content-Length: %d\r\n\r\n" % size + b"".join(parts)]
    if len(parts) == 1:
        return [head + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % size, parts[0], b"\r\n0\r\n\r\n"]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)  # one HTTP chunk per NDJSON line
    return [head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"]


class FakeOllamaProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, Content-Length request bodies only (what every client here sends)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        STATS["connections"] += 1
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = bytearray()
        self.pending: collections.deque[memoryview] = collections.deque()
        self.paused = False

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._flush()

    def _send(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            view = memoryview(piece)
            self.pending.extend(view[i : i + _WRITE_SLICE] for i in range(0, len(view), _WRITE_SLICE))
        self._flush()

    def _flush(self) -> None:
        # Feed the transport one slice at a time under its flow control: handing asyncio a 100 MB body at
        # once makes it memmove the rest of its buffer after every send (quadratic).
        while self.pending and not self.paused and not self.transport.is_closing():
            self.transport.write(self.pending.popleft())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._drain()

    def _drain(self) -> None:
        for turn in range(1000):  # bounded per turn; more pipelined requests wait for the next loop turn
            if turn == 999:
                asyncio.get_running_loop().call_soon(self._drain)
                return
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEADER_BYTES:
                    self.transport.close()
                return
            lines = bytes(self.buffer[:end]).split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers = dict(line.split(b":", 1) for line in lines[1:] if b":" in line)
            length = next((int(v) for k, v in headers.items() if k.strip().lower() == b"content-length"), 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            self._send(_frame(*answer(method, target.split(b"?", 1)[0], body)))


class _Blackhole(asyncio.Protocol):
    """Accepts a connection, reads nothing useful, never answers."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        STATS["blackhole_connections"] += 1


async def serve(max_seconds: float, host: str = "127.0.0.1") -> None:
    """Serve on ephemeral loopback ports until `max_seconds` pass or the parent process goes away."""
    if host not in ("127.0.0.1", "::1"):
        raise ValueError("the fake Ollama server only listens on loopback")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FakeOllamaProtocol, host, 0)
    blackhole = await loop.create_server(_Blackhole, host, 0)
    port, hole = server.sockets[0].getsockname()[1], blackhole.sockets[0].getsockname()[1]
    print(
        json.dumps({"url": f"http://{host}:{port}", "blackhole_url": f"http://{host}:{hole}", "pid": os.getpid()}),
        flush=True,
    )
    parent, deadline = os.getppid(), time.monotonic() + max_seconds
    while time.monotonic() < deadline and os.getppid() == parent:
        await asyncio.sleep(0.5)
    server.close()
    blackhole.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="lifetime bound (default 3600)")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.max_seconds))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
