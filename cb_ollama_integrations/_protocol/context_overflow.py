"""Pure checks of what the server did with a prompt: cut to the window, stopped at a limit, embeddings truncated.

Ollama cuts a prompt longer than `num_ctx` without saying so (older messages are dropped, or the one message
is cut), and answers normally. The evidence is the answer's `prompt_eval_count`: it reaches the window.
"""

from __future__ import annotations

from ..catalog import normalize_model_name
from ..errors import ContextWindowExceededError
from .context_window import ContextMemory, ContextPlan, ladder_size, too_long_before_sending
from .status import CONTEXT_REMEDY
from .token_estimate import raw_text_tokens

__all__ = ["check_answer", "embed_overflow_error", "length_notice", "refusal", "truncated_inputs"]

_LIKELY_CUT = 1.10  # an explicit window this much smaller than the estimate cannot have held the prompt


def refusal(plan: ContextPlan, memory: ContextMemory) -> ContextWindowExceededError | None:
    """The error to raise before sending when even the model's maximum cannot hold the prompt, else None."""
    model_max = too_long_before_sending(plan, memory)
    if model_max is None:
        return None
    return ContextWindowExceededError(
        f"the prompt is about {plan.estimate:,} tokens but {plan.model} holds at most {model_max:,} (its trained "
        f"context), so the server would cut it; nothing was sent. Keep the prompt inside the window: "
        f"{CONTEXT_REMEDY}",
        estimated_tokens=plan.estimate, context_window=model_max, model_max=model_max, model=plan.model,
    )


def _remedy(plan: ContextPlan, model_max: int | None, grown_to: int | None) -> str:
    most = f" (the model's maximum is {model_max:,})" if model_max else ""
    if plan.mode == "server":
        return f"num_ctx=None sends no size, so the server's default applied: leave num_ctx='auto' or set it{most}"
    if plan.mode == "fixed":
        return f"raise num_ctx{most}, or use num_ctx='auto' to size the window to each prompt"
    if grown_to is not None:
        return (f"the estimate was low for this text, so the next request to this host gets num_ctx={grown_to}; "
                f"pass a larger num_ctx to size this one yourself{most}")
    return f"the window is at the model's maximum{most}: shorten the prompt: {CONTEXT_REMEDY}"


def check_answer(
    plan: ContextPlan, memory: ContextMemory, host: str | None, prompt_tokens: int
) -> ContextWindowExceededError | None:
    """The error describing a prompt the server cut, else None (and the count calibrates the estimator).

    A prompt was cut when its `prompt_eval_count` reached the window in effect, or when an explicit (or the
    server's default) window is clearly smaller than the estimate (dropped old messages leave the count below).
    """
    window = plan.window(host, memory)
    cut = prompt_tokens >= window or (plan.mode != "auto" and plan.estimate > window * _LIKELY_CUT)
    if not cut:
        memory.calibration(plan.model).learn(plan.raw, prompt_tokens)
        return None
    model_max = memory.model_max(plan.model)
    grown_to = None
    if plan.mode == "auto" and host is not None and (model_max is None or window < model_max):
        grown_to = ladder_size(window + 1, model_max)  # auto heals itself: the next call gets the next rung
        memory.grown[(host, normalize_model_name(plan.model))] = grown_to
    return ContextWindowExceededError(
        f"the prompt did not fit the context window: about {plan.estimate:,} tokens for num_ctx={window}, and "
        f"the server evaluated {prompt_tokens:,}, so it cut the prompt and the model did not see all of it; "
        f"{_remedy(plan, model_max, grown_to)}",
        estimated_tokens=plan.estimate, context_window=window, model_max=model_max, model=plan.model,
        status_code=200,
    )


def length_notice(plan: ContextPlan, memory: ContextMemory, host: str | None, *, max_tokens: int | None,
                  prompt_tokens: int, completion_tokens: int) -> str:
    """Why an answer stopped with done_reason=length: max_tokens reached, or the window filled up."""
    if max_tokens is not None and 0 < max_tokens <= completion_tokens:
        return f"reached max_tokens={max_tokens} (done_reason=length): raise max_tokens for longer answers"
    window = plan.window(host, memory)
    return (f"stopped because the context window filled up (done_reason=length): {prompt_tokens:,} prompt + "
            f"{completion_tokens:,} answer tokens of a {window}-token window; give the answer room with a larger "
            "num_ctx, or set max_tokens so num_ctx='auto' reserves it")


def truncated_inputs(texts: list[str], model: str, memory: ContextMemory, start: int = 0) -> list[int]:
    """Indexes (from `start`) of the texts whose estimate exceeds the embedding model's context (none when
    neither the server nor the catalog knows that context)."""
    window = memory.model_max(model)
    if window is None:
        return []
    calibration = memory.calibration(model)
    return [start + i for i, text in enumerate(texts) if calibration.estimate(raw_text_tokens(text)) > window]


def embed_overflow_error(
    error: ContextWindowExceededError, texts: list[str], start: int, model: str, memory: ContextMemory
) -> ContextWindowExceededError:
    """The server's "input length exceeds the context length", naming which input(s) are too long.

    The server does not say which; the estimate does (the longest text when none is estimated over).
    """
    indexes = truncated_inputs(texts, model, memory, start)
    if not indexes and texts:
        indexes = [start + max(range(len(texts)), key=lambda i: len(texts[i]))]
    window = memory.model_max(model)
    which = ", ".join(str(i) for i in indexes[:10]) + (" ..." if len(indexes) > 10 else "")
    limit = f"{model}'s {window:,}-token context" if window else f"{model}'s context"
    return ContextWindowExceededError(
        f"input {which} is longer than {limit} and truncate=False forbids cutting it ({error.server_message}): "
        "split the text into smaller chunks, or leave truncate unset to let the server cut it",
        context_window=window, model_max=window, model=model, input_indexes=indexes,
        status_code=error.status_code, server_message=error.server_message, method=error.method, url=error.url,
    )
