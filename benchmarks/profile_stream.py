"""CPU per streamed chunk of each chat client against the FAKE server, and where it goes (no wall time).

    python -m benchmarks.profile_stream                                  # CPU µs per chunk, best of rounds
    python -m benchmarks.profile_stream --profile cb-langchain --top 30  # cProfile of one client's streams

The fake runs in its own process and only this process's CPU time is counted (`time.process_time`), so other
load on a shared machine barely moves the numbers (unlike chunks per second); best-of keeps the least
disturbed round. Clients: any name of benchmarks.clients (default: the LangChain floor, ChatCBOllama,
langchain-ollama's ChatOllama, the core, raw httpx, the LlamaIndex floor and CBOllama).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.clients import Unavailable, make_client
from benchmarks.profile_core import cprofile_report
from benchmarks.run import start_fake, stop_fake
from benchmarks.workloads import Settings

__all__ = ["cpu_per_chunk", "main"]

DEFAULT_CLIENTS = "raw-httpx,cb-core,langchain-floor,cb-langchain,langchain-ollama,llama-index-floor,cb-llama-index"


def cpu_per_chunk(url: str, names: list[str], *, chunks: int, streams: int, rounds: int) -> dict[str, float]:
    """Best-of-`rounds` CPU microseconds per chunk of each client over `streams` streams of `chunks` chunks.

    The clients take turns within each round, so a burst of load elsewhere hits all of them alike.
    """
    clients = {}
    for name in names:
        try:
            clients[name] = make_client(name, Settings(client=name, workload="W2", url=url))
        except Unavailable as exc:
            print(f"{name}: {exc}")
    best = dict.fromkeys(clients, float("inf"))
    try:
        for client in clients.values():
            client.stream(50)  # warm-up: the connection, lazy imports and validators are not the steady state
        for _ in range(rounds):
            for name, client in clients.items():
                started = time.process_time()
                got = sum(client.stream(chunks - 1) for _ in range(streams))
                best[name] = min(best[name], (time.process_time() - started) / got * 1e6)
        return best
    finally:
        for client in clients.values():
            client.close()


def profile_client(url: str, name: str, *, chunks: int, streams: int, top: int) -> str:
    """cProfile of `streams` streams of one client, sorted by own time."""
    client = make_client(name, Settings(client=name, workload="W2", url=url))
    try:
        client.stream(50)
        return cprofile_report(lambda: [client.stream(chunks - 1) for _ in range(streams)], top)
    finally:
        client.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default=DEFAULT_CLIENTS)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", help="one client to run under cProfile instead of timing")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    fake, urls = start_fake(900)
    try:
        if args.profile:
            print(profile_client(urls["url"], args.profile, chunks=args.chunks, streams=args.streams, top=args.top))
            return
        names = args.clients.split(",")
        best = cpu_per_chunk(urls["url"], names, chunks=args.chunks, streams=args.streams, rounds=args.rounds)
        for name, value in best.items():
            print(f"{name}: {value:.2f} CPU µs/chunk")
    finally:
        stop_fake(fake)


if __name__ == "__main__":
    main()
