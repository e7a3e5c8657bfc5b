"""W5: import time of each integration, each measured in a fresh interpreter that imported nothing else.

    python -m benchmarks.imports --rounds 5 [--json results/imports.json]   # both import targets, medians
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from benchmarks.clients import ClientSpec

__all__ = ["import_targets", "main", "measure_import"]

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


def import_targets(rounds: int = 5) -> dict[str, dict[str, float]]:
    """Both import targets in one run: the package against raw httpx, each adapter over its framework's bases.

    Each round imports every client once in a fresh interpreter, the clients taking turns; medians of rounds.
    """
    from benchmarks.clients import SPECS  # noqa: PLC0415 - the specs import nothing heavy

    names = ["raw-httpx", "cb-core", "cb-langchain", "cb-llama-index"]
    samples: dict[str, dict[str, list[float]]] = {name: {"base_ms": [], "adds_ms": []} for name in names}
    for _ in range(rounds):
        for name in names:
            measured = measure_import(SPECS[name])
            if measured["ok"]:
                for key in ("base_ms", "adds_ms"):
                    samples[name][key].append(measured["metrics"][key])
    return {
        name: {key: statistics.median(values) for key, values in parts.items() if values}
        for name, parts in samples.items()
    }


def main() -> None:
    """Print the import targets (package vs httpx; adapters' ms over their bases), medians of `--rounds`."""
    parser = argparse.ArgumentParser(description=import_targets.__doc__.split("\n\n")[0] if import_targets.__doc__
                                     else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="also write the medians to this JSON file")
    args = parser.parse_args()
    result = import_targets(args.rounds)
    httpx_ms, core_ms = result["raw-httpx"]["adds_ms"], result["cb-core"]["adds_ms"]
    print(f"import httpx: {httpx_ms:.1f} ms; import cb_ollama_integrations: {core_ms:.1f} ms "
          f"(x{core_ms / httpx_ms:.2f} httpx; target <= x1.00)")
    for name in ("cb-langchain", "cb-llama-index"):
        row = result.get(name, {})
        if "adds_ms" in row:
            print(f"{name}: framework bases {row['base_ms']:.1f} ms, adapter adds +{row['adds_ms']:.1f} ms "
                  "(target <= +60 ms)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"command": "python -m benchmarks.imports " + " ".join(sys.argv[1:]), "rounds": args.rounds,
                       "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()], "medians_ms": result},
                      handle, indent=1)
            handle.write("\n")


if __name__ == "__main__":
    main()
