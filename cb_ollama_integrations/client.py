"""OllamaClient: the Circuit Breaker provider's client, sync methods and their `a`-prefixed async twins."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any

import httpx

from ._context_windows import ContextWindows
from ._http.engine import Engine
from ._http.transport import Transport
from ._model_management import ModelManagement
from ._protocol.calls import Call, Reply
from ._protocol.chat_response import StreamAssembler, parse_chat_response
from ._protocol.context_window import ContextMemory, ContextPlan
from ._protocol.embed import EmbedPart, build_embed_calls, combine_embed_parts, parse_embed_part
from ._protocol.json_lines import parse_json
from ._resilience.routing import HostPool
from .config import OllamaConfig
from .errors import ContextWindowExceededError, StreamError
from .types import EmbeddingsRequest, EmbeddingsResponse, LLMRequest, LLMResponse, StreamingChunk

__all__ = ["OllamaClient"]

logger = logging.getLogger("cb_ollama_integrations")


class OllamaClient(ContextWindows, ModelManagement):
    """Talks to one Ollama host, or routes over several (`config.base_urls`) with breakers and failover.

    Every network method has an async twin named with an `a` prefix. Sync and async calls share the
    configuration, the breakers and the routing state; async calls are safe across event loops.

        with OllamaClient(OllamaConfig(default_model="qwen2.5-coder:3b")) as client:
            reply = client.chat_completion(LLMRequest(messages=[ChatMessage(role="user", content="Hi")]))
            print(reply.choices[0].message.content)

    `transport`/`async_transport` replace the network (httpx's seam) and `sleep`/`asleep` the retry backoff
    waits, for tests and benchmarks.
    """

    def __init__(
        self,
        config: OllamaConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.config = config if config is not None else OllamaConfig()
        self._pool = HostPool(self.config)
        self._transport = Transport(self.config, transport=transport, async_transport=async_transport)
        self._engine = Engine(self._pool, self._transport, sleep=sleep, asleep=asleep,
                              log_bodies=self.config.log_bodies)
        self._known_models: set[str] = set()
        self._length_warned: set[str] = set()
        self._truncation_told: set[str] = set()
        self._context = ContextMemory()

    def __repr__(self) -> str:
        return f"OllamaClient(hosts={list(self.config.hosts)!r}, default_model={self.config.default_model!r})"

    # -- chat -------------------------------------------------------------------------------------------
    def _chat_result(self, request: LLMRequest, plan: ContextPlan, reply: Reply) -> LLMResponse:
        response = parse_chat_response(reply.data, response_id=f"chatcmpl-{request.id}", host=reply.host)
        self._check_answer(request, plan, reply.host, response.choices[0].finish_reason, response.usage)
        return response

    def _finished(self, request: LLMRequest, plan: ContextPlan, chunk: StreamingChunk) -> StreamingChunk:
        if chunk.done and chunk.usage is not None:
            self._check_answer(request, plan, chunk.host, chunk.choices[0].finish_reason, chunk.usage)
        return chunk

    def chat_completion(self, request: LLMRequest, api_key: str | None = None) -> LLMResponse:
        """Send a chat request and return the whole answer (`stream: false` on the wire).

        Raises: NetworkError, LLMTimeoutError, ModelNotFoundError, InvalidRequestError, ServerError,
        CircuitOpenError, ParseError (see `cb_ollama_integrations.errors`).
        """
        call, plan = self._sized_call(request, False, api_key)
        return self._chat_result(request, plan, self._engine.send(call))

    async def achat_completion(self, request: LLMRequest, api_key: str | None = None) -> LLMResponse:
        """Async twin of `chat_completion`."""
        call, plan = await self._asized_call(request, False, api_key)
        return self._chat_result(request, plan, await self._engine.asend(call))

    def chat_completion_stream(self, request: LLMRequest, api_key: str | None = None) -> Iterator[StreamingChunk]:
        """Stream a chat answer chunk by chunk; the final chunk carries usage and `finish_reason`.

        A stream that fails after it started raises StreamError with the text received so far; it is never
        silently restarted. Closing the iterator early closes the connection (the server stops generating).
        """
        assembler = StreamAssembler()
        call, plan = self._sized_call(request, True, api_key)
        try:
            for host, line in self._engine.stream(call):
                assembler.host = host
                yield self._finished(request, plan, assembler.feed(parse_json(line, url=host)))
        except StreamError as exc:
            exc.partial_content = exc.partial_content or assembler.partial_content
            raise
        assembler.finish()

    async def achat_completion_stream(
        self, request: LLMRequest, api_key: str | None = None
    ) -> AsyncIterator[StreamingChunk]:
        """Async twin of `chat_completion_stream`."""
        assembler = StreamAssembler()
        call, plan = await self._asized_call(request, True, api_key)
        try:
            async for host, line in self._engine.astream(call):
                assembler.host = host
                yield self._finished(request, plan, assembler.feed(parse_json(line, url=host)))
        except StreamError as exc:
            exc.partial_content = exc.partial_content or assembler.partial_content
            raise
        assembler.finish()

    # -- embeddings -----------------------------------------------------------------------------------
    def embeddings(self, request: EmbeddingsRequest, api_key: str | None = None) -> EmbeddingsResponse:
        """Embed one text or a batch via POST /api/embed, `config.embed_batch_size` texts per request.

        Vectors come back in input order (`data[i].index == i`). An empty batch returns no vectors and sends
        nothing.
        """
        parts = []
        for start, call in build_embed_calls(request, self.config, api_key):
            try:
                parts.append(parse_embed_part(start, call, self._engine.send(call)))
            except ContextWindowExceededError as exc:
                raise self._embed_failed(exc, call, start) from exc
        return self._embedded(request, combine_embed_parts(request, self.config, parts))

    async def aembeddings(
        self, request: EmbeddingsRequest, api_key: str | None = None, *, concurrency: int = 1
    ) -> EmbeddingsResponse:
        """Async twin of `embeddings`; up to `concurrency` batches are in flight at once."""
        limit = asyncio.Semaphore(max(1, concurrency))

        async def one(start: int, call: Call) -> EmbedPart:
            async with limit:
                try:
                    return parse_embed_part(start, call, await self._engine.asend(call))
                except ContextWindowExceededError as exc:
                    raise self._embed_failed(exc, call, start) from exc

        calls = build_embed_calls(request, self.config, api_key)
        parts = list(await asyncio.gather(*(one(start, call) for start, call in calls)))
        return self._embedded(request, combine_embed_parts(request, self.config, parts))

    # -- lifecycle --------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the sync connection pool (async pools close with their event loop, or with `aclose`)."""
        self._transport.close()

    async def aclose(self) -> None:
        """Close the connection pools of the running event loop and the sync one."""
        await self._transport.aclose()

    def __enter__(self) -> OllamaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> OllamaClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
