"""Scaling over hosts: N FAKE hosts that each serve one request at a time (OLLAMA_NUM_PARALLEL=1).

    python -m benchmarks.scaling                     # 1/2/4/8/16 hosts, sync threads and async, chat and embed
    python -m benchmarks.scaling --quick             # 1 and 2 hosts, a few requests (what the smoke test runs)

Each host is benchmarks/scaling_host.py in its own process (loopback, `--latency` seconds per request), so a
host serves at most 1/latency requests per second. The client runs `load_balanced` routing with
`max_concurrency_per_host=1` (`--limit`) and twice as many callers as hosts; throughput is answers per second after a
warm-up, efficiency is throughput / (N x the one-host throughput of the same mode and kind). Two more cases:
a host killed (SIGKILL) a third of the way through a run (requests lost and served twice, from the hosts'
served logs), and one host 5x slower than the others under `performance_first` (its share of the requests).
With `--litellm PYTHON` (default: .cache/litellm-venv/bin/python when `bash benchmarks/litellm_venv.sh` made it)
LiteLLM's Router runs the async scaling rows and the kill case on the same hosts right after the client
(`client` column: cb / litellm). Writes benchmarks/results/scaling.json and prints the markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.scaling_litellm_cases import litellm_python, litellm_version, run_litellm_case
from benchmarks.scaling_run import CaseResult, run_case

__all__ = ["FakeHost", "main", "start_hosts"]

RESULTS = Path(__file__).parent / "results" / "scaling.json"
ROOT = Path(__file__).parent.parent


@dataclass
class FakeHost:
    """One fake host process, its URL and the file its served request ids go to."""

    process: subprocess.Popen[str]
    url: str
    log: Path

    def served(self) -> list[str]:
        """The request ids this host answered (complete even after a SIGKILL: one flushed line each)."""
        return self.log.read_text(encoding="utf-8").split() if self.log.exists() else []

    def stop(self) -> None:
        """Stop the process (by its PID) and release its pipe."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_hosts(latencies: list[float], folder: Path, max_seconds: float) -> list[FakeHost]:
    """One fake host process per latency, each on its own ephemeral loopback port (started side by side:
    on a loaded machine one start can take many seconds)."""
    started = []
    for index, latency in enumerate(latencies):
        log = folder / f"host{index}-{time.monotonic_ns()}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.scaling_host", "--latency", str(latency), "--served-log", str(log),
             "--max-seconds", str(max_seconds)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        started.append((process, log))
    hosts: list[FakeHost] = []
    for process, log in started:
        assert process.stdout is not None
        line = process.stdout.readline()  # the host prints its URL as soon as it listens
        if not line:
            for other, _ in started:
                other.kill()
            raise RuntimeError("a fake host did not start")
        hosts.append(FakeHost(process, json.loads(line)["url"], log))
    return hosts


def _served_counts(hosts: list[FakeHost], ids: list[str]) -> tuple[Counter[str], list[int]]:
    wanted = set(ids)
    per_id: Counter[str] = Counter()
    per_host = []
    for host in hosts:
        mine = [rid for rid in host.served() if rid in wanted]
        per_id.update(mine)
        per_host.append(len(mine))
    return per_id, per_host


def scaling_case(hosts: list[FakeHost], n: int, mode: str, kind: str, args: argparse.Namespace, *,
                 client: str = "cb") -> dict[str, Any]:
    """Throughput of the first `n` equal hosts, through this client (cb) or LiteLLM's Router (async only)."""
    urls, requests, tag = [h.url for h in hosts[:n]], n * args.per_host, f"{mode}-{kind}-{n}"
    if client == "litellm":
        result, extra = run_litellm_case(args.litellm_python, urls, kind, requests=requests, callers=2 * n,
                                         tag=f"litellm-{tag}")
    else:
        result, extra = run_case(urls, mode, kind, requests=requests, callers=2 * n, strategy="load_balanced",
                                 tag=tag, per_host=args.limit), {}
    return {"client": client, "hosts": n, "mode": mode, "kind": kind, **result.summary(), **extra}


