"""What a user feels against a real Ollama: RAG ingestion and short chats, each client with its defaults.

    python -m benchmarks.real_workloads --real http://127.0.0.1:11435 [--passages 2000] [--chats 200]
        [--clients raw-httpx,cb,langchain-ollama,llama-index] [--out results/real-workloads.json]
    python -m benchmarks.real_workloads --real URL --interleave [--chats 100]   # chats only, clients in turn
    python -m benchmarks.real_workloads --real URL --interleave-ingest 250      # ingestion only, in turn

Ingestion: `--passages` made-up passages of 50-200 words through each client's embedding class with
all-minilm (raw httpx: /api/embed in batches of 32), texts/s and the process's peak RSS above its RSS after
imports. Chat: `--chats` short chats with smollm2:135m (num_predict 8, temperature 0) one after another, p50
and p99 latency, after 3 warm-up calls. Each client runs in its own process, one after the other, so one
client's memory or pools never affect another's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from statistics import median, quantiles
from typing import Any

CHAT, EMBED = "smollm2:135m", "all-minilm"
CLIENTS = ("raw-httpx", "cb", "langchain-ollama", "llama-index")
WORDS = [
    "keeper",
    "lamp",
    "harbour",
    "tide",
    "ship",
    "gull",
    "rope",
    "beacon",
    "fog",
    "lantern",
    "cliff",
    "chart",
    "anchor",
    "storm",
]


def passages(count: int) -> list[str]:
    """`count` deterministic passages of 50-200 words."""
    return [
        " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(50 + (n * 37) % 151)) + f" ({n})."
        for n in range(count)
    ]


def _server_ns(message: Any) -> float:
    """The server's total_duration (ns) of a LangChain answer."""
    return float(message.response_metadata["total_duration"])


def _clients(name: str, url: str) -> tuple[Any, Any]:
    """(embed texts -> vectors, chat prompt -> text) for one client, built as a user would."""
    if name == "raw-httpx":
        import httpx  # noqa: PLC0415 - each client imports only its own stack

        http = httpx.Client(base_url=url, timeout=600)

        def embed(texts: list[str]) -> list[list[float]]:
            out: list[list[float]] = []
            for start in range(0, len(texts), 32):
                reply = http.post("/api/embed", json={"model": EMBED, "input": texts[start : start + 32]})
                out += reply.raise_for_status().json()["embeddings"]
            return out

        def chat(prompt: str) -> float:
            body = {
                "model": CHAT,
                "messages": [{"role": "user", "content": prompt}],
                "stream": False,
                "options": {"num_predict": 8, "temperature": 0},
            }
            return float(http.post("/api/chat", json=body).raise_for_status().json()["total_duration"])

        return embed, chat
    if name == "cb":
        from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama  # noqa: PLC0415

        llm = ChatCBOllama(model=CHAT, base_url=url, max_tokens=8, temperature=0)
        return CBOllamaEmbeddings(model=EMBED, base_url=url).embed_documents, lambda p: _server_ns(llm.invoke(p))
    if name == "langchain-ollama":
        from langchain_ollama import ChatOllama, OllamaEmbeddings  # noqa: PLC0415

        llm = ChatOllama(model=CHAT, base_url=url, num_predict=8, temperature=0)
        return OllamaEmbeddings(model=EMBED, base_url=url).embed_documents, lambda p: _server_ns(llm.invoke(p))
    from llama_index.embeddings.ollama import OllamaEmbedding  # noqa: PLC0415
    from llama_index.llms.ollama import Ollama  # noqa: PLC0415

    model = Ollama(model=CHAT, base_url=url, request_timeout=600, temperature=0, additional_kwargs={"num_predict": 8})
    embedder = OllamaEmbedding(model_name=EMBED, base_url=url)
    return embedder.get_text_embedding_batch, lambda p: float(dict(model.complete(p).raw or {})["total_duration"])


def one(name: str, url: str, count: int, chats: int) -> dict[str, Any]:
    """Measure one client in this process."""
    embed, chat = _clients(name, url)
    texts, base_kb = passages(count), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    embed(texts[:4])  # the model loaded, the pools warm
    started = time.perf_counter()
    vectors = embed(texts)
    ingest_s = time.perf_counter() - started
    assert len(vectors) == count and len(vectors[0]) == 384, "every passage gets one all-minilm vector"
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_kb) / 1024
    for _ in range(3):
        chat("Say hi.")
    latencies = []
    for n in range(chats):
        began = time.perf_counter()
        chat(f"Say hi to keeper {n % 10}.")
        latencies.append((time.perf_counter() - began) * 1000)
    cuts = quantiles(latencies, n=100)
    return {
        "client": name,
        "passages": count,
        "texts_per_s": round(count / ingest_s, 1),
        "ingest_peak_rss_mb": round(peak_mb, 1),
        "chats": chats,
        "p50_ms": round(cuts[49], 1),
        "p99_ms": round(cuts[98], 1),
    }


