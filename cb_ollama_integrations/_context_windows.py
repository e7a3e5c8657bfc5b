"""The context-window half of OllamaClient: num_ctx sizing, cut-prompt detection, embedding truncation notices.

Every decision is made by the pure `_protocol.context_window` / `_protocol.context_overflow` functions over
the client's `ContextMemory`; here are only the I/O (POST /api/show for a model's trained context, when the
size depends on it) and the telling (a warning, or ContextWindowExceededError). The async twins differ only
in the awaited call.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._protocol.calls import Call, Reply
from ._protocol.chat_request import build_chat_call
from ._protocol.context_overflow import check_answer, embed_overflow_error, length_notice, refusal, truncated_inputs
from ._protocol.context_window import SERVER_DEFAULT_CONTEXT, SMALLEST_RUNG, ContextMemory, ContextPlan, plan_context
from ._protocol.models import build_show_call, parse_show
from ._protocol.token_estimate import raw_prompt_tokens, raw_text_tokens
from .catalog import normalize_model_name
from .errors import ContextWindowExceededError, LLMError
from .types import ChatMessage, EmbeddingsRequest, EmbeddingsResponse, LLMRequest, TokenUsage

if TYPE_CHECKING:
    from ._http.engine import Engine
    from .config import OllamaConfig

__all__ = ["ContextWindows"]

logger = logging.getLogger("cb_ollama_integrations")


class ContextWindows:
    """num_ctx sizing and overflow detection for chat, truncation notices for embeddings (a base of OllamaClient)."""

    config: OllamaConfig
    _engine: Engine
    _context: ContextMemory
    _length_warned: set[str]
    _truncation_told: set[str]

    # A chat call is planned (pure), then the model's trained context is fetched when the size depends on
    # it (the only I/O, which the async path awaits), then refused or built. Nothing else differs.
    def _plan(self, request: LLMRequest) -> ContextPlan:
        return plan_context(request, self.config, self._context)

    def _learn_trained(self, model: str, answer: Reply | LLMError) -> None:
        """Keep the model's trained context from /api/show; when the server cannot say, the catalog applies."""
        if isinstance(answer, LLMError):
            logger.info("POST /api/show for %s failed (%s): sizing num_ctx from the catalog", model, answer)
        trained = None if isinstance(answer, LLMError) else parse_show(model, answer.data).context_window
        self._context.trained[normalize_model_name(model)] = trained

    def _chat_call(self, request: LLMRequest, plan: ContextPlan, stream: bool, api_key: str | None) -> Call:
        refused = refusal(plan, self._context)
        if refused is not None:
            raise refused
        return build_chat_call(request, self.config, stream=stream, api_key=api_key, context=(plan, self._context))

    def _sized_call(self, request: LLMRequest, stream: bool, api_key: str | None) -> tuple[Call, ContextPlan]:
        plan = self._plan(request)
        if plan.needs_trained_context(self._context):
            try:
                answer: Reply | LLMError = self._engine.send(build_show_call(plan.model))
            except LLMError as exc:
                answer = exc
            self._learn_trained(plan.model, answer)
        return self._chat_call(request, plan, stream, api_key), plan

    async def _asized_call(self, request: LLMRequest, stream: bool, api_key: str | None) -> tuple[Call, ContextPlan]:
        plan = self._plan(request)
        if plan.needs_trained_context(self._context):
            try:
                answer: Reply | LLMError = await self._engine.asend(build_show_call(plan.model))
            except LLMError as exc:
                answer = exc
            self._learn_trained(plan.model, answer)
        return self._chat_call(request, plan, stream, api_key), plan

    def _check_answer(self, request: LLMRequest, plan: ContextPlan, host: str | None, finish_reason: str | None,
                      usage: TokenUsage) -> None:
        """Log the outcome; say (or raise) when the server cut the prompt, and (once per model) why it stopped
        at a limit."""
        logger.debug("chat %s done_reason=%s tokens=%d+%d", plan.model, finish_reason, usage.prompt_tokens,
                     usage.completion_tokens)
        cut = check_answer(plan, self._context, host, usage.prompt_tokens)
        if cut is not None:
            cut.url = host
            if plan.on_overflow == "raise":
                raise cut
            logger.warning("%s: %s", plan.model, cut.message)
        if finish_reason == "length" and plan.model not in self._length_warned:
            self._length_warned.add(plan.model)
            notice = length_notice(plan, self._context, host, max_tokens=request.max_tokens,
                                   prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
            logger.warning("%s %s (said once per model)", plan.model, notice)

    # -- context windows (no I/O) ---------------------------------------------------------------------
    def estimate_tokens(self, messages: str | list[ChatMessage], tools: list[dict[str, Any]] | None = None,
                        model: str | None = None) -> int:
        """The estimated prompt tokens of a chat (what `num_ctx="auto"` sizes with), or of a bare text, calibrated
        by the model's earlier answers on this client. No tokenizer download, no network I/O."""
        calibration = self._context.calibration(model or self.config.default_model)
        if isinstance(messages, str):
            return round(calibration.factor * raw_text_tokens(messages))
        return calibration.estimate(raw_prompt_tokens(messages, tools))

    def context_window(self, model: str | None = None, num_ctx: int | str | None = "auto") -> int:
        """The largest window a prompt to `model` gets with this `num_ctx`: the int itself; for None the server's
        default (4096); for "auto" the model's trained context (from /api/show once fetched, else the
        catalog; 4096 when neither knows the model). No network I/O."""
        if isinstance(num_ctx, int):
            return num_ctx
        if num_ctx is None:
            return SERVER_DEFAULT_CONTEXT
        return self._context.model_max(model or self.config.default_model) or SMALLEST_RUNG

    # -- embeddings ---------------------------------------------------------------------------------------
    def _embed_failed(self, error: ContextWindowExceededError, call: Call, start: int) -> ContextWindowExceededError:
        """The server's "input length exceeds the context length" for a batch, naming the too-long input(s)."""
        payload = call.payload or {}
        texts, model = list(payload.get("input") or []), str(payload.get("model"))
        return embed_overflow_error(error, texts, start, model, self._context)

    def _embedded(self, request: EmbeddingsRequest, response: EmbeddingsResponse) -> EmbeddingsResponse:
        """Tell once per model how many inputs the server truncated (truncate unset or True: Ollama cuts
        them to the model's context); a single input also calibrates the estimate."""
        texts = request.texts
        if request.truncate is False:  # the server would have refused a too-long input
            return response
        cut = truncated_inputs(texts, response.model, self._context)
        if len(texts) == 1 and not cut:
            self._context.calibration(response.model).learn(raw_text_tokens(texts[0]), response.usage.prompt_tokens)
        if cut and response.model not in self._truncation_told:
            self._truncation_told.add(response.model)
            window = self._context.model_max(response.model)
            logger.warning(
                "%s: the server truncated %d of %d input(s) to the model's %s-token context (the first: index %d), "
                "so their vectors miss the end of the text; split long texts into chunks, or pass truncate=False "
                "to get an error instead (said once per model)",
                response.model, len(cut), len(texts), f"{window:,}" if window else "?", cut[0])
        return response