def kill_case(four: list[FakeHost], args: argparse.Namespace, mode: str, *, client: str = "cb") -> dict[str, Any]:
    """Four hosts, the second killed with SIGKILL a third of the way through: lost and served-twice counts."""
    victim, requests, urls = four[1], 4 * args.per_host, [h.url for h in four]

    def kill_when(done: int) -> None:
        if done == requests // 3 and victim.process.poll() is None:
            os.kill(victim.process.pid, signal.SIGKILL)

    result: CaseResult
    if client == "litellm":  # the driver kills the host itself, by its PID, at the same point
        result, extra = run_litellm_case(args.litellm_python, urls, "chat", requests=requests, callers=8,
                                         tag=f"litellm-kill-{mode}", kill_pid=victim.process.pid,
                                         kill_at=requests // 3, victim_url=victim.url)
    else:
        result, extra = run_case(urls, mode, "chat", requests=requests, callers=8, strategy="load_balanced",
                                 tag=f"kill-{mode}", on_answer=kill_when, per_host=args.limit), {}
    per_id, per_host = _served_counts(four, result.ids)
    lost = [rid for rid in result.ids if rid not in result.answered or per_id[rid] == 0]
    return {"client": client, "case": "kill", "mode": mode, "hosts": 4, "lost": len(lost), **extra,
            "served_twice": sum(1 for count in per_id.values() if count > 1),
            "served_per_host": per_host, "killed_host": 1, **result.summary()}


def slow_case(four: list[FakeHost], args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """Four hosts, the first five times slower, `performance_first`: the slow host's share of the requests."""
    requests = 4 * args.per_host
    result = run_case([h.url for h in four], mode, "chat", requests=requests, callers=8,
                      strategy="performance_first", tag=f"slow-{mode}", per_host=args.limit)
    _, per_host = _served_counts(four, result.ids)
    capacity = 3 / args.latency + 1 / (5 * args.latency)  # what the four hosts can serve per second together
    return {"client": "cb", "case": "slow_host", "mode": mode, "hosts": 4, "served_per_host": per_host,
            "slow_share": per_host[0] / max(1, sum(per_host)), "fair_share": 0.25,
            "capacity_rps": capacity, **result.summary()}


def efficiency(rows: list[dict[str, Any]]) -> None:
    """Add `efficiency`: throughput / (hosts x the one-host throughput of the same client, mode and kind)."""
    one = {(r["client"], r["mode"], r["kind"]): r["throughput_rps"] for r in rows if r["hosts"] == 1}
    for row in rows:
        base = one.get((row["client"], row["mode"], row["kind"]))
        row["efficiency"] = row["throughput_rps"] / (row["hosts"] * base) if base else None


def markdown(result: dict[str, Any]) -> str:
    """The tables of docs/scaling.md."""
    latency = result["latency_seconds"]
    lines = ["| client | hosts | mode | kind | requests | errors | throughput (req/s) | efficiency vs N x 1 host "
             "| of N / latency | peak at one host |", "|---|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["scaling"]:
        eff = "-" if r["efficiency"] is None else f"{r['efficiency']:.2f}"
        lines.append(f"| {r.get('client', 'cb')} | {r['hosts']} | {r['mode']} | {r['kind']} | {r['requests']} | "
                     f"{r['errors']} | {r['throughput_rps']:.1f} | {eff} | "
                     f"{r['throughput_rps'] * latency / r['hosts']:.2f} | {r['peak_queue']} |")
    lines += ["", "| client | case | mode | requests | lost | served twice | errors | served per host "
              "| share of host 0 | failed attempts at the killed host | throughput (req/s) |",
              "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in result["cases"]:
        share = f"{r['slow_share']:.3f} (equal {r['fair_share']})" if r["case"] == "slow_host" else "-"
        lines.append(f"| {r.get('client', 'cb')} | {r['case']} | {r['mode']} | {r['requests']} | "
                     f"{r.get('lost', '-')} | {r.get('served_twice', '-')} | {r['errors']} | {r['served_per_host']} | "
                     f"{share} | {r.get('failed_attempts_at_victim', '-')} | {r['throughput_rps']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line entry point: run every case, write the JSON, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 hosts, few requests (the smoke test)")
    parser.add_argument("--hosts", default="1,2,4,8,16", help="host counts (default 1,2,4,8,16)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request per host (0.05)")
    parser.add_argument("--per-host", type=int, default=40, help="requests per host in each case (40)")
    parser.add_argument("--limit", type=int, default=1, help="the client's max_concurrency_per_host (1: the "
                        "hosts' parallelism; 2: one more waits at each host, hiding the client's turnaround)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="lifetime bound of each fake host (900)")
    parser.add_argument("--litellm", default=None, metavar="PYTHON", help="python of the LiteLLM venv, or none "
                        "(default: .cache/litellm-venv/bin/python if it exists; bash benchmarks/litellm_venv.sh)")
    parser.add_argument("--out", default=str(RESULTS), help="where the JSON goes")
    args = parser.parse_args(argv)
    args.litellm_python, not_run = litellm_python(args.litellm)
    clients = ["cb", "litellm"] if args.litellm_python else ["cb"]
    if args.quick:
        args.hosts, args.per_host, args.latency = "1,2", 6, 0.02
    counts = [int(n) for n in args.hosts.split(",")]
    started, load_before = time.monotonic(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cb-scaling-") as tmp:
        # one set of processes for every case: the equal hosts, 4 more for each kill case, one slow host
        equal_count = max(*counts, 3)  # the slow-host case needs three equal hosts beside the slow one
        kills = [("async", "cb"), ("sync", "cb")] + [("async", "litellm")] * (len(clients) - 1)
        pool = start_hosts([args.latency] * (equal_count + 4 * len(kills)) + [args.latency * 5], Path(tmp),
                           args.max_seconds)
        try:
            equal, spare, slow = pool[:equal_count], pool[equal_count:-1], pool[-1]
            # LiteLLM runs right after the client on the same hosts; its Router is driven async only
            rows = [scaling_case(equal, n, mode, kind, args, client=client)
                    for kind in ("chat", "embed") for mode in ("async", "sync") for n in counts
                    for client in clients if client == "cb" or mode == "async"]
            efficiency(rows)
            cases = [slow_case([slow, *equal[:3]], args, mode) for mode in ("async", "sync")]
            cases += [kill_case(spare[4 * i:4 * i + 4], args, mode, client=client)
                      for i, (mode, client) in enumerate(kills)]
        finally:
            for host in pool:
                host.stop()
    result = {
        "command": "python -m benchmarks.scaling " + " ".join(argv if argv is not None else sys.argv[1:]),
        "latency_seconds": args.latency, "per_host": args.per_host, "max_concurrency_per_host": args.limit,
        "quick": args.quick, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                         "load_before": load_before, "load_after": os.getloadavg()},
        "seconds": time.monotonic() - started, "scaling": rows, "cases": cases,
        "litellm": {"python": args.litellm_python, "version": litellm_version(args.litellm_python),
                    "routing_strategy": "least-busy", "num_retries": 2} if args.litellm_python else not_run,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
