"""Smoke test of the scaling benchmark (benchmarks/scaling.py): 1 and 2 FAKE hosts, a few requests, run as a
user would (`python -m benchmarks.scaling --quick`). It checks what the run counted, never how fast it was:
every request answered, no host ever held more than the client's per-host limit (1), the killed host lost
and doubled nothing, and the 5x slower host got no more than an equal share.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_scaling_run_counts_every_request_once(tmp_path: Path) -> None:
    out = tmp_path / "scaling.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.scaling", "--quick", "--out", str(out)], cwd=ROOT,
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
    assert "| hosts | mode | kind |" in done.stdout
