"""The CPU and import benchmarks keep working: micro_core (before/after), micro_adapters, profile_stream, imports,
telemetry_overhead.

Each runs in a tiny configuration and its output is checked for shape and sense, never for speed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_micro_core_saves_its_rows_and_compares_with_an_earlier_run(tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    _run("benchmarks.micro_core", "--quick", "--json", str(before))
    saved = json.loads(before.read_text())
    names = [row["name"] for row in saved["rows"]]
    assert "W2 core chat_completion_stream" in names and "W1 raw httpx post + json.loads" in names
    assert all(row["value"] > 0 for row in saved["rows"])
    compared = _run("benchmarks.micro_core", "--quick", "--before", str(before))
    line = next(line for line in compared.splitlines() if line.startswith("W2 core chat_completion_stream"))
    assert line.split()[-2].startswith("x"), line  # before, after and the after/before ratio on one line


@pytest.fixture(autouse=True)
def benchmarks_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process cases import `benchmarks` as `python -m` from the repository root does."""
    monkeypatch.syspath_prepend(str(ROOT))


@pytest.mark.skipif(importlib.util.find_spec("langchain_ollama") is None, reason="the langchain-ollama anchor")
def test_micro_adapters_measures_the_floor_and_both_langchain_classes() -> None:
    from benchmarks.micro_adapters import measure  # noqa: PLC0415 - imports the frameworks

    best = measure(chunks=30, rounds=1, calls=2)
    assert set(best) == {"LangChain floor", "ChatCBOllama", "langchain-ollama ChatOllama"}
    assert all(0 < value < 1e9 for row in best.values() for value in row.values())


def test_profile_stream_counts_cpu_per_chunk_against_the_fake() -> None:
    from benchmarks.profile_stream import cpu_per_chunk  # noqa: PLC0415
    from benchmarks.run import start_fake, stop_fake  # noqa: PLC0415

    fake, urls = start_fake(120)
    try:
        best = cpu_per_chunk(urls["url"], ["raw-httpx", "cb-core", "cb-langchain"], chunks=20, streams=1, rounds=1)
    finally:
        stop_fake(fake)
    assert set(best) == {"raw-httpx", "cb-core", "cb-langchain"}
    assert all(0 < value < float("inf") for value in best.values())


def test_imports_reports_both_targets_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "imports.json"
    printed = _run("benchmarks.imports", "--rounds", "1", "--json", str(out))
    medians = json.loads(out.read_text())["medians_ms"]
    assert {"raw-httpx", "cb-core", "cb-langchain", "cb-llama-index"} <= set(medians)
    assert medians["cb-langchain"]["base_ms"] > medians["cb-core"]["base_ms"]  # the core has no framework base
    assert "import cb_ollama_integrations" in printed and "cb-langchain: framework bases" in printed


def test_telemetry_overhead_measures_the_added_work_with_no_provider() -> None:
    pytest.importorskip("opentelemetry")  # the [otel] extra: without it there is no telemetry to measure
    from benchmarks.telemetry_overhead import _added_pieces  # noqa: PLC0415 - imports the core client

    per_call, per_chunk = _added_pieces()
    assert 0 < per_chunk < per_call < 1_000  # microseconds: a span per call costs more than one chunk's event
