"""One scaling case: a client over the given FAKE hosts, `callers` sync threads or async tasks sending requests.

Every request carries its own id (the chat message, or the one embedding input), so the hosts' served logs
say who answered what. A warm-up round (connections opened, latencies measured) comes first and is not
counted.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from cb_ollama_integrations import ChatMessage, EmbeddingsRequest, LLMError, LLMRequest, OllamaClient, OllamaConfig

__all__ = ["CaseResult", "peak_queue", "reset_peaks", "run_case"]


@dataclass
class CaseResult:
    """What one case measured."""

    ids: list[str]
    seconds: float
    answered: set[str] = field(default_factory=set)
    errors: int = 0
    peak_queue: int = 0

    def summary(self) -> dict[str, Any]:
        """The numbers that go into the JSON."""
        return {"requests": len(self.ids), "answered": len(self.answered), "errors": self.errors,
                "seconds": round(self.seconds, 4), "throughput_rps": len(self.answered) / self.seconds,
                "peak_queue": self.peak_queue}


def _config(urls: list[str], strategy: str, per_host: int) -> OllamaConfig:
    return OllamaConfig(base_urls=tuple(urls), routing_strategy=strategy, max_concurrency_per_host=per_host,
                        max_retries=2, retry_backoff_seconds=0.05, num_ctx=None, keep_alive=None,
                        timeout_seconds=60, connect_timeout_seconds=2, default_model="smollm2:135m")


def _call(client: OllamaClient, kind: str, rid: str) -> None:
    if kind == "chat":
        client.chat_completion(LLMRequest(messages=[ChatMessage(role="user", content=rid)]))
    else:
        client.embeddings(EmbeddingsRequest(model="all-minilm", input=[rid], dimensions=8))


async def _acall(client: OllamaClient, kind: str, rid: str) -> None:
    if kind == "chat":
        await client.achat_completion(LLMRequest(messages=[ChatMessage(role="user", content=rid)]))
    else:
        await client.aembeddings(EmbeddingsRequest(model="all-minilm", input=[rid], dimensions=8))


def _threads(client: OllamaClient, kind: str, ids: list[str], *, callers: int, result: CaseResult,
             on_answer: Callable[[int], None] | None) -> None:
    lock, queue = threading.Lock(), iter(ids)

    def worker() -> None:
        while True:
            with lock:
                rid = next(queue, None)
            if rid is None:
                return
            try:
                _call(client, kind, rid)
            except LLMError:
                with lock:
                    result.errors += 1
                continue
            with lock:
                result.answered.add(rid)
                if on_answer is not None:
                    on_answer(len(result.answered))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)


async def _tasks(client: OllamaClient, kind: str, ids: list[str], *, callers: int, result: CaseResult,
                 on_answer: Callable[[int], None] | None) -> None:
    queue: Iterator[str] = iter(ids)

    async def worker() -> None:
        for rid in queue:  # one iterator shared by every task: each id is sent once
            try:
                await _acall(client, kind, rid)
            except LLMError:
                result.errors += 1
                continue
            result.answered.add(rid)
            if on_answer is not None:
                on_answer(len(result.answered))

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(callers))), 300)


def reset_peaks(urls: list[str]) -> None:
    """Start each host's `peak_queue` again from what it holds now: the hosts serve every case in turn."""
    for url in urls:
        try:
            httpx.post(url + "/_fake/reset-peak", timeout=2)
        except httpx.HTTPError:
            continue  # a killed host has nothing to reset


def peak_queue(urls: list[str]) -> int:
    """The most requests any of the hosts held at once since its peak was last reset."""
    peak = 0
    for url in urls:
        try:
            peak = max(peak, int(httpx.get(url + "/_fake/stats", timeout=2).json().get("peak_queue", 0)))
        except (httpx.HTTPError, ValueError):
            continue  # a killed host reports nothing
    return peak


def run_case(urls: list[str], mode: str, kind: str, *, requests: int, callers: int, strategy: str, tag: str,
             on_answer: Callable[[int], None] | None = None, per_host: int = 1) -> CaseResult:
    """Send `requests` requests (after a warm-up of `callers`) from `callers` threads or tasks, at most
    `per_host` at once to each host (max_concurrency_per_host); time them."""
    ids = [f"{tag}-{i}" for i in range(requests)]
    warm = [f"warm-{tag}-{i}" for i in range(callers)]
    reset_peaks(urls)
    with OllamaClient(_config(urls, strategy, per_host)) as client:
        scratch, result = CaseResult(warm, 0.0), CaseResult(ids, 0.0)
        if mode == "sync":
            _threads(client, kind, warm, callers=callers, result=scratch, on_answer=None)
            started = time.perf_counter()
            _threads(client, kind, ids, callers=callers, result=result, on_answer=on_answer)
        else:
            async def both() -> float:
                await _tasks(client, kind, warm, callers=callers, result=scratch, on_answer=None)
                began = time.perf_counter()
                await _tasks(client, kind, ids, callers=callers, result=result, on_answer=on_answer)
                return began

            started = asyncio.run(both())
        result.seconds = time.perf_counter() - started
    result.peak_queue = peak_queue(urls)
    return result
