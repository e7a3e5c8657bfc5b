"""The /api/generate half of OllamaClient: one prompt completed (`suffix` for fill-in-the-middle), whole or streamed.

Each method reads as build (`_protocol.generate`), send (the engine), parse; its async twin differs only in the
I/O call. A base of OllamaClient, which supplies the engine and the config.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, closing
from typing import TYPE_CHECKING

from ._protocol.chat_response import raise_unless_done
from ._protocol.generate import GenerateStream, build_generate_call, parse_generate
from ._protocol.json_lines import parse_json
from .errors import StreamError
from .generation import GenerateRequest, GenerateResponse

if TYPE_CHECKING:
    from ._http.engine import Engine
    from ._protocol.calls import Call
    from ._telemetry import Telemetry
    from .config import OllamaConfig

__all__ = ["TextGeneration"]

OPERATION = "text_completion"  # gen_ai.operation.name of a completion, in the GenAI semantic conventions


class TextGeneration:
    """generate / agenerate and their streams (a base of OllamaClient)."""

    config: OllamaConfig
    _engine: Engine
    _telemetry: Telemetry

    def _generate_call(self, request: GenerateRequest, stream: bool, api_key: str | None) -> Call:
        return build_generate_call(request, self.config, stream=stream, api_key=api_key)

    def generate(self, request: GenerateRequest, api_key: str | None = None) -> GenerateResponse:
        """Complete one prompt via POST /api/generate (`suffix` for fill-in-the-middle); the whole answer.

        Same routing, retries, breakers and errors as `chat_completion`; a model whose template cannot
        insert raises InvalidRequestError for a `suffix`.
        """
        call = self._generate_call(request, False, api_key)
        with self._telemetry.start(OPERATION, call) as record:
            reply = self._engine.send(call, record)
            response = parse_generate(reply.data, response_id=f"gen-{request.id}", host=reply.host)
            record.generated(response)
        return response

    async def agenerate(self, request: GenerateRequest, api_key: str | None = None) -> GenerateResponse:
        """Async twin of `generate`."""
        call = self._generate_call(request, False, api_key)
        with self._telemetry.start(OPERATION, call) as record:
            reply = await self._engine.asend(call, record)
            response = parse_generate(reply.data, response_id=f"gen-{request.id}", host=reply.host)
            record.generated(response)
        return response

    def generate_stream(self, request: GenerateRequest, api_key: str | None = None) -> Iterator[GenerateResponse]:
        """Stream a /api/generate answer; the last chunk (`done`) carries usage, metrics and `context`."""
        state = GenerateStream(keep_chars=self.config.stream_keep_chars)
        call = self._generate_call(request, True, api_key)
        with self._telemetry.start(OPERATION, call) as record:
            with closing(self._engine.stream(call, record)) as lines:
                try:
                    for host, line in lines:
                        state.host = host
                        part = state.feed(parse_json(line, url=host))
                        record.generated(part)
                        yield part
                except StreamError as exc:
                    raise_unless_done(state, exc)
            state.finish()

    async def agenerate_stream(
        self, request: GenerateRequest, api_key: str | None = None
    ) -> AsyncIterator[GenerateResponse]:
        """Async twin of `generate_stream`."""
        state = GenerateStream(keep_chars=self.config.stream_keep_chars)
        call = self._generate_call(request, True, api_key)
        with self._telemetry.start(OPERATION, call) as record:
            async with aclosing(self._engine.astream(call, record)) as lines:
                try:
                    async for host, line in lines:
                        state.host = host
                        part = state.feed(parse_json(line, url=host))
                        record.generated(part)
                        yield part
                except StreamError as exc:
                    raise_unless_done(state, exc)
            state.finish()
