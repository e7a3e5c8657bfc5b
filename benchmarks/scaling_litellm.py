"""LiteLLM's Router over the scaling benchmark's FAKE hosts: the driver, run by the LiteLLM venv's python.

It runs in its own venv (benchmarks/litellm_venv.sh), so it imports nothing from this project: the inputs come
as one JSON object on stdin, one JSON result goes to stdout. benchmarks/scaling_litellm_cases.py starts it.

    {"urls": [...], "kind": "chat" | "embed", "requests": 80, "callers": 4, "tag": "litellm-async-chat-2",
     "chat_model": "smollm2:135m", "embed_model": "all-minilm", "num_retries": 2,
     "kill_pid": null, "kill_at": null, "victim_url": null, "routing_strategy": "least-busy"}

Every request carries its id as the benchmark's own cases do (the chat message, or the one embedding input),
so the hosts' served logs say who answered what. A warm-up round of `callers` requests comes first and is not
counted. `kill_pid` is SIGKILLed when `kill_at` requests have been answered (the kill case); every failed
attempt is counted per host from LiteLLM's failure callback, so the result says whether the Router kept sending
to the dead host.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of the model price list at import

import litellm  # type: ignore[import-not-found]  # only in the LiteLLM venv
from litellm.integrations.custom_logger import CustomLogger  # type: ignore[import-not-found]

__all__ = ["AttemptCounter", "main", "run"]

# least-busy: each request goes to the deployment with the fewest requests in flight from this Router, the same
# rule as the client's `load_balanced`. simple-shuffle (LiteLLM's default) picks at random, weighted by rpm/tpm;
# a case may ask for it (or any other) with "routing_strategy".
ROUTING_STRATEGY = "least-busy"


class AttemptCounter(CustomLogger):  # type: ignore[misc]
    """Counts every attempt LiteLLM makes, per api_base: answers, and failures by exception class."""

    def __init__(self) -> None:
        super().__init__()
        self.ok: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.failure_kinds: Counter[str] = Counter()

    def _base(self, kwargs: dict[str, Any]) -> str:
        # each deployment's id is "<kind>@<url>" (set in _router); embedding calls log no api_base, the id they do
        params = kwargs.get("litellm_params") or {}
        info = params.get("model_info") or (params.get("metadata") or {}).get("model_info") or {}
        return str(info.get("id", "?")).partition("@")[2].rstrip("/")

    async def async_log_success_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        """One answered attempt."""
        self.ok[self._base(kwargs)] += 1

    async def async_log_failure_event(self, kwargs: dict[str, Any], response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        """One failed attempt (a retry that then succeeds elsewhere still counts here)."""
        self.failed[self._base(kwargs)] += 1
        self.failure_kinds[type(kwargs.get("exception")).__name__] += 1


def _router(spec: dict[str, Any]) -> Any:
    deployments = []
    for url in spec["urls"]:
        deployments.append({"model_name": "chat", "model_info": {"id": f"chat@{url}"}, "litellm_params": {
            "model": f"ollama_chat/{spec['chat_model']}", "api_base": url}})
        deployments.append({"model_name": "embed", "model_info": {"id": f"embed@{url}"}, "litellm_params": {
            "model": f"ollama/{spec['embed_model']}", "api_base": url}})
    # num_retries as the client's max_retries; cooldowns left at LiteLLM's defaults, which is what is measured
    return litellm.Router(model_list=deployments, routing_strategy=spec.get("routing_strategy", ROUTING_STRATEGY),
                          num_retries=spec["num_retries"], timeout=60)


async def _send(router: Any, kind: str, rid: str) -> None:
    if kind == "chat":
        await router.acompletion(model="chat", messages=[{"role": "user", "content": rid}])
    else:
        await router.aembedding(model="embed", input=[rid])


async def _round(router: Any, spec: dict[str, Any], ids: list[str], counted: bool) -> tuple[list[str], int]:
    answered: list[str] = []
    errors = 0
    queue: Iterator[str] = iter(ids)
    kill_pid, kill_at = (spec.get("kill_pid"), spec.get("kill_at")) if counted else (None, None)

    async def worker() -> None:
        nonlocal errors
        for rid in queue:  # one iterator shared by every task: each id is sent once
            try:
                await _send(router, spec["kind"], rid)
            except Exception:  # whatever LiteLLM raises once its retries are spent is one lost answer
                errors += 1
                continue
            answered.append(rid)
            if kill_pid is not None and len(answered) == kill_at:
                with contextlib.suppress(ProcessLookupError):  # already gone: nothing to kill
                    os.kill(int(kill_pid), signal.SIGKILL)

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(spec["callers"]))), 300)
    return answered, errors


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm up, then send `requests` requests from `callers` tasks; what was answered, per host attempts."""
    litellm.telemetry = False
    litellm.suppress_debug_info = True  # its help banner would go to stdout, where the result goes
    counter = AttemptCounter()
    litellm.callbacks = [counter]
    router = _router(spec)
    callers, tag = spec["callers"], spec["tag"]
    await _round(router, spec, [f"warm-{tag}-{i}" for i in range(callers)], counted=False)
    await asyncio.sleep(0.2)  # LiteLLM runs its success/failure callbacks in background tasks: let them land
    counter.ok.clear()
    counter.failed.clear()
    counter.failure_kinds.clear()
    ids = [f"{tag}-{i}" for i in range(spec["requests"])]
    started = time.perf_counter()
    answered, errors = await _round(router, spec, ids, counted=True)
    seconds = time.perf_counter() - started
    await asyncio.sleep(0.2)
    victim = (spec.get("victim_url") or "").rstrip("/")
    return {"client": "litellm", "litellm_version": version("litellm"),
            "routing_strategy": spec.get("routing_strategy", ROUTING_STRATEGY), "requests": len(ids),
            "answered_ids": answered, "errors": errors, "seconds": seconds,
            "attempts_ok_per_host": [counter.ok[u.rstrip("/")] for u in spec["urls"]],
            "attempts_failed_per_host": [counter.failed[u.rstrip("/")] for u in spec["urls"]],
            "failure_kinds": dict(counter.failure_kinds),
            "failed_attempts_at_victim": counter.failed[victim] if victim else 0}


def main() -> None:
    """Read the case from stdin, run it, print the result as one JSON line."""
    spec = json.loads(sys.stdin.read())
    result = asyncio.run(run(spec))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
