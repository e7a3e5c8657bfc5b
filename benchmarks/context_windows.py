"""The context-window estimator: its accuracy against a real Ollama, and its CPU cost per call.

    python -m benchmarks.context_windows                      # cost only (no server needed)
    python -m benchmarks.context_windows --real http://127.0.0.1:11435 [--out results/context-windows.json]

Accuracy: per model, one calibrating call (an English passage), then the calibrated estimate of three other
texts (another passage, Python code, JSON) against the `prompt_eval_count` the server reports for them.
Chat models are asked with num_predict=1 (only the prompt is evaluated); the embedding model through
/api/embed. Target: within 15% after the one calibrating call.

Cost: the CPU the estimate and the sizing add to one W1 call (a short chat, `benchmarks.micro_core`'s fake
answer over httpx.MockTransport), against that call's whole client CPU. Target: under 5%.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from cb_ollama_integrations import ChatMessage, EmbeddingsRequest, LLMRequest, OllamaClient, OllamaConfig
from cb_ollama_integrations._protocol.context_overflow import check_answer
from cb_ollama_integrations._protocol.context_window import ContextMemory, plan_context
from cb_ollama_integrations._protocol.token_estimate import raw_text_tokens

from .micro_core import CHAT, _per_call

ROOT = Path(__file__).resolve().parent.parent
CHAT_MODELS = ("smollm2:135m", "gemma3:270m")
EMBED_MODEL = "all-minilm"


def _texts() -> dict[str, str]:
    """~250-400 raw tokens each (under all-minilm's 512), from files of this repository that do not change
    with the package (the examples' corpus, a benchmark module, a cassette's JSON)."""
    corpus = sorted((ROOT / "examples" / "data").rglob("*.md"))
    prose = [p.read_text(encoding="utf-8") for p in corpus]
    code = (ROOT / "benchmarks" / "report.py").read_text(encoding="utf-8")
    records = [{"id": i, "name": f"item {i}", "price": round(i * 1.5, 2), "tags": ["a", "b"], "ok": i % 2 == 0}
               for i in range(40)]
    return {"calibrate (prose)": prose[0][:1400], "prose": prose[1][:1400], "code": code[:1400],
            "json": json.dumps(records)[:1400]}


def _chat_count(client: OllamaClient, model: str, text: str) -> int:
    request = LLMRequest(model=model, messages=[ChatMessage(role="user", content=text)], max_tokens=1,
                         temperature=0)
    return client.chat_completion(request).usage.prompt_tokens


def accuracy(base_url: str) -> list[dict[str, Any]]:
    """Estimate vs the server's count for each model and text, after one calibrating call per model."""
    texts, rows = _texts(), []
    with OllamaClient(OllamaConfig(base_url=base_url, max_retries=0, timeout_seconds=900)) as client:
        for model in CHAT_MODELS:
            for name, text in texts.items():
                messages = [ChatMessage(role="user", content=text)]
                estimate = client.estimate_tokens(messages, model=model)
                counted = _chat_count(client, model, text)  # calibrates the next estimates
                rows.append({"model": model, "text": name, "raw": raw_text_tokens(text), "estimate": estimate,
                             "counted": counted, "error": round(estimate / counted - 1, 3)})
        for name, text in texts.items():
            calibration = client._context.calibration(EMBED_MODEL)
            estimate = calibration.estimate(raw_text_tokens(text))
            counted = client.embeddings(EmbeddingsRequest(model=EMBED_MODEL, input=text)).usage.prompt_tokens
            rows.append({"model": EMBED_MODEL, "text": name, "raw": raw_text_tokens(text), "estimate": estimate,
                         "counted": counted, "error": round(estimate / counted - 1, 3)})
    return rows


def cost() -> dict[str, float]:
    """CPU microseconds of the estimate + sizing per call, and of a whole W1 call."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=CHAT))
    client = OllamaClient(OllamaConfig(base_url="http://fake-ollama.invalid", default_model="smollm2:135m"),
                          transport=transport)
    request = LLMRequest(messages=[ChatMessage(role="user", content="Why is the sky blue?")])
    memory, config = ContextMemory(), client.config

    def sizing() -> None:  # what auto adds to a call: plan, size for the host, check the answer
        plan = plan_context(request, config, memory)
        plan.sent["http://fake-ollama.invalid"] = memory.size_for("http://fake-ollama.invalid", plan.model,
                                                                   plan.needed)
        check_answer(plan, memory, "http://fake-ollama.invalid", 13)

    long_request = LLMRequest(messages=[ChatMessage(role="user", content=_texts()["prose"] * 20)])
    result = {
        "w1_call_us": _per_call(lambda: client.chat_completion(request), 2000),
        "w1_sizing_us": _per_call(sizing, 20000),
        "sizing_28k_chars_us": _per_call(lambda: plan_context(long_request, config, memory), 200),
    }
    result["w1_share"] = round(result["w1_sizing_us"] / result["w1_call_us"], 4)
    return result


def main(argv: list[str] | None = None) -> int:
    """Print (and with --out save) the cost and, with --real, the accuracy table."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--real", help="base URL of a real Ollama with the recording models")
    args.add_argument("--out", help="write the results as JSON here (relative to benchmarks/)")
    options = args.parse_args(argv)
    results: dict[str, Any] = {"cost": cost()}
    print(json.dumps(results["cost"]))
    if options.real:
        results["accuracy"] = accuracy(options.real)
        for row in results["accuracy"]:
            print(f"{row['model']:14} {row['text']:18} estimate {row['estimate']:5} counted {row['counted']:5} "
                  f"error {row['error']:+.1%}")
    if options.out:
        (Path(__file__).parent / options.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
