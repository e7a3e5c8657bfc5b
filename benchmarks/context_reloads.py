"""Reload thrash against a real Ollama: short and long prompts alternating, and how often the model reloads.

    python -m benchmarks.context_reloads --real http://127.0.0.1:11435 [--log PATH] [--out results/x.json]

Ollama reloads a model whenever the `num_ctx` of a request differs from the runner's. Three policies get the
same alternating run (short, long, short, long, ...) on smollm2:135m (trained on 8,192 tokens):

- `auto` (this package's default): the size per host and model only grows, so one reload at the first long
  prompt and none after it;
- `per-prompt`: the smallest rung that fits each prompt, sent every time (what a naive sizer does);
- `trained`: the model's whole trained context on every call (llama-index's Ollama; no reload, largest cache).

A reload is counted from each answer's `load_duration` (a load takes hundreds of milliseconds on this CPU, a
warm runner a few) and, with `--log`, from the server log's "starting runner" lines, which are the truth.
The model is unloaded (keep_alive=0) before each policy so every run starts cold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig

MODEL = "smollm2:135m"
LOADED_MS = 150.0  # load_duration above this is a (re)load, not a warm runner


def _prompts() -> tuple[str, str]:
    # The long prompt only has to pass the 4,096 rung with its 1,024-token reserve (estimated ~3,600 tokens).
    lines = [f"Entry {n}: lamp {n % 9} burned {n * 13 % 97} hours; the keeper noted {n * 7 % 31} ships."
             for n in range(1, 191)]
    return "Say hi.", "\n".join(lines) + "\n\nWhich lamp burned longest? One number."


def _runner_starts(log: Path | None) -> int:
    if log is None or not log.exists():
        return -1
    return log.read_text(encoding="utf-8", errors="replace").count("starting runner")


def run_policy(base_url: str, policy: str, rounds: int, log: Path | None) -> dict[str, Any]:
    """One cold run of `rounds` short/long pairs under `policy`; the reloads it caused."""
    short, long = _prompts()
    config = OllamaConfig(base_url=base_url, default_model=MODEL, max_retries=0, timeout_seconds=1800)
    with OllamaClient(config) as client:
        client.unload_model(MODEL)
        before, loads, sizes, started = _runner_starts(log), 0, [], time.perf_counter()
        for text in [short, long] * rounds:
            num_ctx: int | str | None = "auto"
            if policy == "per-prompt":
                num_ctx = 4096 if text is short else 8192
            elif policy == "trained":
                num_ctx = 8192
            request = LLMRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=4, temperature=0,
                                 num_ctx=num_ctx)
            answer = client.chat_completion(request)
            load_ms = (answer.metrics.load_duration or 0) / 1e6  # None: the server did not say
            loads += load_ms > LOADED_MS
            running = {m.name: m.context_length for m in client.list_running()}
            sizes.append(running.get(MODEL))
        after = _runner_starts(log)
    return {"policy": policy, "requests": 2 * rounds, "reloads_by_load_duration": loads,
            "runner_starts_in_log": after - before if before >= 0 else None, "context_lengths": sizes,
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the three policies and print (and with --out save) the reload counts."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--real", required=True, help="base URL of a real Ollama with smollm2:135m")
    args.add_argument("--log", type=Path, help="the server's log file (counts 'starting runner' lines)")
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--policies", default="auto,per-prompt,trained", help="comma-separated, in order")
    args.add_argument("--out", help="write the results as JSON here (relative to benchmarks/)")
    options = args.parse_args(argv)
    rows = [run_policy(options.real, policy, options.rounds, options.log)
            for policy in options.policies.split(",")]
    for row in rows:
        print(json.dumps(row))
    if options.out:
        (Path(__file__).parent / options.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
