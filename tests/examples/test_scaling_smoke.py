"""Smoke test of the scaling benchmark (benchmarks/scaling.py): 1 and 2 FAKE hosts, a few requests, run as a
user would (`python -m benchmarks.scaling --quick`). It checks what the run counted, never how fast it was:
every request answered, no host ever held more than the client's per-host limit (1), the killed host lost
and doubled nothing, and the 5x slower host got no more than an equal share. LiteLLM is left out (`--litellm
none`): it needs its own venv; the tests below check its side without it.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_scaling_run_counts_every_request_once(tmp_path: Path) -> None:
    out = tmp_path / "scaling.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.scaling", "--quick", "--litellm", "none",
                           "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = result["scaling"]
    assert {(r["hosts"], r["mode"], r["kind"]) for r in rows} == {
        (n, mode, kind) for n in (1, 2) for mode in ("sync", "async") for kind in ("chat", "embed")}
    for row in rows:
        assert row["answered"] == row["requests"] and row["errors"] == 0, row
        assert row["peak_queue"] == 1, row  # the host never saw more than max_concurrency_per_host at once
        assert row["throughput_rps"] > 0 and row["efficiency"] > 0
    kills = [c for c in result["cases"] if c["case"] == "kill"]
    assert len(kills) == 2 and all(c["lost"] == 0 and c["served_twice"] == 0 for c in kills), kills
    assert all(sum(c["served_per_host"]) == c["requests"] for c in kills)
    slow = [c for c in result["cases"] if c["case"] == "slow_host"]
    assert len(slow) == 2 and all(c["slow_share"] <= c["fair_share"] for c in slow), slow
    assert "| client | hosts | mode | kind |" in done.stdout
    assert result["litellm"] == "not run: --litellm none"
    assert {row["client"] for row in rows} == {"cb"}


def _benchmark(monkeypatch: pytest.MonkeyPatch, module: str) -> Any:
    monkeypatch.syspath_prepend(str(ROOT))  # benchmarks/ is not installed: import it as `python -m` would
    return importlib.import_module(module)


def test_litellm_is_not_run_without_its_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cases = _benchmark(monkeypatch, "benchmarks.scaling_litellm_cases")
    missing = tmp_path / "no-venv" / "bin" / "python"
    python, reason = cases.litellm_python(str(missing))
    assert python is None
    assert reason.startswith("not run: no python at") and str(missing) in reason
    assert "benchmarks/litellm_venv.sh" in reason
    monkeypatch.setattr(cases, "DEFAULT_PYTHON", missing)
    assert cases.litellm_python(None)[0] is None
    assert cases.litellm_python("none") == (None, "not run: --litellm none")
    assert cases.litellm_python(sys.executable) == (sys.executable, "")


def test_markdown_puts_litellm_rows_in_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    scaling = _benchmark(monkeypatch, "benchmarks.scaling")

    def row(client: str, hosts: int, rps: float) -> dict[str, Any]:
        return {"client": client, "hosts": hosts, "mode": "async", "kind": "chat", "requests": 20 * hosts,
                "errors": 0, "throughput_rps": rps, "peak_queue": 1 if client == "cb" else 2}

    rows = [row("cb", 1, 18.0), row("litellm", 1, 20.0), row("cb", 2, 36.0), row("litellm", 2, 20.0)]
    scaling.efficiency(rows)
    assert [r["efficiency"] for r in rows] == [1.0, 1.0, 1.0, 0.5]  # each client against its own one host
    kill = {"client": "litellm", "case": "kill", "mode": "async", "requests": 80, "lost": 3, "served_twice": 0,
            "errors": 3, "served_per_host": [30, 7, 20, 20], "failed_attempts_at_victim": 41,
            "throughput_rps": 30.0}
    text = scaling.markdown({"latency_seconds": 0.05, "scaling": rows, "cases": [kill]})
    lines = text.splitlines()
    assert "| litellm | 2 | async | chat | 40 | 0 | 20.0 | 0.50 | 0.50 | 2 |" in lines
    assert "| cb | 2 | async | chat | 40 | 0 | 36.0 | 1.00 | 0.90 | 1 |" in lines
    assert "| litellm | kill | async | 80 | 3 | 0 | 3 | [30, 7, 20, 20] | - | 41 | 30.0 |" in lines
