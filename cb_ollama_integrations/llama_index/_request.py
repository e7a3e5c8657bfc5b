"""Build the core LLMRequest from the LLM's fields and per-call keyword arguments (pure, no I/O).

`None` always means "not set": a per-call `think=None` falls back to the instance value, while `think=False`
overrides an instance `thinking=True` (the anchor's `x or default` cannot express that).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import ChatMessage, LLMRequest

__all__ = ["TOP_LEVEL_KEYS", "build_request"]

# Per-call keywords that are LLMRequest fields; every other keyword is an Ollama option.
_REQUEST_FIELDS = frozenset({
    "temperature", "max_tokens", "top_p", "top_k", "seed", "stop", "num_ctx", "repeat_penalty",
    "presence_penalty", "frequency_penalty", "format", "think", "keep_alive", "truncate", "tools", "logprobs",
    "top_logprobs", "on_context_overflow",
})
# Keys of `additional_kwargs` that Ollama takes beside `options`, not inside it.
TOP_LEVEL_KEYS = frozenset({"format", "think", "keep_alive", "truncate", "logprobs", "top_logprobs"})


def build_request(
    model: str, messages: list[ChatMessage], defaults: Mapping[str, Any], call_kwargs: Mapping[str, Any]
) -> LLMRequest:
    """The request for one call: per-call values (not None) win over `defaults` (the instance's settings).

    `defaults` holds LLMRequest field values plus `options` (the instance's Ollama options). Per-call
    `options` and unknown keywords (`mirostat=2`, `num_gpu=1`) are merged over the instance options.
    """
    # num_ctx=None is a choice (send nothing), not "unset": it is passed on even as None.
    fields = {key: value for key, value in defaults.items()
              if key != "options" and (value is not None or key == "num_ctx")}
    options = dict(defaults.get("options") or {})
    for key, value in call_kwargs.items():
        if value is None:
            continue
        if key == "options":
            options.update(value)
        elif key in _REQUEST_FIELDS:
            fields[key] = value
        else:
            options[key] = value
    return LLMRequest(model=model, messages=messages, options=options or None, **fields)
