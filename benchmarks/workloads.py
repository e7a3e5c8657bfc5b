"""The workloads W1-W4 and W6, run by one client in one fresh process (`python -m benchmarks.workloads SPEC`).

The worker prints one JSON line: the metrics of that workload, or why the client is not available. W5
(import time) needs a process that imported nothing yet, so `benchmarks.run` measures it with `python -c`.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from benchmarks.clients import BenchClient, Unavailable, make_client

__all__ = ["Settings", "run_workload"]


@dataclass(frozen=True)
class Settings:
    """What one worker runs: the client, the workload, its size and the server it talks to."""

    client: str
    workload: str
    url: str
    blackhole_url: str = ""
    refused_url: str = ""
    model: str = "smollm2:135m"
    embed_model: str = "all-minilm"
    dimensions: int | None = 768
    # W1: None sends no num_predict: the fake answers 40 tokens ending with "stop" (a model that finished)
    chat_tokens: int | None = None
    calls: int = 500  # W1
    streams: int = 20  # W2
    stream_tokens: int = 1999  # W2: 1,999 tokens + the done line = 2,000 chunks
    texts: int = 10_000  # W3
    concurrent: int = 200  # W4
    timeout: float | None = None  # None: the client's own default
    max_retries: int | None = None  # None: the client's own default
    fake: bool = True  # the fake server answers /_fake/stats (requests, connections)


class _Stats:
    """Counters of the fake server, read over one kept-alive connection (so reading them opens none)."""

    def __init__(self, url: str, enabled: bool) -> None:
        parts = urlsplit(url)
        self._conn = (
            http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10) if enabled else None
        )

    def read(self) -> dict[str, Any]:
        if self._conn is None:
            return {}
        self._conn.request("GET", "/_fake/stats")
        return dict(json.loads(self._conn.getresponse().read()))

    def delta(self, before: dict[str, Any], key: str) -> float | None:
        return None if self._conn is None else self.read().get(key, 0) - before.get(key, 0)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(settings: Settings, client: BenchClient, stats: _Stats) -> dict[str, Any]:
    before, cpu, started = stats.read(), time.process_time(), time.perf_counter()
    metrics: dict[str, Any] = {}
    if settings.workload == "W1":
        answers = [client.chat() for _ in range(settings.calls)]
        assert all(answers), "an empty answer"
        metrics["us_per_call"] = (time.perf_counter() - started) / settings.calls * 1e6
    elif settings.workload == "W2":
        chunks = sum(client.stream(settings.stream_tokens) for _ in range(settings.streams))
        assert chunks >= settings.streams * settings.stream_tokens, f"only {chunks} chunks"
        metrics.update(us_per_chunk=(time.perf_counter() - started) / chunks * 1e6, chunks=chunks)
    elif settings.workload == "W3":
        baseline = _rss_mb()
        texts = [f"short text number {i} about topic {i % 97}" for i in range(settings.texts)]
        vectors = client.embed(texts)
        seconds = time.perf_counter() - started
        assert len(vectors) == settings.texts and (
            settings.dimensions is None or len(vectors[0]) == settings.dimensions
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        metrics.update(
            seconds=seconds,
            texts_per_s=settings.texts / seconds,
            requests=stats.delta(before, "POST /api/embed"),
            peak_rss_mb=peak,
            rss_growth_mb=peak - baseline,
        )
    elif settings.workload == "W4":

        async def burst() -> float:
            await client.achat()  # warm-up in the same loop (some anchors bind their client to the first loop)
            warm, start = stats.read(), time.perf_counter()
            answers = await asyncio.gather(*(client.achat() for _ in range(settings.concurrent)))
            assert all(answers), "an empty answer"
            seconds = time.perf_counter() - start
            metrics["connections"] = stats.delta(warm, "connections")
            await client.aclose()
            return seconds

        metrics["ms_wall"] = asyncio.run(burst()) * 1000
    wall = time.perf_counter() - started
    metrics["client_cpu_share"] = (time.process_time() - cpu) / wall if wall > 0 else None
    server_cpu = stats.delta(before, "cpu_seconds")
    metrics["fake_server_cpu_share"] = server_cpu / wall if server_cpu is not None and wall > 0 else None
    return metrics


def _fail_seconds(settings: Settings, url: str) -> tuple[float, str]:
    client = make_client(settings.client, replace(settings, url=url))
    started = time.perf_counter()
    try:
        client.chat()
    except Exception as exc:  # any error is the point here: we time how fast it surfaces
        return time.perf_counter() - started, _error_names(exc)
    finally:
        client.close()
    raise AssertionError(f"{settings.client} answered from a host that is down")


def _error_names(exc: BaseException) -> str:
    names, seen = [], 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        names.append(type(current).__name__)
        current, seen = current.__cause__ or current.__context__, seen + 1
    return "<-".join(names)


def _fail_fast(settings: Settings) -> dict[str, Any]:
    """W6: a refused connection (first call of a new client with its defaults, then a warm client without
    retries, below the breaker threshold), and a host that never answers once the breaker is open."""
    first, error = _fail_seconds(settings, settings.refused_url)
    refused = make_client(settings.client, replace(settings, url=settings.refused_url, max_retries=0))
    try:
        _call_seconds(refused)  # the first call builds lazy clients (an SSL context): not what we time here
        warm = [_call_seconds(refused)[0] for _ in range(3)]  # 4 failures: under the default threshold of 5
    finally:
        refused.close()
    metrics: dict[str, Any] = {
        "refused_first_call_ms": first * 1000,
        "refused_error": error,
        "refused_ms": statistics.median(warm) * 1000,
    }
    hung = replace(settings, url=settings.blackhole_url, timeout=0.2, max_retries=0)
    client = make_client(settings.client, hung)
    try:
        if not client.has_breaker:  # no breaker: every call waits for the timeout (0.2 s here, often None)
            metrics["hung_ms"] = _call_seconds(client)[0] * 1000
            metrics["hung_note"] = "= the 0.2 s timeout we set; no breaker"
            return metrics
        opened = [_call_seconds(client) for _ in range(8)]  # the default threshold is 5 host failures
        fast = [_call_seconds(client) for _ in range(50)]
        metrics.update(
            hung_ms=statistics.median(s for s, _ in fast) * 1000,
            hung_error=fast[-1][1],
            calls_to_open=next((i for i, (_, e) in enumerate(opened) if "CircuitOpen" in e), None),
        )
    finally:
        client.close()
    return metrics


def _call_seconds(client: BenchClient) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        client.chat()
    except Exception as exc:  # timing the failure, whatever its type
        return time.perf_counter() - started, _error_names(exc)
    return time.perf_counter() - started, ""


def run_workload(settings: Settings) -> dict[str, Any]:
    """Run one workload with one client in this process; return its metrics."""
    stats = _Stats(settings.url, settings.fake)
    if settings.workload == "W6":
        return _fail_fast(settings)
    client = make_client(settings.client, settings)
    try:
        if settings.workload == "W1":
            for _ in range(min(5, settings.calls)):  # warm-up: lazy imports, the first connection
                client.chat()
        elif settings.workload == "W2":
            client.stream(20)
        elif settings.workload == "W3":
            client.embed(["warm-up"])
        return _timed(settings, client, stats)
    finally:
        client.close()


def main() -> None:
    """Worker entry point: one JSON Settings argument in, one JSON line out."""
    settings = Settings(**json.loads(sys.argv[1]))
    try:
        result: dict[str, Any] = {"ok": True, "metrics": run_workload(settings)}
    except Unavailable as exc:
        result = {"ok": False, "unavailable": str(exc)}
    except Exception as exc:  # reported in the table, with the error chain
        result = {"ok": False, "error": f"{_error_names(exc)}: {exc}"[:500]}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
