"""Smoke test of the benchmark harness (benchmarks/): tiny sizes, one round, well-formed results, no timings.

The harness starts its FAKE Ollama server on loopback and one process per client and workload, so this runs
`python -m benchmarks.run --quick` as a user would. The anchors (ollama, langchain-ollama, llama-index's
Ollama classes) come from the optional `[bench]` extra; their test is skipped when it is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes.bodies import answer

ROOT = Path(__file__).resolve().parents[2]


def _installed(*modules: str) -> bool:
    try:
        return all(importlib.util.find_spec(name) is not None for name in modules)
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _run_quick(tmp_path: Path, clients: list[str], workloads: str) -> dict[str, Any]:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--quick",
            "--clients",
            ",".join(clients),
            "--workloads",
            workloads,
            "--out",
            str(out),
            "--timeout",
            "120",
            "--budget",
            "300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=360,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(out.read_text())
    for client in clients:  # the markdown table printed on stdout has one row per client
        assert any(line.startswith("| ") and _labels()[client] in line for line in done.stdout.splitlines())
    return result


def _labels() -> dict[str, str]:
    return {
        "raw-httpx": "raw httpx",
        "cb-core": "OllamaClient",
        "cb-langchain": "ChatCBOllama",
        "cb-llama-index": "CBOllama",
        "ollama": "ollama.Client",
        "langchain-ollama": "ChatOllama",
        "llama-index-ollama": "llama-index Ollama",
        "langchain-floor": "LangChain floor",
        "llama-index-floor": "LlamaIndex floor",
    }


def _assert_measured(result: dict[str, Any], client: str, workload: str, metric: str) -> None:
    cell = result["summary"][client][workload]
    assert cell["rounds"] == 1, cell
    assert cell[metric] > 0, cell


def test_core_client_and_raw_httpx_produce_a_well_formed_result(tmp_path: Path) -> None:
    clients = ["raw-httpx", "cb-core"]
    result = _run_quick(tmp_path, clients, "W1,W2,W3")

    assert {(r["client"], r["workload"]) for r in result["records"]} == {
        (client, workload) for client in clients for workload in ("W1", "W2", "W3")
    }
    assert all(r["ok"] for r in result["records"]), [r for r in result["records"] if not r["ok"]]
    for client in clients:
        _assert_measured(result, client, "W1", "us_per_call")
        _assert_measured(result, client, "W2", "us_per_chunk")
        _assert_measured(result, client, "W3", "texts_per_s")
        assert result["summary"][client]["W2"]["chunks"] >= 20  # 1 stream of 19 tokens + the done chunk
        assert result["summary"][client]["W3"]["requests"] >= 1
        assert result["summary"][client]["W1"]["x_raw-httpx"] > 0
    assert result["meta"]["fake_server"]["chat_requests_per_s"] > 0
    assert any(t["target"].startswith("core W1") for t in result["targets"])


def test_the_project_adapters_run_in_the_harness(tmp_path: Path) -> None:
    clients = [
        name
        for name, framework in (("cb-langchain", "langchain_core"), ("cb-llama-index", "llama_index.core"))
        if _installed(framework)
    ]
    if not clients:
        pytest.skip(
            "neither langchain-core nor llama-index-core is installed (the [langchain]/[llama-index] extras)"
        )
    result = _run_quick(tmp_path, clients, "W1")
    for client in clients:
        _assert_measured(result, client, "W1", "us_per_call")


@pytest.mark.skipif(
    not _installed("ollama", "langchain_ollama", "llama_index.llms.ollama", "llama_index.embeddings.ollama"),
    reason="the comparison anchors are optional: pip install -e '.[bench]'",
)
def test_anchors_run_in_the_same_harness(tmp_path: Path) -> None:
    clients = [
        "raw-httpx",
        "ollama",
        "langchain-ollama",
        "llama-index-ollama",
        "langchain-floor",
        "llama-index-floor",
    ]
    result = _run_quick(tmp_path, clients, "W1")
    for client in clients:
        _assert_measured(result, client, "W1", "us_per_call")


def test_fake_server_bodies_honour_the_request() -> None:
    status, content_type, parts, streamed = answer(
        b"POST",
        b"/api/chat",
        json.dumps({"model": "m", "messages": [], "options": {"num_predict": 7}}).encode(),
    )
    lines = [json.loads(part) for part in parts]
    assert (status, content_type, streamed) == (200, b"application/x-ndjson", True)
    assert len(lines) == 8 and lines[-1]["done"] is True and lines[-1]["done_reason"] == "length"
    assert all(line["model"] == "m" and line["message"]["role"] == "assistant" for line in lines)
    assert lines[-1]["eval_count"] == 7

    _, _, parts, streamed = answer(
        b"POST", b"/api/chat", json.dumps({"model": "m", "stream": False}).encode()
    )
    whole = json.loads(b"".join(parts))
    assert not streamed and whole["done_reason"] == "stop" and len(whole["message"]["content"]) > 40

    _, _, parts, _ = answer(
        b"POST", b"/api/embed", json.dumps({"model": "e", "input": ["a", "b", "c"], "dimensions": 5}).encode()
    )
    vectors = json.loads(b"".join(parts))["embeddings"]
    assert [len(v) for v in vectors] == [5, 5, 5]
    assert abs(sum(x * x for x in vectors[0]) - 1.0) < 1e-6  # unit norm, as Ollama's embeddings
    _, _, parts, _ = answer(b"POST", b"/api/embed", json.dumps({"model": "e", "input": "one"}).encode())
    assert [len(v) for v in json.loads(b"".join(parts))["embeddings"]] == [768]
