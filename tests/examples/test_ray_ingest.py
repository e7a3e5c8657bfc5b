"""examples/ray_ingest.py on a local Ray cluster the test starts (2 CPUs, loopback only) against two loopback
FAKE hosts: every chunk is embedded exactly once, in order, and a host killed mid-run changes nothing.

The fakes give each text its own vector (`text_vector`), the same on both hosts, so the output can be checked
text by text whichever host embedded it.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import ray
from fakes import FakeOllamaServer
from fakes.bodies import text_vector

from cb_ollama_integrations import RoutingStrategy
from cb_ollama_integrations.langchain import CBOllamaEmbeddings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))
import ray_ingest  # noqa: E402 - examples/ is not a package
from _corpus import pages  # noqa: E402

DIMENSIONS = 8
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")  # Ray's own, about its own options


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A local Ray cluster whose workers can import the example (examples/ on their PYTHONPATH)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join([str(EXAMPLES), os.environ.get("PYTHONPATH", "")]))
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def corpus_rows() -> list[dict[str, Any]]:
    """About 200 chunks: the example corpus in four copies, cut small."""
    documents = [(f"copy{n}-{name}", text) for n in range(4) for name, text in pages()]
    return ray_ingest.chunks(documents, max_chars=90)


def embeddings_over(*hosts: FakeOllamaServer) -> CBOllamaEmbeddings:
    return CBOllamaEmbeddings(model="all-minilm", base_urls=[host.url for host in hosts], batch_size=4,
                              concurrency=2, dimensions=DIMENSIONS, routing_strategy=RoutingStrategy.LOAD_BALANCED,
                              max_retries=2, connect_timeout=2.0)


def read_output(out: Path) -> list[dict[str, Any]]:
    files = sorted(out.glob("*.parquet"))
    assert files, f"no parquet written in {out}"
    return [row for path in files for row in pq.read_table(path).to_pylist()]


def check_output(rows: list[dict[str, Any]], out: Path) -> None:
    written = read_output(out)
    assert [row["id"] for row in written] == [row["id"] for row in rows]  # each chunk once, in input order
    for row, source in zip(written, rows, strict=True):
        assert (row["source"], row["text"]) == (source["source"], source["text"])
        assert row["vector"] == pytest.approx(text_vector(source["text"], DIMENSIONS), abs=1e-7)


def test_every_chunk_is_embedded_once_in_order_over_both_hosts(cluster: None, tmp_path: Path) -> None:
    rows = corpus_rows()
    assert len(rows) >= 150
    with FakeOllamaServer(text_vectors=True, first_byte_delay=0.01) as first, \
            FakeOllamaServer(text_vectors=True, first_byte_delay=0.01) as second:
        assert ray_ingest.ingest(rows, embeddings_over(first, second), tmp_path / "out", batch_size=16) == len(rows)
        batches = first.embed_requests + second.embed_requests
    check_output(rows, tmp_path / "out")
    assert batches >= math.ceil(len(rows) / 4)  # batch_size=4 texts per /api/embed request
    assert first.embed_requests > 0 and second.embed_requests > 0  # both hosts did part of the work


def test_a_host_killed_mid_run_changes_nothing_in_the_output(cluster: None, tmp_path: Path) -> None:
    rows = corpus_rows()
    with FakeOllamaServer(text_vectors=True, first_byte_delay=0.02) as doomed, \
            FakeOllamaServer(text_vectors=True, first_byte_delay=0.02) as survivor:

        survivor_at_kill: list[int] = []

        def kill_after_some_work() -> None:
            deadline = time.monotonic() + 120
            while doomed.embed_requests < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            doomed.kill()
            survivor_at_kill.append(survivor.embed_requests)

        killer = threading.Thread(target=kill_after_some_work, daemon=True)
        killer.start()
        ray_ingest.ingest(rows, embeddings_over(doomed, survivor), tmp_path / "out", batch_size=16)
        killer.join(5)
        served_before_death = doomed.embed_requests
        assert served_before_death >= 5 and not killer.is_alive()
        assert survivor.embed_requests > survivor_at_kill[0]  # the run went on after the kill, on the survivor
        assert survivor.embed_requests >= len(rows) // 4 - served_before_death  # it took over the rest
    check_output(rows, tmp_path / "out")


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
    return subprocess.run([sys.executable, str(EXAMPLES / "ray_ingest.py"), *args], capture_output=True, text=True,
                          timeout=240, env=environ, cwd=EXAMPLES.parent, check=False)


def test_the_example_runs_on_its_fake_hosts(tmp_path: Path) -> None:
    result = run_example("--fake", "--out", str(tmp_path / "vectors"))
    assert result.returncode == 0, result.stderr
    assert "embedded 15 chunks from 3 files with all-minilm over 2 host(s)" in result.stdout
    written = read_output(tmp_path / "vectors")
    assert [row["id"] for row in written] == list(range(15))
    assert all(row["vector"] == pytest.approx(text_vector(row["text"]), abs=1e-7) for row in written)


def test_without_a_live_server_the_example_says_it_needs_one() -> None:
    result = run_example("--hosts", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "this example needs a live server" in result.stderr and "try --fake" in result.stderr
