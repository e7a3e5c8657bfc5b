"""OllamaClient: the Circuit Breaker provider's client, sync methods and their `a`-prefixed async twins."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import aclosing, closing
from types import TracebackType
from typing import Any

import httpx

from ._client_copies import CopiedAsConfig
from ._context_windows import ContextWindows
from ._generation import TextGeneration
from ._http.engine import Engine
from ._http.proxies import proxy_for
from ._http.transport import Transport
from ._model_management import ModelManagement
from ._protocol.calls import Call, Reply
from ._protocol.chat_response import StreamAssembler, parse_chat_response, raise_unless_done
from ._protocol.context_window import ContextMemory, ContextPlan
from ._protocol.embed import EmbedPart, build_embed_calls, combine_embed_parts, parse_embed_part
from ._protocol.json_lines import parse_json
from ._resilience.routing import HostPool
from ._telemetry import Record, Telemetry
from .config import OllamaConfig
from .errors import ContextWindowExceededError, StreamError
from .types import EmbeddingsRequest, EmbeddingsResponse, LLMRequest, LLMResponse, StreamingChunk

__all__ = ["OllamaClient"]

logger = logging.getLogger("cb_ollama_integrations")


class OllamaClient(CopiedAsConfig, ContextWindows, TextGeneration, ModelManagement):
    """Talks to one Ollama host, or routes over several (`config.base_urls`) with breakers and failover.

    Every network method has an async twin named with an `a` prefix. Sync and async calls share the
    configuration, the breakers and the routing state; async calls are safe across event loops.

        with OllamaClient(OllamaConfig(default_model="qwen2.5-coder:3b")) as client:
            reply = client.chat_completion(LLMRequest(messages=[ChatMessage(role="user", content="Hi")]))
            print(reply.choices[0].message.content)

    `transport`/`async_transport` replace the network (httpx's seam) and `sleep`/`asleep` the retry backoff
    waits, for tests and benchmarks. With OpenTelemetry installed (the `otel` extra), every chat,
    generate and embeddings call is a GenAI span with metrics, sent to `tracer_provider`/`meter_provider` (default: the
    global ones); see docs/observability.md.

    A client pickles and deep-copies (to Ray or multiprocessing workers, into copied framework objects): the
    copy gets the same config (secrets travel inside the pickle only) and injected seams, and builds its own
    connection pools on first use, with fresh breakers and routing state.
    """

    def __init__(
        self,
        config: OllamaConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        tracer_provider: Any = None,
        meter_provider: Any = None,
    ) -> None:
        self.config = config if config is not None else OllamaConfig()
        self._telemetry = Telemetry(self.config.hosts, tracer_provider=tracer_provider,
                                    meter_provider=meter_provider)
        self._pool = HostPool(self.config)
        self._transport = Transport(self.config, transport=transport, async_transport=async_transport)
        self._engine = Engine(self._pool, self._transport, sleep=sleep, asleep=asleep,
                              log_bodies=self.config.log_bodies, max_body_bytes=self.config.max_body_bytes,
                              timeout_setting=self.config.timeout_setting)
        self._known_models: set[str] = set()
        self._length_warned: set[str] = set()
        self._truncation_told: set[str] = set()
        self._context = ContextMemory()
        # The constructor's seams as given (only those set), so a copy is built the same way.
        seams = {"transport": transport, "async_transport": async_transport,
                 "sleep": None if sleep is time.sleep else sleep,
                 "asleep": None if asleep is asyncio.sleep else asleep}
        self._seams: dict[str, Any] = {name: value for name, value in seams.items() if value is not None}

    @staticmethod
    def check_config(config: OllamaConfig) -> None:
        """Raise ValueError for settings only the HTTP layer can judge (an unusable proxy setting or variable).

        Constructing a client runs the same checks; this runs them without building one (the adapters call it
        at construction).
        """
        for url in config.hosts:
            proxy_for(url, config)
        config.concurrency_per_host()  # 'num_parallel': OLLAMA_NUM_PARALLEL must be usable

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
        with self._telemetry.start("chat", call) as record:
            response = self._chat_result(request, plan, self._engine.send(call, record))
            record.chat_answer(response)
        return response

    async def achat_completion(self, request: LLMRequest, api_key: str | None = None) -> LLMResponse:
        """Async twin of `chat_completion`."""
        call, plan = await self._asized_call(request, False, api_key)
        with self._telemetry.start("chat", call) as record:
            response = self._chat_result(request, plan, await self._engine.asend(call, record))
            record.chat_answer(response)
        return response

    def chat_completion_stream(self, request: LLMRequest, api_key: str | None = None) -> Iterator[StreamingChunk]:
        """Stream a chat answer chunk by chunk; the final chunk carries usage and `finish_reason`.

        A stream that fails after it started raises StreamError with the text received so far (at most
        `config.stream_keep_chars` characters); it is never silently restarted. A connection that breaks after
        the final (done) chunk is not an error: the answer is complete. Closing the iterator early closes the
        connection (the server stops generating).
        """
        assembler = StreamAssembler(keep_chars=self.config.stream_keep_chars)
        call, plan = self._sized_call(request, True, api_key)
        with self._telemetry.start("chat", call) as record:
            # closed here, not when collected: an early close gives the host's slot and count back now
            with closing(self._engine.stream(call, record)) as lines:
                try:
                    for host, line in lines:
                        assembler.host = host
                        chunk = self._finished(request, plan, assembler.feed(parse_json(line, url=host)))
                        record.chunk(chunk)
                        yield chunk
                except StreamError as exc:
                    raise_unless_done(assembler, exc)
            assembler.finish()

    async def achat_completion_stream(
        self, request: LLMRequest, api_key: str | None = None
    ) -> AsyncIterator[StreamingChunk]:
        """Async twin of `chat_completion_stream`."""
        assembler = StreamAssembler(keep_chars=self.config.stream_keep_chars)
        call, plan = await self._asized_call(request, True, api_key)
        with self._telemetry.start("chat", call) as record:
            async with aclosing(self._engine.astream(call, record)) as lines:
                try:
                    async for host, line in lines:
                        assembler.host = host
                        chunk = self._finished(request, plan, assembler.feed(parse_json(line, url=host)))
                        record.chunk(chunk)
                        yield chunk
                except StreamError as exc:
                    raise_unless_done(assembler, exc)
            assembler.finish()

    # -- embeddings -----------------------------------------------------------------------------------
    def embeddings(self, request: EmbeddingsRequest, api_key: str | None = None) -> EmbeddingsResponse:
        """Embed one text or a batch via POST /api/embed, `config.embed_batch_size` texts per request.

        Vectors come back in input order (`data[i].index == i`). An empty batch returns no vectors and sends
        nothing.
        """
        calls = build_embed_calls(request, self.config, api_key)
        if not calls:
            return combine_embed_parts(request, self.config, [])
        with self._telemetry.start("embeddings", calls[0][1]) as record:
            parts = []
            for start, call in calls:
                try:
                    parts.append(parse_embed_part(start, call, self._engine.send(call, record)))
                except ContextWindowExceededError as exc:
                    raise self._embed_failed(exc, call, start) from exc
            response = self._embedded(request, combine_embed_parts(request, self.config, parts))
            record.embeddings_answer(response)
        return response

    async def aembeddings(
        self, request: EmbeddingsRequest, api_key: str | None = None, *, concurrency: int = 1
    ) -> EmbeddingsResponse:
        """Async twin of `embeddings`; up to `concurrency` batches are in flight at once."""
        limit = asyncio.Semaphore(max(1, concurrency))

        async def one(start: int, call: Call, record: Record) -> EmbedPart:
            async with limit:
                try:
                    return parse_embed_part(start, call, await self._engine.asend(call, record))
                except ContextWindowExceededError as exc:
                    raise self._embed_failed(exc, call, start) from exc

        calls = build_embed_calls(request, self.config, api_key)
        if not calls:
            return combine_embed_parts(request, self.config, [])
        with self._telemetry.start("embeddings", calls[0][1]) as record:
            parts = list(await asyncio.gather(*(one(start, call, record) for start, call in calls)))
            response = self._embedded(request, combine_embed_parts(request, self.config, parts))
            record.embeddings_answer(response)
        return response

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
