"""Medians, ratios and the target check of a benchmark run; the markdown table."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.clients import CLIENTS

__all__ = ["TARGETS", "check_targets", "markdown", "summarize", "targets_markdown"]

# The time metric of each workload (lower is better): ratios are taken on it.
TIME_METRIC = {
    "W1": "us_per_call",
    "W2": "us_per_chunk",
    "W3": "seconds",
    "W4": "ms_wall",
    "W5": "total_ms",
    "W6": "refused_ms",
}
BASELINE = "raw-httpx"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per client and workload: median of every numeric metric over the rounds, and why it did not run.

    `x_<client>` is the median over rounds of this client's time metric divided by that client's in the same
    round (clients run interleaved, so a slow moment of the machine hits both sides of a ratio).
    """
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in records:
        by_key.setdefault((record["client"], record["workload"]), []).append(record)
    summary: dict[str, dict[str, Any]] = {}
    for (client, workload), runs in by_key.items():
        ok = [r for r in runs if r.get("ok")]
        cell: dict[str, Any] = {"rounds": len(ok)}
        if not ok:
            first = runs[0]
            cell["unavailable" if "unavailable" in first else "error"] = first.get("unavailable") or first.get("error")
        numbers = {
            k for r in ok for k, v in r["metrics"].items() if isinstance(v, int | float) and not isinstance(v, bool)
        }
        for name in sorted(numbers):
            cell[name] = _median([r["metrics"][name] for r in ok if r["metrics"].get(name) is not None])
        for name in {
            k for r in ok for k, v in r["metrics"].items() if not isinstance(v, int | float) or isinstance(v, bool)
        }:
            cell[name] = ok[-1]["metrics"].get(name)
        summary.setdefault(client, {})[workload] = cell
    for client, workloads in summary.items():
        for workload, cell in workloads.items():
            for other in (
                BASELINE,
                "langchain-floor",
                "llama-index-floor",
                "langchain-ollama",
                "llama-index-ollama",
            ):
                ratio = _round_ratio(by_key, client, other, workload)
                if ratio is not None:
                    cell[f"x_{other}"] = ratio
    return summary


def _round_ratio(
    by_key: dict[tuple[str, str], list[dict[str, Any]]], client: str, other: str, workload: str
) -> float | None:
    metric = TIME_METRIC[workload]
    mine = {r["round"]: r["metrics"].get(metric) for r in by_key.get((client, workload), []) if r.get("ok")}
    theirs = {r["round"]: r["metrics"].get(metric) for r in by_key.get((other, workload), []) if r.get("ok")}
    ratios = [mine[n] / theirs[n] for n in mine if mine[n] and theirs.get(n)]
    return _median(ratios)


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _with_ratio(cell: dict[str, Any], metric: str, digits: int = 0) -> str:
    if cell.get("rounds", 0) == 0:
        return "n/a" if "unavailable" in cell else "error"
    ratio = cell.get(f"x_{BASELINE}")
    return _fmt(cell.get(metric), digits) + (f" (x{ratio:.2f})" if ratio is not None else "")


_COLUMNS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("W1", "W1 µs/call", lambda c: _with_ratio(c, "us_per_call")),
    ("W2", "W2 µs/chunk", lambda c: _with_ratio(c, "us_per_chunk", 1)),
    ("W3", "W3 s (texts/s)", lambda c: _with_ratio(c, "seconds", 2) + f" ({_fmt(c.get('texts_per_s'))}/s)"),
    ("W3", "W3 requests", lambda c: _fmt(c.get("requests"))),
    (
        "W3",
        "W3 RSS MB +growth/peak",
        lambda c: f"+{_fmt(c.get('rss_growth_mb'))}/{_fmt(c.get('peak_rss_mb'))}",
    ),
    ("W4", "W4 ms", lambda c: _with_ratio(c, "ms_wall", 1)),
    ("W4", "W4 conns", lambda c: _fmt(c.get("connections"))),
    ("W5", "W5 import ms (+over base)", lambda c: f"{_fmt(c.get('total_ms'))} (+{_fmt(c.get('adds_ms'))})"),
    (
        "W6",
        "W6 refused ms: warm, no retry (1st call, defaults)",
        lambda c: f"{_fmt(c.get('refused_ms'), 2)} ({_fmt(c.get('refused_first_call_ms'), 1)})",
    ),
    ("W6", "W6 hung host ms", lambda c: _fmt(c.get("hung_ms"), 3)),
]


def _share(cell: dict[str, Any]) -> str:
    share = cell.get("client_cpu_share")
    return "-" if share is None else f"{share * 100:.1f}%"


_REAL_COLUMNS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("W1", "W1 ms/call", lambda c: _fmt((c.get("us_per_call") or 0) / 1000, 1)),
    ("W1", "W1 client CPU share of wall", _share),
    ("W2", "W2 tokens/s (chunks/s)", lambda c: _fmt(1e6 / c["us_per_chunk"], 1) if c.get("us_per_chunk") else "-"),
    ("W2", "W2 client CPU share of wall", _share),
    ("W3", "W3 texts/s", lambda c: _fmt(c.get("texts_per_s"))),
    ("W3", "W3 client CPU share of wall", _share),
]


