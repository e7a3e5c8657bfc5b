"""Structured output through Ollama's JSON-schema `format` (grammar-constrained, so even tiny models comply).

Thinking is turned off for these calls unless the user asked for it: a reasoning model otherwise puts its
answer in `thinking` and leaves the JSON content empty or malformed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any, cast

from llama_index.core.llms.llm import LLM
from llama_index.core.program.streaming_utils import process_streaming_content_incremental
from llama_index.core.program.utils import FlexibleModel
from llama_index.core.prompts import BasePromptTemplate
from llama_index.core.types import Model, PydanticProgramMode

__all__ = ["StructuredOutputMixin"]


class StructuredOutputMixin(LLM):
    """structured_predict & co. (hence `as_structured_llm`) with `format=<output_cls JSON schema>`.

    Other `pydantic_program_mode`s keep LlamaIndex's prompt-based programs.
    """

    def _thinking_requested(self) -> bool:
        """True when the user set `thinking` on the instance (then it is left as they set it)."""
        return False

    def _schema_kwargs(self, output_cls: type[Model], llm_kwargs: dict[str, Any] | None) -> dict[str, Any]:
        kwargs = dict(llm_kwargs or {})
        kwargs["format"] = output_cls.model_json_schema()
        if kwargs.get("think") is None and not self._thinking_requested():
            kwargs["think"] = False
        return kwargs

    def _uses_schema(self) -> bool:
        return self.pydantic_program_mode == PydanticProgramMode.DEFAULT

    def structured_predict(
        self, output_cls: type[Model], prompt: BasePromptTemplate, llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Answer the prompt as an `output_cls` instance (validated; a malformed answer raises)."""
        if not self._uses_schema():
            return cast(Model, super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args))
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        response = self.chat(messages, **self._schema_kwargs(output_cls, llm_kwargs))
        return output_cls.model_validate_json(response.message.content or "")

    async def astructured_predict(
        self, output_cls: type[Model], prompt: BasePromptTemplate, llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async twin of `structured_predict`."""
        if not self._uses_schema():
            result = await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return cast(Model, result)
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        response = await self.achat(messages, **self._schema_kwargs(output_cls, llm_kwargs))
        return output_cls.model_validate_json(response.message.content or "")

    def stream_structured_predict(
        self, output_cls: type[Model], prompt: BasePromptTemplate, llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | FlexibleModel, None, None]:
        """Yield ever more complete objects while the JSON streams in (the last one is the full answer)."""
        if not self._uses_schema():
            yield from super().stream_structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        current: Model | FlexibleModel | None = None
        for response in self.stream_chat(messages, **self._schema_kwargs(output_cls, llm_kwargs)):
            current = process_streaming_content_incremental(response, output_cls, current)
            yield current

    async def astream_structured_predict(
        self, output_cls: type[Model], prompt: BasePromptTemplate, llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | FlexibleModel, None]:
        """Async twin of `stream_structured_predict`."""
        if not self._uses_schema():
            return await super().astream_structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        stream = await self.astream_chat(messages, **self._schema_kwargs(output_cls, llm_kwargs))

        async def gen() -> AsyncGenerator[Model | FlexibleModel, None]:
            current: Model | FlexibleModel | None = None
            async for response in stream:
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()
