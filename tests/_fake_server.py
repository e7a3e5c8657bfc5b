"""A fake Ollama HTTP server for socket-level faults and load: real TCP on 127.0.0.1, ephemeral port.

It runs its own asyncio loop in a thread, stops by itself after `lifetime` seconds, speaks just enough
HTTP/1.1 (keep-alive, Content-Length requests, chunked NDJSON answers) and answers /api/chat with the
bodies of tests/_fakes.py. Knobs for faults: `silent` (accept, never answer), `first_byte_delay` (a cold
model load), `drop_after_lines` (close the socket mid-answer). `kill()` closes the listener and every
connection, as a crashed host would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from types import TracebackType
from typing import Any

from _fakes import answer_tokens, chat_body, chat_lines

_REASONS = {200: "OK", 404: "Not Found"}


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was just released): connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeOllamaServer:
    """A real local fake Ollama: `with FakeOllamaServer() as server:` then talk to `server.url`."""

    def __init__(self, *, lifetime: float = 60.0, silent: bool = False, first_byte_delay: float = 0.0,
                 drop_after_lines: int | None = None, die_at_request: int | None = None) -> None:
        self.lifetime = lifetime
        self.die_at_request = die_at_request
        self.silent = silent
        self.first_byte_delay = first_byte_delay
        self.drop_after_lines = drop_after_lines
        self.port = 0
        self.chat_requests = 0
        self.open_connections = 0
        self.peak_connections = 0
        self.total_connections = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-ollama", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        return f"http://127.0.0.1:{self.port}"

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
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between (lifetime over)
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5.0)
        if self._thread.is_alive():
            raise RuntimeError("the fake server thread did not stop within 5 s")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.lifetime)
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.open_connections += 1
            self.total_connections += 1
            self.peak_connections = max(self.peak_connections, self.open_connections)
        try:
            while await self._answer_one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with self._lock:
                self.open_connections -= 1
            writer.transport.abort()  # a drop must not look like a clean end of the body
            writer.close()
            self._tasks.discard(task)

    async def _answer_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; False when the connection must close."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if method == "POST" and path == "/api/chat":
            with self._lock:
                self.chat_requests += 1  # counted on arrival: includes requests that never get an answer
            if self.die_at_request is not None and self.chat_requests >= self.die_at_request and self._stop:
                self._stop.set()  # crash now, with every earlier request still in flight
        if self.silent:
            await asyncio.sleep(self.lifetime)  # hold the connection, answer nothing
            return False
        if self.first_byte_delay:
            await asyncio.sleep(self.first_byte_delay)
        if method == "POST" and path == "/api/chat":
            return await self._chat(json.loads(body or b"{}"), writer)
        if path == "/":
            self._write(writer, 200, "text/plain; charset=utf-8", b"Ollama is running")
        elif path == "/api/version":
            self._write(writer, 200, "application/json; charset=utf-8", b'{"version":"0.24.0"}')
        else:
            self._write(writer, 404, "text/plain", b"404 page not found")
        await writer.drain()
        return True

    async def _chat(self, payload: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        messages = payload.get("messages") or [{"content": ""}]
        tokens = answer_tokens(str(messages[-1].get("content", "")))
        drop = self.drop_after_lines
        if not payload.get("stream", True):
            body = chat_body(tokens)
            if drop is not None:  # promise the whole body, send half of it, hang up
                head = self._head(200, "application/json; charset=utf-8", len(body))
                writer.write(head + body[: len(body) // 2])
                await writer.drain()
                return False
            self._write(writer, 200, "application/json; charset=utf-8", body)
            await writer.drain()
            return True
        writer.write(self._head(200, "application/x-ndjson", None))
        for index, line in enumerate(chat_lines(tokens)):
            if drop is not None and index == drop:
                await writer.drain()
                return False  # no terminating chunk: the client sees the connection die mid-stream
            writer.write(b"%x\r\n%s\r\n" % (len(line), line))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    @staticmethod
    def _head(status: int, content_type: str, length: int | None) -> bytes:
        framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
        return (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {content_type}\r\n"
                f"{framing}\r\n\r\n").encode()

    def _write(self, writer: asyncio.StreamWriter, status: int, content_type: str, body: bytes) -> None:
        writer.write(self._head(status, content_type, len(body)) + body)
