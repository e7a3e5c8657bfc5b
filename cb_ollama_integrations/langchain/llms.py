"""CBOllamaLLM: a LangChain text-completion model (BaseLLM) over the core client's POST /api/generate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import ConfigDict, Field

from .._adapters.anchor_compat import ExtraOptionFields, LogprobFields, ollama_answer_fields
from ..generation import GenerateRequest, GenerateResponse
from ._connection import GenerationModelDefaults
from ._request import CALL_OPTIONS, instance_settings

__all__ = ["CBOllamaLLM"]

# /api/generate fields a call may set (`invoke(prompt, suffix=...)`), beside the settings of CALL_OPTIONS.
_GENERATE_ONLY = ("suffix", "system", "template", "raw", "images", "context")
_ALIASES = {"think": "reasoning", "num_predict": "max_tokens"}


def _generation_info(chunk: GenerateResponse, text: str, thinking: str) -> dict[str, Any]:
    answer = ollama_answer_fields(model=chunk.model, created_at=chunk.created_at, done=chunk.done,
                                  done_reason=chunk.finish_reason, usage=chunk.usage, metrics=chunk.metrics,
                                  logprobs=chunk.logprobs)
    return answer | {"response": text, "thinking": thinking or None, "context": chunk.context,
                     "finish_reason": chunk.finish_reason, "host": chunk.host}


def build_generate_request(settings: Mapping[str, Any], prompt: str, stop: list[str] | None,
                           kwargs: Mapping[str, Any]) -> GenerateRequest:
    """The /api/generate request of one call: per-call values (not None) win over the instance settings.

    Raises:
        TypeError: an unknown per-call keyword.
    """
    kwargs = {_ALIASES.get(key, key): value for key, value in kwargs.items()}
    options_here = [key for key in CALL_OPTIONS if key not in _CHAT_ONLY]
    unknown = set(kwargs) - set(options_here) - set(_GENERATE_ONLY) - {"stop", "stream"}
    if unknown:
        known = [*options_here, *_ALIASES, *_GENERATE_ONLY, "stop"]
        raise TypeError(f"unexpected keyword(s) for CBOllamaLLM: {sorted(unknown)}; known: {known}")
    values = {key: kwargs[key] if kwargs.get(key) is not None else settings.get(key)
              for key in (*options_here, *_GENERATE_ONLY)}
    options = dict(values.pop("options") or {})
    options.update({key: values.pop(key) for key in list(values) if key in _EXTRA and values[key] is not None})
    values = {key: value for key, value in values.items() if key not in _EXTRA}
    think, request_format = values.pop("reasoning"), values.pop("format") or None
    if think is None and request_format is not None:
        think = False  # reasoning models otherwise break the JSON
    if values["logprobs"] is None and values["top_logprobs"]:
        values["logprobs"] = True
    stops = stop if stop is not None else kwargs.get("stop", settings.get("stop"))
    return GenerateRequest(prompt=prompt, stop=stops or None, options=options or None, think=think,
                           format=request_format, **values)


_EXTRA = frozenset(ExtraOptionFields.model_fields)
# chat-only settings: /api/generate has no context-window sizing (num_ctx is sent only when set, as an int)
_CHAT_ONLY = frozenset({"on_context_overflow"})


class CBOllamaLLM(ExtraOptionFields, LogprobFields, GenerationModelDefaults, BaseLLM):
    """Complete prompts with an Ollama model (POST /api/generate) through the Circuit Breaker client.

        llm = CBOllamaLLM(model="qwen2.5-coder:3b", max_tokens=64)
        llm.invoke("def fib(n):", suffix="\\n    return a")   # fill in the middle

    The counterpart of langchain-ollama's OllamaLLM, with its arguments. Per call: `suffix`, `system`,
    `template`, `raw`, `images` (base64), `context`, and every setting below. `generation_info` carries
    Ollama's answer fields (`eval_count`, `done_reason`, `context`...), and `thinking` when the model thought.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, populate_by_name=True)

    model: str = Field(description="Model name; default OLLAMA_DEFAULT_MODEL, else the core config default.")
    temperature: float | None = None
    max_tokens: int | None = Field(None, description="Most tokens to generate (Ollama's num_predict).")
    num_ctx: int | None = Field(None, description="Context window to allocate (tokens).")
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    stop: list[str] | None = None
    repeat_penalty: float | None = None
    options: dict[str, Any] | None = Field(None, description="Any other Ollama option, sent verbatim.")
    format: Literal["", "json"] | dict[str, Any] | None = Field(None, description="'json' or a JSON schema.")
    reasoning: bool | Literal["low", "medium", "high"] | None = Field(None, description="Ollama's `think`.")
    system: str | None = Field(None, description="System prompt (overrides the model's).")
    template: str | None = Field(None, description="Prompt template override (Go template syntax).")
    raw: bool | None = Field(None, description="Send the prompt untemplated.")


    @property
    def _llm_type(self) -> str:
        return "cb-ollama-llm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._settings()}


    def _settings(self) -> dict[str, Any]:
        generate = {key: getattr(self, key) for key in ("system", "template", "raw") if getattr(self, key) is not None}
        return instance_settings(self) | generate

    def _request(self, prompt: str, stop: list[str] | None, kwargs: Mapping[str, Any]) -> GenerateRequest:
        return build_generate_request(self._settings(), prompt, stop, kwargs)

    def _generate(self, prompts: list[str], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> LLMResult:
        generations = []
        for prompt in prompts:
            answer = self.core_client().generate(self._request(prompt, stop, kwargs))
            info = _generation_info(answer, answer.response, answer.thinking or "")
            generations.append([Generation(text=answer.response, generation_info=info)])
        return LLMResult(generations=generations)

    async def _agenerate(self, prompts: list[str], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> LLMResult:
        generations = []
        for prompt in prompts:
            answer = await self.core_client().agenerate(self._request(prompt, stop, kwargs))
            info = _generation_info(answer, answer.response, answer.thinking or "")
            generations.append([Generation(text=answer.response, generation_info=info)])
        return LLMResult(generations=generations)

    def _stream(self, prompt: str, stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[GenerationChunk]:
        for piece in self.core_client().generate_stream(self._request(prompt, stop, kwargs)):
            chunk = _chunk(piece)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(self, prompt: str, stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[GenerationChunk]:
        async for piece in self.core_client().agenerate_stream(self._request(prompt, stop, kwargs)):
            chunk = _chunk(piece)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _chunk(piece: GenerateResponse) -> GenerationChunk:
    """One streamed piece; thinking deltas and, on the last, the answer fields go in generation_info
    (LangChain concatenates the thinking deltas when it adds the chunks up)."""
    if piece.done:
        info = _generation_info(piece, "", piece.thinking or "")
    else:
        info = {"thinking": piece.thinking} if piece.thinking else {}
    return GenerationChunk(text=piece.response, generation_info=info or None)
