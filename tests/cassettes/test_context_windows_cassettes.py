"""Context windows against the real Ollama v0.24 (replayed from cassettes recorded from it).

A prompt far past smollm2:135m's trained 8,192 tokens is refused before any chat is sent: the only request
that reached the server is the /api/show that told the model's maximum. The long-prompt cases that need the
server to evaluate ~5,000 tokens are in pending_context_windows_cassettes.py (not yet recorded, see there).
"""

from __future__ import annotations

from typing import Any

import pytest

from cb_ollama_integrations import (
    ChatMessage,
    ContextWindowExceededError,
    LLMRequest,
    OllamaClient,
    OllamaConfig,
)

pytestmark = pytest.mark.vcr

CHAT = "smollm2:135m"
LOG = "cb_ollama_integrations"
SLOW = 1800.0  # a CPU-only server shared while recording evaluates ~6,000 tokens in minutes


def logbook(days: int, first: int = 1) -> str:
    """A made-up ship's log, one line a day (~26 tokens each for smollm2's tokenizer)."""
    return "\n".join(f"Day {day}: the keeper of lighthouse {day % 17} counted {day * 7 % 101} ships and "
                     f"{day * 3 % 13} gulls; the wind came from the {('north', 'east', 'south', 'west')[day % 4]}."
                     for day in range(first, first + days))


def core_client(url: str) -> OllamaClient:
    return OllamaClient(OllamaConfig(base_url=url, default_model=CHAT, max_retries=0, timeout_seconds=SLOW))


def ask(text: str, **fields: Any) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=8, temperature=0, **fields)


def test_a_prompt_past_the_models_maximum_raises_before_any_chat_is_sent(ollama_url: str, vcr: Any) -> None:
    huge = logbook(800) + "\n\nSummarise."  # ~20,000 tokens for a model trained on 8,192
    with core_client(ollama_url) as client, pytest.raises(ContextWindowExceededError, match="nothing was") as caught:
        client.chat_completion(ask(huge))
    assert caught.value.model_max == 8192
    assert [r.path for r in vcr.requests] == ["/api/show"]  # the model's maximum, asked; no chat
