"""The one FAKE Ollama HTTP server (never a recording): real TCP on loopback, an ephemeral port, a bounded life.

Speaks just enough HTTP/1.1 (keep-alive, Content-Length requests; answers framed as Go's net/http frames
them: Content-Length for small bodies, chunked with one HTTP chunk per NDJSON line for streams) and answers
with the bodies of bodies.py. Used two ways:
- tests: `with FakeOllamaServer(...) as server:` runs it in a thread, with echo answers and fault knobs:
  `silent` (accept, never answer), `first_byte_delay` (a cold model load), `drop_after_lines` (close the socket
  mid-answer), `die_at_request` (the host crashes at its Nth chat request), `text_vectors` (each text its own embedding,
  the same on every fake host); `kill()` closes the listener and
  every connection, as a crashed host would;
- benchmarks: `serve()` in its own process (benchmarks/fake_ollama.py), with sized answers, a "blackhole" port
  (accepts, never answers) and GET /_fake/stats (requests, connections, the server's CPU time).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

from .bodies import answer, http_date

__all__ = ["FakeOllamaServer", "Faults", "closed_port_url", "serve"]

MAX_HEADER_BYTES = 64 * 1024
_WRITE_SLICE = 1 << 20
_REASONS = {200: b"OK", 404: b"Not Found"}
LOOPBACK = ("127.0.0.1", "::1")


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was just released): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _frame(status: int, content_type: bytes, parts: list[bytes], streamed: bool) -> tuple[bytes, list[bytes]]:
    """(head, body pieces): Content-Length for a small whole body, else chunked (one HTTP chunk per part)."""
    head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nDate: %s\r\n" % (
        status, _REASONS.get(status, b"Error"), content_type, http_date())
    size = sum(len(p) for p in parts)
    if not streamed and size <= 4096:  # Go buffers 4 KB: small answers get a Content-Length
        return head + b"Content-Length: %d\r\n\r\n" % size, parts
    return (head + b"Transfer-Encoding: chunked\r\n\r\n",
            [*(b"%x\r\n%s\r\n" % (len(part), part) for part in parts), b"0\r\n\r\n"])


@dataclass
class Faults:
    """What the fake does wrong, and what it counted (shared by every connection of one server)."""

    echo: bool = True
    silent: bool = False
    first_byte_delay: float = 0.0
    drop_after_lines: int | None = None
    die_at_request: int | None = None
    text_vectors: bool = False
    stats: collections.Counter[str] = field(default_factory=collections.Counter)
    connections: set[asyncio.Transport] = field(default_factory=set)
    peak_connections: int = 0
    on_death: asyncio.Event | None = None


class FakeOllamaProtocol(asyncio.Protocol):
    """One connection: parse requests, answer each through bodies.answer, apply the server's faults."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.buffer = bytearray()
        self.pending: collections.deque[memoryview] = collections.deque()
        self.paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        faults = self.faults
        faults.stats["connections"] += 1
        faults.connections.add(self.transport)
        faults.peak_connections = max(faults.peak_connections, len(faults.connections))

    def connection_lost(self, exc: Exception | None) -> None:
        self.faults.connections.discard(self.transport)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._flush()

    def _send(self, pieces: list[bytes], *, then_abort: bool = False) -> None:
        if self.transport.is_closing():
            return
        for piece in pieces:
            view = memoryview(piece)
            self.pending.extend(view[i:i + _WRITE_SLICE] for i in range(0, len(view), _WRITE_SLICE))
        self._flush()
        if then_abort:  # a drop must not look like a clean end of the body
            self.transport.abort()

    def _flush(self) -> None:
        # One slice at a time under flow control: handing asyncio a 100 MB body at once makes it memmove the
        # rest of its buffer after every send (quadratic).
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
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            self._respond(method, target.split(b"?", 1)[0], body)

    def _respond(self, method: bytes, path: bytes, body: bytes) -> None:
        faults = self.faults
        faults.stats["requests"] += 1
        faults.stats[(method + b" " + path).decode()] += 1
        if method == b"POST" and path == b"/api/chat":
            faults.stats["chat_requests"] += 1  # counted on arrival: includes requests never answered
            if faults.die_at_request is not None and faults.stats["chat_requests"] >= faults.die_at_request:
                if faults.on_death is not None:
                    faults.on_death.set()  # crash now, with every earlier request still in flight
                return
        if faults.silent:
            return  # hold the connection, answer nothing
        if path == b"/_fake/stats":
            stats = {**faults.stats, "cpu_seconds": time.process_time(), "fake": True}
            head, pieces = _frame(200, b"application/json", [json.dumps(stats).encode()], False)
        else:
            status, content_type, parts, streamed = answer(method, path, body, echo=faults.echo,
                                                           text_vectors=faults.text_vectors)
            drop = faults.drop_after_lines if path == b"/api/chat" else None
            if drop is not None and not streamed:  # promise the whole body, send half of it, hang up
                whole = b"".join(parts)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (content_type, len(whole))
                self._later(lambda: self._send([head, whole[:len(whole) // 2]], then_abort=True))
                return
            head, pieces = _frame(status, content_type, parts, streamed)
            if drop is not None:  # no terminating chunk: the client sees the connection die mid-stream
                self._later(lambda: self._send([head, *pieces[:drop]], then_abort=True))
                return
        self._later(lambda: self._send([head, *pieces]))

    def _later(self, action: collections.abc.Callable[[], None]) -> None:
        if self.faults.first_byte_delay:
            asyncio.get_running_loop().call_later(self.faults.first_byte_delay, action)
        else:
            action()


class FakeOllamaServer:
    """A loopback fake Ollama in a thread: `with FakeOllamaServer() as server:` then talk to `server.url`."""

    def __init__(self, *, lifetime: float = 60.0, silent: bool = False, first_byte_delay: float = 0.0,
                 drop_after_lines: int | None = None, die_at_request: int | None = None,
                 text_vectors: bool = False) -> None:
        self.lifetime = lifetime
        self.faults = Faults(silent=silent, first_byte_delay=first_byte_delay, drop_after_lines=drop_after_lines,
                             die_at_request=die_at_request, text_vectors=text_vectors)
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="fake-ollama", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def chat_requests(self) -> int:
        """Chat requests received so far (answered or not)."""
        return self.faults.stats["chat_requests"]

    @property
    def embed_requests(self) -> int:
        """/api/embed requests received so far."""
        return self.faults.stats["POST /api/embed"]

    @property
    def total_connections(self) -> int:
        """Connections accepted so far."""
        return self.faults.stats["connections"]

    @property
    def open_connections(self) -> int:
        """Connections open now."""
        return len(self.faults.connections)

    @property
    def peak_connections(self) -> int:
        """The most connections open at once."""
        return self.faults.peak_connections

    def __enter__(self) -> FakeOllamaServer:
        self._thread.start()
        if not self._ready.wait(5.0):
            raise RuntimeError("the fake server did not start within 5 s")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.kill()

    def kill(self) -> None:
        """Stop listening and drop every connection (idempotent); waits at most 5 s for the thread."""
        death = self.faults.on_death
        if self._loop is not None and death is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between (lifetime over)
                self._loop.call_soon_threadsafe(death.set)
        self._thread.join(5.0)
        if self._thread.is_alive():
            raise RuntimeError("the fake server thread did not stop within 5 s")

    async def _main(self) -> None:
        self._loop, self.faults.on_death = asyncio.get_running_loop(), asyncio.Event()
        server = await self._loop.create_server(lambda: FakeOllamaProtocol(self.faults), "127.0.0.1", 0, backlog=512)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.faults.on_death.wait(), self.lifetime)
        server.close()
        for transport in list(self.faults.connections):
            transport.abort()
        await server.wait_closed()


class _Blackhole(asyncio.Protocol):
    """Accepts a connection and never answers (a host that hangs)."""


async def serve(max_seconds: float, host: str = "127.0.0.1", *, parent_pid: int | None = None) -> None:
    """Serve sized answers and a blackhole on ephemeral loopback ports until `max_seconds` pass (or the
    parent process goes away); prints {"url", "blackhole_url", "pid"} as one JSON line first."""
    if host not in LOOPBACK:
        raise ValueError("the fake Ollama server only listens on loopback")
    import os  # noqa: PLC0415 - only the benchmark process needs it

    loop, faults = asyncio.get_running_loop(), Faults(echo=False)
    server = await loop.create_server(lambda: FakeOllamaProtocol(faults), host, 0)
    blackhole = await loop.create_server(_Blackhole, host, 0)
    port, hole = server.sockets[0].getsockname()[1], blackhole.sockets[0].getsockname()[1]
    print(json.dumps({"url": f"http://{host}:{port}", "blackhole_url": f"http://{host}:{hole}",
                      "pid": os.getpid()}), flush=True)
    parent, deadline = parent_pid or os.getppid(), time.monotonic() + max_seconds
    while time.monotonic() < deadline and os.getppid() == parent:
        await asyncio.sleep(0.5)
    server.close()
    blackhole.close()
