"""Two Ollama hosts with FailoverChain: the first is down, every request completes on the second, and the
first host's circuit breaker opens so later requests skip it without waiting.

    python examples/failover.py --base-url http://gpu-box:11434
"""

from __future__ import annotations

import sys
import time

from _common import parser, session
from _failures import run

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig, RoutingStrategy

DEAD_HOST = "http://127.0.0.9:9"  # loopback, nothing listens: connections are refused at once


def main() -> int:
    """Send a few requests through a pool whose first host is down, showing the breaker state."""
    options = parser(__doc__ or "", model="smollm2:135m")
    args = options.parse_args()
    with session("failover", args, recorded_model="smollm2:135m", embeddings=False,
                 ignore_hosts=("127.0.0.9",)) as live:
        config = OllamaConfig(base_urls=[DEAD_HOST, live.base_url], routing_strategy=RoutingStrategy.FAILOVER_CHAIN,
                              default_model=live.model, breaker_failure_threshold=2, breaker_cooldown_seconds=60)
        with OllamaClient(config) as client:
            for n, question in enumerate(["Say one.", "Say two.", "Say three."], start=1):
                started = time.perf_counter()
                request = LLMRequest(messages=[ChatMessage(role="user", content=question)], max_tokens=8)
                response = client.chat_completion(request)
                dead = client.circuit_state()[DEAD_HOST]
                print(f"request {n}: answered by {response.host} in {time.perf_counter() - started:.2f}s; "
                      f"{DEAD_HOST} circuit {dead.state} after {dead.consecutive_failures} failures")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