def markdown(summary: dict[str, dict[str, Any]], workloads: list[str], *, real: bool = False) -> str:
    """One table: a row per client, medians with the ratio to raw httpx (time ratios: lower is better).

    Against a real server (`real`), the table shows throughput and the client's share of the wall time.
    """
    columns = [c for c in (_REAL_COLUMNS if real else _COLUMNS) if c[0] in workloads]
    lines = [
        "| client | " + " | ".join(title for _, title, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    notes = []
    for spec in CLIENTS:
        if spec.name not in summary:
            continue
        cells = []
        for workload, _, render in columns:
            cell = summary[spec.name].get(workload, {})
            if workload not in summary[spec.name]:
                cells.append("-")
            elif cell.get("rounds", 0) == 0:
                reason = cell.get("unavailable") or cell.get("error") or "?"
                cells.append(
                    "n/a" if "no embeddings" in reason else "not available" if "unavailable" in cell else "error"
                )
                if "no embeddings" not in reason:
                    notes.append(f"- {spec.name} {workload}: {reason}")
            else:
                cells.append(render(cell))
        lines.append(f"| {spec.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines + (["", *sorted(set(notes))] if notes else []))


@dataclass(frozen=True)
class Target:
    """One goal of issue #8: `client`'s `metric` in `workload` compared with `limit`."""

    label: str
    client: str
    workload: str
    metric: str
    limit: float
    at_least: bool = False  # True: the measured value must be >= limit

    def judge(self, summary: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The measured value and whether it meets the limit (None when it could not be measured)."""
        value = summary.get(self.client, {}).get(self.workload, {}).get(self.metric)
        if isinstance(value, bool | list):
            value = float(bool(value))
        met = None if value is None else (value >= self.limit if self.at_least else value <= self.limit)
        return {"target": self.label, "value": value, "limit": self.limit, "met": met}


TARGETS = [
    Target("core W1 <= x1.10 raw httpx", "cb-core", "W1", "x_raw-httpx", 1.10),
    Target("core W2 <= x1.15 raw httpx", "cb-core", "W2", "x_raw-httpx", 1.15),
    Target("core W3 <= x1.0 raw httpx", "cb-core", "W3", "x_raw-httpx", 1.0),
    Target("core W3 peak RSS growth <= raw httpx's (MB)", "cb-core", "W3", "rss_growth_mb", 0.0),
    Target("core W4 <= x1.10 raw httpx", "cb-core", "W4", "x_raw-httpx", 1.10),
    Target("ChatCBOllama W1 <= x1.10 LangChain floor", "cb-langchain", "W1", "x_langchain-floor", 1.10),
    Target("ChatCBOllama W2 <= x1.05 LangChain floor", "cb-langchain", "W2", "x_langchain-floor", 1.05),
    Target("ChatCBOllama W4 <= x1.15 LangChain floor", "cb-langchain", "W4", "x_langchain-floor", 1.15),
    Target("CBOllama W1 <= x1.05 LlamaIndex floor", "cb-llama-index", "W1", "x_llama-index-floor", 1.05),
    Target("CBOllama W2 <= x1.05 LlamaIndex floor", "cb-llama-index", "W2", "x_llama-index-floor", 1.05),
    Target("CBOllamaEmbedding W3 requests <= 10", "cb-llama-index", "W3", "requests", 10),
    Target(
        "CBOllamaEmbedding W3 time <= 1/1.3 of llama-index's",
        "cb-llama-index",
        "W3",
        "x_llama-index-ollama",
        1 / 1.3,
    ),
    Target("import cb_ollama_integrations <= 150 ms", "cb-core", "W5", "total_ms", 150),
    Target("import cb_ollama_integrations loads no framework", "cb-core", "W5", "frameworks_loaded", 0),
    Target("cb_ollama_integrations.langchain adds <= 50 ms", "cb-langchain", "W5", "adds_ms", 50),
    Target("cb_ollama_integrations.llama_index adds <= 50 ms", "cb-llama-index", "W5", "adds_ms", 50),
    Target("core: open breaker fails in < 1 ms", "cb-core", "W6", "hung_ms", 1.0),
    Target(
        "core: connection refused surfaces in < 50 ms (warm client, max_retries=0)",
        "cb-core",
        "W6",
        "refused_ms",
        50,
    ),
    Target(
        "core: connection refused, first call of a new client with default retries, < 50 ms",
        "cb-core",
        "W6",
        "refused_first_call_ms",
        50,
    ),
]


def check_targets(summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Judge every target that the run measured."""
    raw_growth = summary.get(BASELINE, {}).get("W3", {}).get("rss_growth_mb")
    verdicts = []
    for target in TARGETS:
        if target.metric == "rss_growth_mb":  # the limit is what raw httpx needed in the same run
            if raw_growth is None:
                continue
            verdict = replace(target, limit=raw_growth).judge(summary)
        else:
            verdict = target.judge(summary)
        if verdict["value"] is not None:
            verdicts.append(verdict)
    return verdicts


def targets_markdown(verdicts: list[dict[str, Any]]) -> str:
    """The target check as a markdown table."""
    lines = ["| target | measured | limit | met |", "|---|---|---|---|"]
    for v in verdicts:
        lines.append(f"| {v['target']} | {v['value']:.3f} | {v['limit']:.3f} | {'yes' if v['met'] else 'NO'} |")
    return "\n".join(lines)
