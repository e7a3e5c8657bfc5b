"""CPU per streamed chunk and per invoke of the LangChain classes, over httpx.MockTransport (no network, no server).

    python -m benchmarks.micro_adapters [--chunks 2000] [--rounds 7]

The same Ollama-shaped stream (benchmarks.micro_core's lines) answers the LangChain floor, ChatCBOllama and
langchain-ollama's ChatOllama in one process, so only their own CPU is counted: `time.process_time`, best of
rounds, clients taking turns within each round. This is the load-independent view of W2's "x the floor".
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.micro_core import CHAT, LINE

__all__ = ["main"]

URL = "http://fake-ollama.invalid"


def _handler(chunks: int) -> Callable[[httpx.Request], httpx.Response]:
    last = CHAT.replace(b'"content":"The', b'"content":"') + b"\n"

    def answer(request: httpx.Request) -> httpx.Response:
        if b'"stream":false' in request.content or b'"stream": false' in request.content:
            return httpx.Response(200, content=iter([CHAT]))
        return httpx.Response(200, content=iter([LINE] * (chunks - 1) + [last]))

    return answer


def _models(chunks: int) -> dict[str, Any]:
    """Each LangChain class, its HTTP going to the same MockTransport."""
    from langchain_ollama import ChatOllama  # noqa: PLC0415 - optional anchor

    from benchmarks.clients._lc_floor import FloorChatModel  # noqa: PLC0415
    from cb_ollama_integrations import OllamaClient, OllamaConfig  # noqa: PLC0415
    from cb_ollama_integrations.langchain import ChatCBOllama  # noqa: PLC0415

    handler = _handler(chunks)
    floor = FloorChatModel(url=URL, model="smollm2:135m")
    floor._client = httpx.Client(base_url=URL, transport=httpx.MockTransport(handler))
    core = OllamaClient(OllamaConfig(base_url=URL), transport=httpx.MockTransport(handler))
    return {
        "LangChain floor": floor,
        "ChatCBOllama": ChatCBOllama(model="smollm2:135m", client=core),
        "langchain-ollama ChatOllama": ChatOllama(
            model="smollm2:135m", base_url=URL, client_kwargs={"transport": httpx.MockTransport(handler)}
        ),
    }


def measure(chunks: int = 2000, rounds: int = 7, calls: int = 200) -> dict[str, dict[str, float]]:
    """Best-of-`rounds` CPU µs per streamed chunk and per invoke of each class."""
    models = _models(chunks)
    best: dict[str, dict[str, float]] = {name: {"stream_us_per_chunk": 1e9, "invoke_us": 1e9} for name in models}
    for model in models.values():  # warm-up: validators, lazy imports, the first connection
        sum(1 for _ in model.stream("Why is the sky blue?"))
        model.invoke("Why is the sky blue?")
    for _ in range(rounds):
        for name, model in models.items():
            started = time.process_time()
            got = sum(1 for _ in model.stream("Why is the sky blue?"))
            per_chunk = (time.process_time() - started) / got * 1e6
            started = time.process_time()
            for _ in range(calls):
                model.invoke("Why is the sky blue?")
            per_call = (time.process_time() - started) / calls * 1e6
            row = best[name]
            row["stream_us_per_chunk"] = min(row["stream_us_per_chunk"], per_chunk)
            row["invoke_us"] = min(row["invoke_us"], per_call)
    return best


def main() -> None:
    """Print each class's CPU per chunk and per invoke, and its ratio to the floor."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    best = measure(args.chunks, args.rounds)
    floor = best["LangChain floor"]
    for name, row in best.items():
        stream, invoke = row["stream_us_per_chunk"], row["invoke_us"]
        print(f"{name}: stream {stream:.2f} µs/chunk (x{stream / floor['stream_us_per_chunk']:.2f} the floor), "
              f"invoke {invoke:.1f} µs (x{invoke / floor['invoke_us']:.2f})")


if __name__ == "__main__":
    main()
