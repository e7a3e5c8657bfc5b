"""Run the benchmarks: every client in a fresh process per workload and round, rounds interleaved.

    python -m benchmarks.run                       # full run against the FAKE server (about 15 minutes)
    python -m benchmarks.run --quick               # tiny sizes, 1 round (what the smoke test runs)
    python -m benchmarks.run --real http://127.0.0.1:11435 --clients raw-httpx,cb-core

Prints the markdown table and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import socket
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmarks.clients import CLIENTS, SPECS
from benchmarks.fake_check import check_fake
from benchmarks.imports import measure_import
from benchmarks.report import check_targets, markdown, summarize, targets_markdown
from benchmarks.workloads import Settings

__all__ = ["main", "run", "start_fake", "stop_fake"]

RESULTS = Path(__file__).parent / "results"
WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6"]
QUICK = {"calls": 5, "streams": 1, "stream_tokens": 19, "texts": 50, "concurrent": 10}
REAL = {
    "model": "smollm2:135m",
    "embed_model": "all-minilm",
    "dimensions": None,
    "chat_tokens": 16,
    "calls": 5,
    "streams": 2,
    "stream_tokens": 64,
    "texts": 200,
    "fake": False,
}


def start_fake(max_seconds: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fake_ollama", "--max-seconds", str(max_seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 30)
    if not ready:
        process.kill()
        raise RuntimeError("the fake Ollama server did not start within 30 s")
    return process, json.loads(process.stdout.readline())


def stop_fake(process: subprocess.Popen[str]) -> None:
    """Stop the fake server and release its pipe."""
    process.terminate()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def _refused_url() -> str:
    """A loopback port that was just free: nothing listens there, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _worker(settings: Settings, timeout: float) -> dict[str, Any]:
    if settings.workload == "W5":
        return measure_import(SPECS[settings.client], timeout)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.workloads", json.dumps(asdict(settings))],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"ok": False, "error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
    return dict(json.loads(lines[-1]))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every (round, workload, client) once; return the records, summary and target verdicts."""
    clients = args.clients.split(",") if args.clients else [spec.name for spec in CLIENTS]
    unknown = set(clients) - set(SPECS)
    if unknown:
        raise SystemExit(f"unknown clients {sorted(unknown)}; known: {sorted(SPECS)}")
    workloads = args.workloads.split(",") if args.workloads else (["W1", "W2", "W3"] if args.real else WORKLOADS)
    sizes: dict[str, Any] = {**(QUICK if args.quick else {}), **(REAL if args.real else {})}
    rounds = args.rounds if args.rounds is not None else (1 if args.quick or args.real else 3)
    fake, urls = None, {"url": args.real or "", "blackhole_url": ""}
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": sys.version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "rounds": rounds,
        "mode": "real" if args.real else "quick" if args.quick else "full",
        "sizes": {**asdict(Settings("", "", "")), **sizes},
    }
    git = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, cwd=RESULTS)
    meta["git_head"] = git.stdout.strip() or None  # uncommitted changes of the tree are not in it
    records: list[dict[str, Any]] = []
    try:
        if not args.real:
            fake, urls = start_fake(args.budget)
            small = {"calls": 50, "chunks": 200, "texts": 50} if args.quick else {}
            meta["fake_server"] = check_fake(urls["url"], **small)
        base = Settings(
            client="",
            workload="",
            url=urls["url"],
            blackhole_url=urls["blackhole_url"],
            refused_url=_refused_url(),
            **sizes,
        )
        deadline = time.monotonic() + args.budget
        for round_no in range(rounds):
            for workload in workloads:
                shift = round_no % len(clients)  # rotate the order: no client always runs first or last
                for client in clients[shift:] + clients[:shift]:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the run exceeded its budget of {args.budget:.0f} s")
                    started = time.monotonic()
                    result = _worker(replace(base, client=client, workload=workload), args.timeout)
                    records.append({"round": round_no, "client": client, "workload": workload, **result})
                    status = "ok" if result.get("ok") else result.get("unavailable") or result.get("error")
                    print(
                        f"round {round_no + 1}/{rounds} {workload} {client}: {status} "
                        f"({time.monotonic() - started:.1f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        if fake is not None:
            stop_fake(fake)
    meta["loadavg_end"] = os.getloadavg()
    summary = summarize(records)
    verdicts = [] if args.real else check_targets(summary)
    table = markdown(summary, workloads, real=bool(args.real))
    return {
        "meta": meta,
        "table": table,
        "targets_table": targets_markdown(verdicts) if verdicts else "",
        "summary": summary,
        "targets": verdicts,
        "records": records,
    }


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3; 1 with --quick/--real)")
    parser.add_argument("--clients", help=f"comma-separated subset of {','.join(SPECS)}")
    parser.add_argument("--workloads", help="comma-separated subset of W1..W6 (default all; W1-W3 with --real)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the CI smoke mode)")
    parser.add_argument("--real", metavar="URL", help="run W1-W3 against a real Ollama (smollm2:135m, all-minilm)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per worker process (default 600)")
    parser.add_argument("--budget", type=float, default=3600.0, help="seconds for the whole run (default 3600)")
    parser.add_argument("--out", type=Path, help="JSON result path (default benchmarks/results/<mode>-<time>.json)")
    args = parser.parse_args(argv)
    result = run(args)
    out = args.out or RESULTS / f"{result['meta']['mode']}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(result["table"])
    if result["targets_table"]:
        print("\n" + result["targets_table"])
    print(f"\nJSON: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
