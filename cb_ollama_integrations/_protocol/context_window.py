"""Pure context-window policy: which `num_ctx` a chat request gets, and whether its answer shows a cut prompt.

`num_ctx="auto"` sends the smallest size of a fixed ladder (4096, 8192, 16384, ... doubling) that holds the
estimated prompt plus the output reserve, never more than the model's trained context. Ollama reloads a model
whenever `num_ctx` changes, so per (host, model) the size only grows during a client's life, and a runner the
server already loaded larger (from /api/ps) is not shrunk. All of it is state the client owns; no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic_core import to_json

from ..catalog import get_model_info, normalize_model_name
from ..config import OllamaConfig
from ..types import LLMRequest
from .token_estimate import Calibration, raw_prompt_tokens, raw_text_tokens

__all__ = [
    "DEFAULT_OUTPUT_RESERVE",
    "SERVER_DEFAULT_CONTEXT",
    "SMALLEST_RUNG",
    "ContextMemory",
    "ContextPlan",
    "ladder_size",
    "plan_context",
]

SMALLEST_RUNG = 4096  # Ollama's usual default: a short prompt never reloads a runner loaded at the default
SERVER_DEFAULT_CONTEXT = 4096  # what the server allocates when no num_ctx is sent (v0.6 and later, CPU)
DEFAULT_OUTPUT_RESERVE = 1024  # room kept for the answer when max_tokens is unset
# Until a model's first long answer calibrated the estimate, the raw count can be low by a quarter (digit-heavy
# text measured 0.73 of smollm2's count): size with this margin so a first long prompt is not cut. Refusing
# before sending never uses it (a false refusal would lose a prompt that fits).
_UNCALIBRATED_MARGIN = 1.25
_REFUSE_MARGIN = 1.10  # refuse before sending only when the estimate is this far past the model's maximum

Mode = Literal["auto", "fixed", "server"]


def ladder_size(needed: int, model_max: int | None) -> int:
    """The smallest ladder rung holding `needed` tokens, capped at the model's trained context."""
    size = SMALLEST_RUNG
    while size < needed and (model_max is None or size < model_max):
        size *= 2
    return min(size, model_max) if model_max else size


def output_reserve(request: LLMRequest) -> int:
    """Tokens kept for the answer: `max_tokens` when it is a positive limit, else the default reserve; plus a
    `format` schema's size (the grammar does not enter the prompt, but the answer it forces spells its keys)."""
    limit = request.max_tokens
    reserve = limit if limit is not None and limit > 0 else DEFAULT_OUTPUT_RESERVE
    if isinstance(request.format, dict):
        reserve += raw_text_tokens(to_json(request.format).decode())
    return reserve


@dataclass
class ContextMemory:
    """What one client knows about context sizes; it only ever learns (the client's life is its scope).

    `grown`: the largest num_ctx sent per (host, model); `loaded`: the size a runner was loaded with, per
    (host, model), from /api/ps; `trained`: each model's trained context from /api/show; `calibrations`: the
    estimator's correction per model.
    """

    grown: dict[tuple[str, str], int] = field(default_factory=dict)
    loaded: dict[tuple[str, str], int] = field(default_factory=dict)
    trained: dict[str, int | None] = field(default_factory=dict)  # None: asked, the server could not say
    calibrations: dict[str, Calibration] = field(default_factory=dict)

    def calibration(self, model: str) -> Calibration:
        """The model's calibration (a fresh default one the first time)."""
        key = normalize_model_name(model)
        calibration = self.calibrations.get(key)
        if calibration is None:
            calibration = self.calibrations[key] = Calibration()
        return calibration

    def saw_running(self, host: str, models: list[tuple[str, int | None]]) -> None:
        """Take one host's /api/ps answer: the size each runner is loaded with (a runner gone is forgotten)."""
        self.loaded = {key: size for key, size in self.loaded.items() if key[0] != host}
        self.loaded |= {(host, normalize_model_name(name)): size for name, size in models if size}

    def model_max(self, model: str) -> int | None:
        """The model's trained context: the server's answer when fetched, else the catalog's, else unknown."""
        trained = self.trained.get(normalize_model_name(model))
        if trained is not None:
            return trained
        info = get_model_info(model)
        return info.context_window if info else None

    def size_for(self, host: str, model: str, needed: int) -> int:
        """The num_ctx to send `host` for `needed` tokens: the ladder's rung, never below what this client
        already sent there, and the size the runner is loaded with when that is already large enough."""
        key = (host, normalize_model_name(model))
        size = max(ladder_size(needed, self.model_max(model)), self.grown.get(key, 0))
        loaded = self.loaded.get(key)
        if loaded is not None and size <= loaded:
            size = loaded
        self.grown[key] = size
        return size


