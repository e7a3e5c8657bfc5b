"""The provider's public types, shaped as the Circuit Breaker seed uses them.

`response.choices[0].message.content`, `chunk.choices[0].delta.content`, `response.usage.total_tokens`,
`embeddings_response.data[i].embedding`. Requests are validated strictly (`extra="forbid"`, so a typo fails
loudly); `None` always means "not set, don't send".
"""

from __future__ import annotations

import hashlib
import time
import uuid
from enum import Enum
from typing import Any, Literal

from pydantic import ConfigDict, Field, PositiveInt, field_validator
from pydantic_core import to_json

from ._values.base import DeferredModel
from ._values.keep_alive import KeepAliveSetting
from .model_info import ModelCapability, ModelInfo, RunningModel

__all__ = [
    "ChatMessage", "Choice", "EmbeddingData", "EmbeddingsRequest", "EmbeddingsResponse", "GenerationMetrics",
    "LLMRequest", "LLMResponse", "Logprobs", "MessageRole", "ModelCapability", "ModelInfo", "RunningModel",
    "StreamChoice", "StreamingChunk", "TokenUsage", "ToolCall",
]

ThinkSetting = bool | Literal["low", "medium", "high", "max"]
# Per generated token, as the server sends it: {"token", "logprob", "bytes", "top_logprobs": [{"token", ...}]}.
Logprobs = list[dict[str, Any]]


class MessageRole(str, Enum):
    """Chat roles; the values are the lowercase strings Ollama expects. Plain strings are accepted too."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class ToolCall(DeferredModel):
    """One function call requested by the model; `arguments` is a dict, `id` the server's or a stable one."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    index: int = 0

    @staticmethod
    def stable_id(name: str, arguments: dict[str, Any], position: int) -> str:
        """The id of a call the server sent without one: the same call at the same place gets the same id.

        Adapters use it too, so a framework's tool message finds its call again after a round trip.
        """
        digest = hashlib.sha1(
            f"{position}\x00{name}\x00".encode() + to_json(arguments, round_trip=True), usedforsecurity=False
        ).hexdigest()
        return f"call_{digest[:12]}"


class ChatMessage(DeferredModel):
    """A chat message. `images` are base64 strings; `tool_name`/`tool_call_id` tie a tool result to its call."""

    model_config = ConfigDict(extra="forbid")

    role: MessageRole
    content: str = ""
    name: str | None = None
    images: list[str] | None = None
    thinking: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    tool_name: str | None = None

    @field_validator("role", mode="before")
    @classmethod
    def _lower_role(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class LLMRequest(DeferredModel):
    """A chat request. Options left at None are not sent, so the model's own defaults apply.

    `max_tokens` is sent as Ollama's `num_predict`; `options` carries any other Ollama option verbatim
    (explicit fields win over the same key in `options`). `format` is "json" or a JSON schema dict.
    `logprobs`/`top_logprobs` ask for token log probabilities (Ollama >= 0.12.11; answered in `logprobs`).
    `num_ctx`: left unset, the config's (default "auto": sized to the prompt, see the README's "Context
    windows"); an int is sent as is; None sends nothing (the server's default). `on_context_overflow`: None
    takes the config's ("warn"); "raise" makes a cut prompt raise ContextWindowExceededError.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: f"req-{uuid.uuid4().hex[:16]}")
    model: str | None = None
    messages: list[ChatMessage]
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    stop: list[str] | None = None
    num_ctx: PositiveInt | Literal["auto"] | None = "auto"
    on_context_overflow: Literal["warn", "raise"] | None = None
    repeat_penalty: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    options: dict[str, Any] | None = None
    stream: bool | None = None
    tools: list[dict[str, Any]] | None = None
    format: Literal["json"] | dict[str, Any] | None = None
    think: ThinkSetting | None = None
    keep_alive: KeepAliveSetting = None
    truncate: bool | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    user: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class TokenUsage(DeferredModel):
    """Token counts of one call. Local inference is free, so `estimated_cost` is always 0.0."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated_cost: float = 0.0


class GenerationMetrics(DeferredModel):
    """Server-side timings in nanoseconds, as Ollama reports them (absent ones stay None)."""

    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_duration: int | None = None
    eval_duration: int | None = None


class Choice(DeferredModel):
    """One completion: the assistant `message` and why generation stopped (`stop`, `length`, `load`, `unload`)."""

    index: int = 0
    message: ChatMessage
    finish_reason: str | None = None


class LLMResponse(DeferredModel):
    """A finished chat completion. `model` is the name the server served; `thinking` is the reasoning text."""

    id: str
    object: str = "chat.completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    provider: str = "ollama"
    choices: list[Choice]
    usage: TokenUsage = Field(default_factory=TokenUsage)
    metrics: GenerationMetrics = Field(default_factory=GenerationMetrics)
    created_at: str | None = None
    host: str | None = None
    logprobs: Logprobs | None = None


class StreamChoice(DeferredModel):
    """The delta of one streamed chunk; `finish_reason` is set on the final chunk only."""

    index: int = 0
    delta: ChatMessage
    finish_reason: str | None = None


class StreamingChunk(DeferredModel):
    """One streamed chunk. Every chunk of a stream shares `id`; the final one carries `usage` and `metrics`."""

    id: str
    object: str = "chat.completion.chunk"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    provider: str = "ollama"
    choices: list[StreamChoice]
    usage: TokenUsage | None = None
    metrics: GenerationMetrics | None = None
    done: bool = False
    host: str | None = None
    created_at: str | None = None
    logprobs: Logprobs | None = None

    @classmethod
    def from_response(cls, response: LLMResponse) -> StreamingChunk:
        """A whole answer as the one final chunk of a stream, so one stream converter handles both."""
        choice = response.choices[0]
        return cls.model_validate({
            "id": response.id,
            "created": response.created,
            "model": response.model,
            "choices": [{"delta": choice.message, "finish_reason": choice.finish_reason}],
            "usage": response.usage,
            "metrics": response.metrics,
            "done": True,
            "host": response.host,
            "created_at": response.created_at,
            "logprobs": response.logprobs,
        })


class EmbeddingsRequest(DeferredModel):
    """An embeddings request: one text or a batch. `dimensions` truncates vectors (servers >= 0.11.11)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: f"emb-{uuid.uuid4().hex[:16]}")
    model: str | None = None
    input: str | list[str]
    dimensions: int | None = Field(None, ge=1)
    truncate: bool | None = None
    keep_alive: KeepAliveSetting = None
    options: dict[str, Any] | None = None
    user: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """The input as a list."""
        return [self.input] if isinstance(self.input, str) else list(self.input)


class EmbeddingData(DeferredModel):
    """One vector; `index` is the position of its text in the request."""

    object: str = "embedding"
    index: int
    embedding: list[float]


class EmbeddingsResponse(DeferredModel):
    """The vectors of an embeddings request, in input order, with the prompt token count as usage."""

    id: str
    object: str = "list"
    model: str
    data: list[EmbeddingData]
    usage: TokenUsage = Field(default_factory=TokenUsage)
