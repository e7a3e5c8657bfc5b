"""A FAKE Ollama host that serves ONE request at a time with a fixed latency (OLLAMA_NUM_PARALLEL=1), in a process.

It is the suite's loopback fake (tests/fakes/server.py) with one change: each answer leaves `--latency`
seconds after the previous one left (or after it arrived, when the host is idle), so a host serves at most
1/latency requests per second however many it is sent, and deeper queues only wait longer, as in Ollama's
own queue. Every answer's request id (the last chat message, or the first embedding input) is appended to
`--served-log` just before the answer is written, so a host killed mid-run still leaves the record of what it
served. GET /_fake/stats adds `peak_queue`: the most requests the host held at once (in service or queued);
POST /_fake/reset-peak sets it back to what the host holds now (each case measures its own peak).

    python -m benchmarks.scaling_host --latency 0.05 --served-log /tmp/a.log --max-seconds 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from typing import IO

from tests.fakes.server import FakeOllamaProtocol, Faults

__all__ = ["main", "request_id"]


def request_id(path: bytes, body: bytes) -> str | None:
    """The id the benchmark put in a request: the last chat message's text, or the first embedding input."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return None
    if path == b"/api/chat" and data.get("messages"):
        return str(data["messages"][-1].get("content"))
    if path == b"/api/embed":
        texts = data.get("input")
        return str(texts[0] if isinstance(texts, list) and texts else texts)
    return None


class _Host:
    """What one fake host shares across its connections: when it is next free, and what it served."""

    def __init__(self, latency: float, log: IO[str]) -> None:
        self.latency, self.log = latency, log
        self.free_at = 0.0
        self.held = 0
        self.faults = Faults(echo=False)


class OneAtATimeProtocol(FakeOllamaProtocol):
    """FakeOllamaProtocol whose model answers one request at a time (the others queue, as in Ollama)."""

    def __init__(self, host: _Host) -> None:
        super().__init__(host.faults)
        self.host = host
        self._current: str | None = None

    def _respond(self, method: bytes, path: bytes, body: bytes) -> None:
        if path == b"/_fake/reset-peak":
            self.host.faults.stats["peak_queue"] = self.host.held
            path = b"/_fake/stats"  # answered with the stats, as a GET of them
        self._current = request_id(path, body) if path in (b"/api/chat", b"/api/embed") else None
        super()._respond(method, path, body)

    def _later(self, action: Callable[[], None]) -> None:
        if self._current is None:  # GET /, /api/show, stats: no model involved, answered at once
            action()
            return
        host, loop, served = self.host, asyncio.get_running_loop(), self._current
        host.free_at = max(loop.time(), host.free_at) + host.latency
        host.held += 1
        host.faults.stats["peak_queue"] = max(host.faults.stats["peak_queue"], host.held)

        def answer() -> None:
            host.held -= 1
            host.log.write(served + "\n")
            host.log.flush()
            action()

        loop.call_at(host.free_at, answer)


async def serve(latency: float, served_log: str, max_seconds: float) -> None:
    """Serve on an ephemeral loopback port until `max_seconds` pass or the parent goes away; prints
    {"url", "pid"} as one JSON line first."""
    loop = asyncio.get_running_loop()
    with open(served_log, "a", encoding="utf-8") as log:
        host = _Host(latency, log)
        server = await loop.create_server(lambda: OneAtATimeProtocol(host), "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": os.getpid()}), flush=True)
        parent, deadline = os.getppid(), time.monotonic() + max_seconds
        while time.monotonic() < deadline and os.getppid() == parent:
            await asyncio.sleep(0.25)
        server.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request (default 0.05)")
    parser.add_argument("--served-log", required=True, help="file the served request ids are appended to")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="lifetime bound (default 600)")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.latency, args.served_log, args.max_seconds))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