@dataclass(slots=True)
class ContextPlan:
    """One chat request's context facts: the mode, the prompt estimate and the size sent per host."""

    mode: Mode
    model: str
    raw: int  # the uncalibrated estimate, kept to calibrate from the answer
    estimate: int  # the calibrated prompt estimate
    needed: int  # estimate (with a margin until calibrated) + output reserve
    fixed: int | None = None  # the explicit num_ctx, in "fixed" mode
    on_overflow: Literal["warn", "raise"] = "warn"
    sent: dict[str, int] = field(default_factory=dict)  # host -> num_ctx sent there, in "auto" mode

    def window(self, host: str | None, memory: ContextMemory) -> int:
        """The window in effect for the answer of `host`: what was sent, or the server's default."""
        if self.mode == "fixed" and self.fixed is not None:
            return self.fixed
        if self.mode == "auto" and host in self.sent:
            return self.sent[host or ""]
        loaded = memory.loaded.get((host or "", normalize_model_name(self.model)))
        return loaded if loaded is not None else SERVER_DEFAULT_CONTEXT

    def needs_trained_context(self, memory: ContextMemory) -> bool:
        """True when the size depends on the model's maximum (more than the smallest rung is needed) and the
        server was not asked yet: a short chat costs no extra request."""
        return self.mode == "auto" and self.needed > SMALLEST_RUNG and (
            normalize_model_name(self.model) not in memory.trained)


def plan_context(request: LLMRequest, config: OllamaConfig, memory: ContextMemory) -> ContextPlan:
    """The context plan of `request`: an explicit num_ctx (the field, else `options["num_ctx"]`) is sent as is,
    None sends nothing, "auto" sizes it. An unset `request.num_ctx` takes the config's (default "auto")."""
    model = request.model or config.default_model
    chosen = request.num_ctx if "num_ctx" in request.model_fields_set else config.num_ctx
    option = (request.options or {}).get("num_ctx")
    if not isinstance(chosen, int) and isinstance(option, int):
        chosen = option  # `options` carries it verbatim: an explicit size
    raw = raw_prompt_tokens(request.messages, request.tools)
    calibration = memory.calibration(model)
    estimate = calibration.estimate(raw)
    sized = estimate if calibration.samples else round(estimate * _UNCALIBRATED_MARGIN)
    mode: Mode = "auto" if chosen == "auto" else ("server" if chosen is None else "fixed")
    on_overflow = request.on_context_overflow or config.on_context_overflow
    return ContextPlan(mode=mode, model=model, raw=raw, estimate=estimate,
                       needed=sized + output_reserve(request),
                       fixed=chosen if isinstance(chosen, int) else None, on_overflow=on_overflow)


def too_long_before_sending(plan: ContextPlan, memory: ContextMemory) -> int | None:
    """The model's maximum when even it cannot hold the estimated prompt (refuse before sending), else None."""
    model_max = memory.model_max(plan.model)
    if plan.mode != "auto" or model_max is None:
        return None
    return model_max if plan.estimate > model_max * _REFUSE_MARGIN else None
