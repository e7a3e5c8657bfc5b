"""The scaling benchmark's LiteLLM side, in the project's venv: find the LiteLLM venv and run a case in it.

LiteLLM lives in its own venv (`bash benchmarks/litellm_venv.sh` makes `.cache/litellm-venv`), because installing
it here would downgrade python-dateutil. Each case runs benchmarks/scaling_litellm.py with that venv's python,
hands it the case as JSON on stdin and reads its one JSON line back; the hosts' peak queue is read from here,
as for the client's own cases.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.scaling_run import CaseResult, peak_queue, reset_peaks

__all__ = ["DEFAULT_PYTHON", "INSTALL", "litellm_python", "run_litellm_case"]

ROOT = Path(__file__).parent.parent
DEFAULT_PYTHON = ROOT / ".cache" / "litellm-venv" / "bin" / "python"
INSTALL = "bash benchmarks/litellm_venv.sh"
DRIVER = Path(__file__).parent / "scaling_litellm.py"


def litellm_python(option: str | None) -> tuple[str | None, str]:
    """(the python to run LiteLLM with, or None; why not). `option` is `--litellm`: a path, "none", or unset
    (then the default venv, if it was made)."""
    if option == "none":
        return None, "not run: --litellm none"
    path = Path(option) if option else DEFAULT_PYTHON
    if not path.exists():
        return None, f"not run: no python at {path}; `{INSTALL}` makes the LiteLLM venv"
    return str(path), ""


def litellm_version(python: str) -> str:
    """The litellm version installed beside `python` (read without importing litellm: that takes seconds)."""
    done = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.stdout.strip() or f"unknown ({done.stderr.strip()[-200:]})"


def run_litellm_case(python: str, urls: list[str], kind: str, *, requests: int, callers: int, tag: str,
                     kill_pid: int | None = None, kill_at: int | None = None,
                     victim_url: str | None = None, strategy: str = "least-busy",
                     ) -> tuple[CaseResult, dict[str, Any]]:
    """One async case through LiteLLM's Router (benchmarks/scaling_litellm.py in its venv): the measured
    CaseResult, and what only LiteLLM reports (its attempts per host, failed ones by kind)."""
    spec = {"urls": urls, "kind": kind, "requests": requests, "callers": callers, "tag": tag,
            "chat_model": "smollm2:135m", "embed_model": "all-minilm", "num_retries": 2,
            "kill_pid": kill_pid, "kill_at": kill_at, "victim_url": victim_url,
            "routing_strategy": strategy}
    reset_peaks(urls)
    done = subprocess.run([python, str(DRIVER)], input=json.dumps(spec), capture_output=True, text=True,
                          timeout=600, check=False, cwd=ROOT)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the LiteLLM driver failed ({done.returncode}): {done.stderr[-2000:]}")
    out = json.loads(lines[-1])  # the result is the last line, whatever LiteLLM printed before it
    ids = [f"{tag}-{i}" for i in range(requests)]
    result = CaseResult(ids, out["seconds"], answered=set(out["answered_ids"]), errors=out["errors"],
                        peak_queue=peak_queue(urls))
    extra = {key: out[key] for key in ("routing_strategy", "attempts_ok_per_host", "attempts_failed_per_host",
                                       "failure_kinds", "failed_attempts_at_victim")}
    return result, extra
