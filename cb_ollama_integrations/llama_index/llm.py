"""CBOllama: a LlamaIndex FunctionCallingLLM over the Circuit Breaker Ollama client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import Field, PositiveInt, PrivateAttr

from ..catalog import get_model_info
from ..model_info import ModelInfo
from ..types import LLMRequest
from ._config import LlamaIndexConnection
from ._convert import StreamAccumulator, chat_response, to_core_messages
from ._events import exception_event
from ._request import TOP_LEVEL_KEYS, build_request
from ._structured import StructuredOutputMixin
from ._tools import ToolCallingMixin, required_tool_format, tool_name

__all__ = ["CBOllama"]

Thinking = bool | Literal["low", "medium", "high"]


class CBOllama(StructuredOutputMixin, ToolCallingMixin, LlamaIndexConnection):
    """LlamaIndex LLM for Ollama with retries, circuit breakers and failover (via the core OllamaClient).

        llm = CBOllama(model="qwen2.5:latest", temperature=0.2, max_tokens=256)
        print(llm.complete("Name a colour.").text)

    Unset fields (None) are not sent, so the model's defaults apply. `base_url=None` honours OLLAMA_BASE_URL
    / OLLAMA_HOST. `metadata` never does network I/O: it reads the catalog, or what `refresh_metadata()` got.
    Per-call keywords override fields (`think=False` really turns thinking off); unknown keywords are Ollama
    options. Pass `client=OllamaClient(...)` to share a client (its host settings then apply).
    """

    model: str = Field(description="Ollama model name, e.g. 'llama3.1:8b' (default: OLLAMA_DEFAULT_MODEL).")
    temperature: float | None = Field(
        default=None, description="Sampling temperature; None keeps the model's."
    )
    max_tokens: int | None = Field(default=None, description="Most tokens to generate (Ollama num_predict).")
    context_window: PositiveInt | Literal["auto"] | None = Field(
        default="auto", description="num_ctx: 'auto' sizes it to each prompt (never past the model's trained "
        "context); an int is sent as is; None sends nothing (the server's default)."
    )
    on_context_overflow: Literal["warn", "raise"] | None = Field(
        default=None, description="A prompt the server cut: warn (default) or raise ContextWindowExceededError."
    )
    json_mode: bool = Field(default=False, description="Ask for a JSON answer (format='json') on every call.")
    thinking: Thinking | None = Field(
        default=None, description="think: True/False/'low'/'medium'/'high'; None unset."
    )
    additional_kwargs: dict[str, Any] = Field(default_factory=dict, description="Other Ollama options.")
    is_function_calling_model: bool | None = Field(
        default=None, description="Whether agents may use native tool calls; None: the model's capabilities."
    )
    _server_info: ModelInfo | None = PrivateAttr(None)

    @classmethod
    def class_name(cls) -> str:
        """Serialization id."""
        return "CBOllama"

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # LlamaIndex's: `__init__` again with the fields (private attributes lost)
        self._restore_injected_client(state)

    def _thinking_requested(self) -> bool:
        return self.thinking is not None

    def _config_overrides(self) -> dict[str, Any]:
        return {"default_model": self.model}

    # -- metadata ----------------------------------------------------------------------------------------
    @property
    def metadata(self) -> LLMMetadata:
        """Model facts from the catalog (or from `refresh_metadata()`); never touches the network.

        `context_window` is the window the prompt really gets, so LlamaIndex packs retrieved context to fit:
        an int `context_window` itself, the server's default (4096) for None, and for "auto" the model's
        trained context (what auto sizes up to, from /api/show once the client asked, else the catalog).
        """
        info = self._server_info or get_model_info(self.model)
        window = self.client.context_window(self.model, self.context_window)
        if self.context_window == "auto" and self._server_info is not None:
            window = self._server_info.context_window
        return LLMMetadata(
            context_window=window,
            num_output=self.max_tokens or DEFAULT_NUM_OUTPUTS,
            is_chat_model=True,
            is_function_calling_model=self.is_function_calling_model if self.is_function_calling_model is not None
            else (info.supports_function_calling if info else True),
            model_name=self.model,
        )

    def refresh_metadata(self) -> LLMMetadata:
        """Ask the server (POST /api/show) for the model's context window and capabilities."""
        self._server_info = self.client.show_model(self.model)
        return self.metadata

    async def arefresh_metadata(self) -> LLMMetadata:
        """Async twin of `refresh_metadata`."""
        self._server_info = await self.client.ashow_model(self.model)
        return self.metadata

    # -- requests ----------------------------------------------------------------------------------------
    def _request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> tuple[LLMRequest, list[str] | None]:
        """The core request, and the tool names its answer must call when a call is forced (else None)."""
        tools = kwargs.get("tools") or []
        forced = [tool_name(t) for t in tools] if kwargs.pop("tool_required", False) and tools else None
        if forced and kwargs.get("format") is None:
            kwargs["format"] = required_tool_format(tools, allow_parallel=False)
        if forced and kwargs.get("think") is None and self.thinking is None:
            kwargs["think"] = False  # thinking and a grammar-forced format do not mix
        extra = self.additional_kwargs
        defaults = {
            "temperature": self.temperature, "max_tokens": self.max_tokens, "num_ctx": self.context_window,
            "on_context_overflow": self.on_context_overflow,
            "keep_alive": self.keep_alive, "think": self.thinking,
            "format": "json" if self.json_mode else None,
            **{key: value for key, value in extra.items() if key in TOP_LEVEL_KEYS},
            "options": {key: value for key, value in extra.items() if key not in TOP_LEVEL_KEYS},
        }
        return build_request(self.model, to_core_messages(messages), defaults, kwargs), forced

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send the conversation and return the whole answer."""
        request, forced = self._request(messages, kwargs)
        with exception_event():
            return chat_response(self.client.chat_completion(request), forced_tools=forced)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async twin of `chat`."""
        request, forced = self._request(messages, kwargs)
        with exception_event():
            return chat_response(await self.client.achat_completion(request), forced_tools=forced)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the answer; thinking-only chunks are kept (`additional_kwargs["thinking_delta"]`)."""
        request, forced = self._request(messages, kwargs)

        def gen() -> ChatResponseGen:
            accumulator = StreamAccumulator(forced_tools=forced)
            for chunk in self.client.chat_completion_stream(request):
                yield accumulator.feed(chunk)

        return gen()

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        """Async twin of `stream_chat`."""
        request, forced = self._request(messages, kwargs)

        async def gen() -> ChatResponseAsyncGen:
            accumulator = StreamAccumulator(forced_tools=forced)
            async for chunk in self.client.achat_completion_stream(request):
                yield accumulator.feed(chunk)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt (sent as one user message)."""
        return chat_to_completion_decorator(self.chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Async twin of `complete`."""
        return await achat_to_completion_decorator(self.achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        """Stream the completion of a prompt."""
        return stream_chat_to_completion_decorator(self.stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async twin of `stream_complete`."""
        return await astream_chat_to_completion_decorator(self.astream_chat)(prompt, **kwargs)