def interleaved_chats(url: str, names: list[str], chats: int) -> list[dict[str, Any]]:
    """The chat latencies of `names` taking turns call by call in one process, so server drift hits all alike."""
    chat_of = {name: _clients(name, url)[1] for name in names}
    for chat in chat_of.values():
        for _ in range(3):
            chat("Say hi.")
    latencies: dict[str, list[float]] = {name: [] for name in names}
    client_side: dict[str, list[float]] = {name: [] for name in names}  # wall minus the server's own time
    for n in range(chats):
        for name in names if n % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            # each client its own prompt: the one right before must not hand it a prompt-cache hit
            server_ns = chat_of[name](f"{name}: say hi to keeper {n % 10}.")
            latencies[name].append((time.perf_counter() - began) * 1000)
            client_side[name].append(latencies[name][-1] - server_ns / 1e6)
    rows = []
    for name, values in latencies.items():
        cuts = quantiles(values, n=100)
        rows.append({"client": name, "interleaved_chats": chats, "p50_ms": round(cuts[49], 1),
                     "p99_ms": round(cuts[98], 1), "client_side_p50_ms": round(median(client_side[name]), 2)})
    return rows


def interleaved_ingestion(url: str, names: list[str], count: int, piece: int) -> list[dict[str, Any]]:
    """Ingestion of `count` passages by each of `names`, taking turns `piece` passages at a time in one process
    (order reversed every turn), so a drift of the server's speed hits every client alike."""
    embed_of = {name: _clients(name, url)[0] for name in names}
    texts = passages(count)
    for embed in embed_of.values():
        embed(texts[:4])
    seconds = dict.fromkeys(names, 0.0)
    for turn, start in enumerate(range(0, count, piece)):
        for name in names if turn % 2 == 0 else names[::-1]:
            began = time.perf_counter()
            vectors = embed_of[name](texts[start : start + piece])
            seconds[name] += time.perf_counter() - began
            assert len(vectors) == len(texts[start : start + piece]), "every passage gets one vector"
    return [{"client": name, "interleaved_passages": count, "piece": piece,
             "texts_per_s": round(count / seconds[name], 2)} for name in names]


def main(argv: list[str] | None = None) -> int:
    """Run every client in its own process and print (and with --out save) one row each."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--real", required=True, help="base URL of a real Ollama with smollm2:135m and all-minilm")
    args.add_argument("--passages", type=int, default=2000)
    args.add_argument("--chats", type=int, default=200)
    args.add_argument("--clients", default=",".join(CLIENTS))
    args.add_argument("--interleave", action="store_true", help="only the chats, all clients taking turns")
    args.add_argument("--interleave-ingest", type=int, metavar="PIECE",
                      help="only the ingestion, all clients taking turns PIECE passages at a time")
    args.add_argument("--one", help=argparse.SUPPRESS)
    args.add_argument("--out", help="write the rows as JSON here (relative to benchmarks/)")
    options = args.parse_args(argv)
    if options.one:
        print(json.dumps(one(options.one, options.real, options.passages, options.chats)))
        return 0
    if options.interleave or options.interleave_ingest:
        names = options.clients.split(",")
        rows = (interleaved_ingestion(options.real, names, options.passages, options.interleave_ingest)
                if options.interleave_ingest else interleaved_chats(options.real, names, options.chats))
        print("\n".join(json.dumps(row) for row in rows))
        if options.out:
            (Path(__file__).parent / options.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        return 0
    rows = []
    for name in options.clients.split(","):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.real_workloads",
                "--real",
                options.real,
                "--passages",
                str(options.passages),
                "--chats",
                str(options.chats),
                "--one",
                name,
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        row = (
            json.loads(done.stdout.strip().splitlines()[-1])
            if done.returncode == 0
            else {"client": name, "error": done.stderr.strip().splitlines()[-1:]}
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
    if options.out:
        (Path(__file__).parent / options.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
