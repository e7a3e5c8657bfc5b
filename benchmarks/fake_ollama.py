"""The benchmarks' FAKE Ollama: the test suite's one loopback fake server (tests/fakes/server.py), in a process.

Loopback only, ephemeral ports, a bounded lifetime. It answers /api/chat, /api/embed, /api/show, /api/tags,
/api/version and GET / with the bodies of tests/fakes/bodies.py, shaped like real Ollama v0.24.0 recordings:
`options.num_predict` tokens are generated (then done_reason is "length"; 40 tokens and "stop" when unset),
`stream` defaults to true, /api/embed returns one unit vector per input of `dimensions` (default 768) floats.
A second port (the "blackhole") accepts connections and never answers; GET /_fake/stats reports requests,
connections and the server's CPU time.

    python -m benchmarks.fake_ollama --max-seconds 600   # prints {"url": ..., "blackhole_url": ..., "pid": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.fakes.server import serve

__all__ = ["main"]


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
