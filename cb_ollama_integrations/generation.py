"""Request and answer types of Ollama's /api/generate: one prompt in, text out (completion and fill-in-the-middle).

`GenerateRequest` mirrors the endpoint's fields; the sampling fields and `options` go into Ollama's `options`
exactly as for chat (`max_tokens` is `num_predict`). `None` means "not set, don't send".
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from ._values.base import DeferredModel
from ._values.keep_alive import KeepAlive, normalize_keep_alive
from .types import GenerationMetrics, Logprobs, ThinkSetting, TokenUsage

__all__ = ["GenerateRequest", "GenerateResponse"]


class GenerateRequest(DeferredModel):
    """A /api/generate request.

    `suffix` asks for fill-in-the-middle: the model writes what goes between `prompt` and `suffix` (only
    models whose template can insert, e.g. qwen2.5-coder; others are refused by the server). `raw` sends
    `prompt` untemplated, so it cannot be combined with `system`, `template` or `context`.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: f"gen-{uuid.uuid4().hex[:16]}")
    model: str | None = None
    prompt: str = ""
    suffix: str | None = None
    system: str | None = None
    template: str | None = None
    raw: bool | None = None
    images: list[str] | None = Field(None, description="Base64 images (no data: prefix).")
    context: list[int] | None = Field(None, description="Deprecated token state of an earlier answer.")
    format: Literal["json"] | dict[str, Any] | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    stop: list[str] | None = None
    num_ctx: int | None = None
    repeat_penalty: float | None = None
    options: dict[str, Any] | None = None
    think: ThinkSetting | None = None
    keep_alive: KeepAlive | None = None
    truncate: bool | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    stream: bool | None = None

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("keep_alive", mode="before")
    @classmethod
    def _keep_alive(cls, value: object) -> KeepAlive | None:
        return None if value is None else normalize_keep_alive(value)


class GenerateResponse(DeferredModel):
    """A whole /api/generate answer, or one chunk of a stream (`done` only on the last).

    `response` is the text (of this chunk, when streaming); `thinking` the reasoning text; the last chunk
    carries `finish_reason` (Ollama's `done_reason`), `usage`, `metrics` and, unless `raw`, `context`.
    """

    id: str
    model: str
    response: str = ""
    thinking: str | None = None
    done: bool = False
    finish_reason: str | None = None
    context: list[int] | None = None
    usage: TokenUsage | None = None
    metrics: GenerationMetrics | None = None
    created_at: str | None = None
    host: str | None = None
    logprobs: Logprobs | None = None
