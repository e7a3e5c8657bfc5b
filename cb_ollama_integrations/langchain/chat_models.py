"""ChatCBOllama: a LangChain chat model over the core OllamaClient."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PositiveInt

from .._adapters.anchor_compat import ExtraOptionFields, LogprobFields
from ..catalog import get_model_info
from ..model_info import ModelCapability, ModelInfo
from ..types import StreamingChunk
from ._connection import GenerationModelDefaults
from ._context import ContextWindowCounting, window_for
from ._request import build_request, instance_settings
from ._structured import StructuredMethod, structured_runnable

__all__ = ["ChatCBOllama"]


def _whole(chunk: ChatGenerationChunk | None) -> Iterator[ChatGenerationChunk]:
    if chunk is not None:
        yield chunk


def _profile(info: ModelInfo, num_ctx: int | str | None) -> ModelProfile:
    caps = set(info.capabilities)
    profile = ModelProfile(
        tool_calling=info.supports_function_calling, tool_choice=True,
        reasoning_output=ModelCapability.THINKING in caps, image_inputs=ModelCapability.VISION in caps,
        text_inputs=True, text_outputs=True,
    )
    if (window := window_for(num_ctx, info)) is not None:
        profile["max_input_tokens"] = window  # the window the prompt really gets, not the catalog's maximum
    if info.max_output_tokens:
        profile["max_output_tokens"] = info.max_output_tokens
    return profile


class ChatCBOllama(ExtraOptionFields, LogprobFields, GenerationModelDefaults, ContextWindowCounting, BaseChatModel):
    """Chat with an Ollama model through the Circuit Breaker client (retries, failover, breakers).

        llm = ChatCBOllama(model="llama3.1", temperature=0, max_tokens=256)
        llm.invoke("Why is the sky blue?").content

    invoke sends one non-streamed request and runs its answer through the stream converter as a single
    final chunk; stream/astream (and invoke under streaming callbacks) stream on the wire. Either way the
    last chunk carries usage and timings. `reasoning` maps to Ollama's `think`; thinking text always lands in
    `additional_kwargs["reasoning_content"]`, never in `content`. Per-call keywords override fields
    (`invoke(..., reasoning=False)`, or langchain-ollama's `think=False`); None means "not set"; unknown
    keywords raise. langchain-ollama's ChatOllama arguments work too (README: Migrating).

    tool_choice: Ollama has none, so "any"/"required"/a tool name is enforced here: the request carries a
    JSON-schema `format` admitting only `{"name": <allowed tool>, "arguments": <its parameters>}`, the
    server's grammar-constrained sampling obeys it, and the JSON answer becomes the tool call. Tool results
    go back with `tool_name`, looked up from the AIMessage call they answer.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, populate_by_name=True)

    model: str = Field(description="Model name; default OLLAMA_DEFAULT_MODEL, else the core config default.")
    temperature: float | None = None
    max_tokens: int | None = Field(None, description="Most tokens to generate (Ollama's num_predict).")
    num_ctx: PositiveInt | Literal["auto"] | None = Field(
        "auto", description="Context window: 'auto' sizes it to each prompt (never past the model's trained "
        "context); an int is sent as is; None sends nothing (the server's default)."
    )
    on_context_overflow: Literal["warn", "raise"] | None = Field(
        None, description="A prompt the server cut: warn (default) or raise ContextWindowExceededError."
    )
    top_p: float | None = None
    top_k: int | None = None
    seed: int | None = None
    stop: list[str] | None = None
    repeat_penalty: float | None = None
    options: dict[str, Any] | None = Field(None, description="Any other Ollama option, sent verbatim.")
    format: Literal["", "json"] | dict[str, Any] | None = Field(None, description="'json' or a JSON schema.")
    reasoning: bool | Literal["low", "medium", "high"] | None = Field(
        None, description="Ollama's `think`: True/False or an effort level; None sends nothing."
    )
    streaming: bool = Field(False, description="Make invoke stream on the wire (LangChain's streaming switch).")


    @property
    def _llm_type(self) -> str:
        return "cb-ollama-chat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """False: langchain-core's `load` only revives classes in its own allowlist, so a round trip fails.

        `dumps(model)` still works and shows the repr, in which every credential is masked.
        """
        return False

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path used by LangChain serialization."""
        return ["cb_ollama_integrations", "langchain", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._settings()}


    def _settings(self) -> dict[str, Any]:
        return instance_settings(self)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(ls_provider="ollama", ls_model_type="chat",
                                 ls_model_name=kwargs.get("model") or self.model)
        temperature = kwargs.get("temperature", self.temperature)
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        stops = stop or kwargs.get("stop") or self.stop
        if temperature is not None:
            params["ls_temperature"] = temperature
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stops:
            params["ls_stop"] = stops
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        info = get_model_info(self.model)
        return _profile(info, self.num_ctx) if info is not None else None

    def refresh_profile(self) -> ModelProfile:
        """Replace `profile` with facts from the live server (POST /api/show) and return it."""
        self.profile = _profile(self.core_client().show_model(self.model), self.num_ctx)
        return self.profile

    async def arefresh_profile(self) -> ModelProfile:
        """Async twin of `refresh_profile`."""
        self.profile = _profile(await self.core_client().ashow_model(self.model), self.num_ctx)
        return self.profile

    # -- calls ------------------------------------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request, converter = build_request(self._settings(), messages, stop, kwargs)
        for core_chunk in self.core_client().chat_completion_stream(request):
            if (chunk := converter.convert(core_chunk)) is not None:
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request, converter = build_request(self._settings(), messages, stop, kwargs)
        async for core_chunk in self.core_client().achat_completion_stream(request):
            if (chunk := converter.convert(core_chunk)) is not None:
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # One non-streamed request (much cheaper than merging dozens of chunks), turned into the final chunk
        # of a stream so the very same converter builds the message. LangChain calls _stream instead when
        # streaming is asked for (streaming=True, stream=True, or a streaming callback such as astream_events).
        request, converter = build_request(self._settings(), messages, stop, kwargs)
        response = self.core_client().chat_completion(request)
        return generate_from_stream(_whole(converter.convert(StreamingChunk.from_response(response))))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request, converter = build_request(self._settings(), messages, stop, kwargs)
        response = await self.core_client().achat_completion(request)
        return generate_from_stream(_whole(converter.convert(StreamingChunk.from_response(response))))

    # -- tools and structured output --------------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (pydantic models, functions, dict schemas, BaseTools, runnables as tools).

        `tool_choice`: None/"auto" lets the model decide, "none" sends no tools, "any"/"required"/True forces
        a call of some tool, a tool name (or {"type": "function", "function": {"name": ...}}) forces that one.
        """
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return super().bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answers shaped by `schema` (pydantic v2/v1 model, TypedDict or JSON schema dict).

        method: "json_schema" (default) sends the schema as Ollama's `format` (grammar-constrained, so always
        strict); "function_calling" forces a call of a tool built from the schema; "json_mode" sends
        format="json". Thinking is switched off (think=False) unless `reasoning` was set explicitly.
        """
        if kwargs:
            raise TypeError(f"unexpected keyword(s) for with_structured_output: {sorted(kwargs)}")
        return structured_runnable(self, schema, method, include_raw)
