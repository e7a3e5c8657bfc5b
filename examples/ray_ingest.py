"""RAG ingestion on Ray Data: chunk a corpus, embed the chunks with an actor pool whose actors each hold a
CBOllamaEmbeddings over a list of Ollama hosts, and write every vector with its text to parquet.

    pip install 'cb-ollama-integrations[ray]'
    python examples/ray_ingest.py --hosts http://gpu-1:11434,http://gpu-2:11434 --out /tmp/vectors
    python examples/ray_ingest.py --fake      # two loopback FAKE hosts from tests/fakes, no Ollama needed

It needs a live Ollama (or --fake): the requests come from Ray's worker processes, where the other examples'
recorded sessions (cassettes) cannot answer them. Each actor unpickles its own copy of the embeddings object
(its own connection pools and breakers); `load_balanced` routing spreads its batches over the hosts, and a
host that dies mid-run is failed over (the output is the same). Ray Data prints its progress bars to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _corpus import pages

from cb_ollama_integrations import OllamaConfig, RoutingStrategy, check_availability
from cb_ollama_integrations.langchain import CBOllamaEmbeddings

__all__ = ["Embedder", "chunk", "chunks", "ingest", "main"]

ROOT = Path(__file__).resolve().parent.parent


def chunk(text: str, max_chars: int) -> list[str]:
    """`text` cut at paragraph, then sentence ends into pieces of at most `max_chars` (longer sentences whole)."""
    pieces: list[str] = []
    for paragraph in (block.strip() for block in text.split("\n\n")):
        if not paragraph or paragraph.startswith("#"):
            continue
        current = ""
        for sentence in paragraph.replace(". ", ".\n").splitlines():
            if current and len(current) + 1 + len(sentence) > max_chars:
                pieces.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current)
    return pieces


def chunks(documents: list[tuple[str, str]], max_chars: int = 300) -> list[dict[str, Any]]:
    """One row per chunk: id (its position), source (file name), text."""
    rows = [(name, piece) for name, text in documents for piece in chunk(text, max_chars)]
    return [{"id": i, "source": name, "text": piece} for i, (name, piece) in enumerate(rows)]


class Embedder:
    """A Ray Data actor: embeds the `text` column of each batch, in order, into a `vector` column."""

    def __init__(self, embeddings: CBOllamaEmbeddings) -> None:
        self.embeddings = embeddings  # arrives pickled: builds its own pools on first use, fresh breakers
        self.loop = asyncio.new_event_loop()  # one loop per actor: its connections are reused batch after batch

    def __call__(self, batch: Any) -> Any:
        texts = [str(text) for text in batch["text"]]
        batch["vector"] = self.loop.run_until_complete(self.embeddings.aembed_documents(texts))
        return batch


def ingest(rows: list[dict[str, Any]], embeddings: CBOllamaEmbeddings, out: Path, *, actors: int = 2,
           batch_size: int = 16) -> int:
    """Embed `rows` on the running Ray cluster (or a local one) and write them to `out` as parquet; returns
    the number of rows written. Output rows keep the input order."""
    import ray  # noqa: PLC0415 - the [ray] extra, needed only here
    import ray.data  # noqa: PLC0415

    ray.data.DataContext.get_current().execution_options.preserve_order = True
    blocks = max(1, -(-len(rows) // batch_size))  # one block per batch (from_items would make one per row)
    dataset = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
        Embedder, fn_constructor_args=(embeddings,), compute=ray.data.ActorPoolStrategy(size=actors),
        batch_size=batch_size, batch_format="pandas", num_cpus=0.25,  # I/O bound: waits on the hosts
    )
    dataset.write_parquet(str(out))
    return len(rows)


@contextlib.contextmanager
def fake_hosts(count: int = 2) -> Iterator[list[str]]:
    """`count` loopback FAKE Ollama hosts (tests/fakes/server.py): each text gets its own unit vector."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes.server import FakeOllamaServer  # noqa: PLC0415 - test code, only for --fake

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(FakeOllamaServer(lifetime=600, text_vectors=True)) for _ in range(count)]
        yield [server.url for server in servers]


def main() -> int:
    """Chunk examples/data/*.md, embed the chunks over the hosts with Ray, write parquet, print a summary."""
    args = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    args.add_argument("--hosts", default=None, help="comma-separated Ollama URLs (default: OLLAMA_BASE_URL)")
    args.add_argument("--embed-model", default="all-minilm", help="embedding model")
    args.add_argument("--out", type=Path, default=Path("ray_vectors"), help="parquet output folder")
    args.add_argument("--actors", type=int, default=2, help="embedding actors (each holds one embeddings object)")
    args.add_argument("--batch-size", type=int, default=16, help="chunks per Ray batch")
    args.add_argument("--fake", action="store_true", help="use two loopback fake hosts instead of Ollama")
    options = args.parse_args()
    with fake_hosts() if options.fake else contextlib.nullcontext(None) as fakes:
        hosts = fakes or (options.hosts.split(",") if options.hosts else [OllamaConfig.from_env().base_url])
        if not any(check_availability(host, timeout=2.0) for host in hosts):
            print(f"no Ollama answered at {', '.join(hosts)}: this example needs a live server (its requests "
                  "come from Ray workers, where a recorded session cannot answer); try --fake", file=sys.stderr)
            return 1
        import ray  # noqa: PLC0415 - the [ray] extra

        rows = chunks(pages())
        embeddings = CBOllamaEmbeddings(model=options.embed_model, base_urls=hosts, batch_size=8, concurrency=2,
                                        routing_strategy=RoutingStrategy.LOAD_BALANCED, max_retries=2)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            started = time.perf_counter()
            written = ingest(rows, embeddings, options.out, actors=options.actors, batch_size=options.batch_size)
            elapsed = time.perf_counter() - started
        finally:
            ray.shutdown()
        files = sorted(options.out.glob("*.parquet"))
        print(f"embedded {written} chunks from {len(pages())} files with {options.embed_model} over "
              f"{len(hosts)} host(s) in {elapsed:.1f}s: {len(files)} parquet file(s) in {options.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
