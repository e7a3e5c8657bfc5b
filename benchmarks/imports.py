"""W5: import time of each integration, each measured in a fresh interpreter that imported nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks.clients import ClientSpec

__all__ = ["measure_import"]

_SNIPPET = """
import importlib, json, sys, time
base, mods = {base!r}, {mods!r}
t0 = time.perf_counter()
for name in base:
    importlib.import_module(name)
t1 = time.perf_counter()
for name in mods:
    importlib.import_module(name)
t2 = time.perf_counter()
frameworks = sorted(m for m in ("langchain_core", "llama_index.core") if m in sys.modules)
print(json.dumps({{"base_ms": (t1 - t0) * 1e3, "adds_ms": (t2 - t1) * 1e3, "total_ms": (t2 - t0) * 1e3,
                  "frameworks_loaded": frameworks}}))
"""


def measure_import(spec: ClientSpec, timeout: float = 120.0) -> dict[str, Any]:
    """Import the client's framework base classes, then its own module(s); time both, in a new process.

    For a client without a framework, `base_ms` is 0 and `adds_ms` is the whole import.
    """
    code = _SNIPPET.format(base=list(spec.base_imports), mods=list(spec.imports))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        kind = "unavailable" if "ModuleNotFoundError" in done.stderr or "ImportError" in done.stderr else "error"
        return {"ok": False, kind: f"not available: {last}"[:300]}
    return {"ok": True, "metrics": json.loads(done.stdout.strip().splitlines()[-1])}
