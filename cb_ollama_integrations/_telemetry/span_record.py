"""`SpanRecord`: one logical call as an OpenTelemetry CLIENT span plus the GenAI client metrics.

Attempts become `cb_ollama.attempt` span events (host, outcome, half-open probe, error) and feed the
`cb_ollama.*` counters and circuit-state gauge. A stream's span ends whichever way it stops: finished,
failed mid-way, abandoned by the caller (GeneratorExit) or cancelled; the last three end with status ERROR
and finish reason "error".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._protocol.calls import Call
from .._resilience.attempts import Outcome
from .._resilience.routing import Host
from ..errors import LLMError
from ..generation import GenerateResponse
from ..types import ChatMessage, EmbeddingsResponse, LLMResponse, StreamingChunk, TokenUsage, ToolCall
from .attributes import (
    error_type,
    input_messages,
    output_messages,
    request_attributes,
    server_attributes,
    tool_definitions,
)
from .conventions import OWN, A
from .instruments import Instruments
from .record import Record

if TYPE_CHECKING:
    from .telemetry import Telemetry

__all__ = ["SpanRecord"]

logger = logging.getLogger("cb_ollama_integrations")
_F = TypeVar("_F", bound=Callable[..., None])


def _never_raises(method: _F) -> _F:
    """Telemetry must not break a call: a failure in it is logged, and the call goes on."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            method(*args, **kwargs)
        except Exception:
            logger.warning("telemetry: %s failed; the call is unaffected", method.__name__, exc_info=True)

    return guarded  # type: ignore[return-value]

_METRIC_KEYS = (A.OPERATION, A.PROVIDER, A.REQUEST_MODEL, A.SERVER_ADDRESS, A.SERVER_PORT)
_ENDED_EARLY = {GeneratorExit: "abandoned: the caller stopped reading the stream before its end",
                asyncio.CancelledError: "cancelled before the answer was complete"}


class SpanRecord(Record):
    """The span and metrics of one call; made by `Telemetry.start`, ended by leaving its `with` block."""

    def __init__(self, instruments: Instruments, operation: str, call: Call, telemetry: Telemetry) -> None:
        self._i = instruments
        self._capture = telemetry.capture_content
        self._attributes = request_attributes(operation, call)
        hosts = telemetry.hosts if call.host is None else (call.host,)
        if len(hosts) == 1:
            self._attributes.update(server_attributes(hosts[0]))
        self._streaming = self._attributes.get(A.STREAM, False)
        name = f"{operation} {call.model}" if call.model else operation
        self.span = instruments.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=self._attributes)
        self._recording = self.span.is_recording()
        if self._capture and self._recording:
            for key, value in ((A.INPUT_MESSAGES, input_messages(call)), (A.TOOL_DEFINITIONS, tool_definitions(call))):
                if value is not None:
                    self.span.set_attribute(key, value)
        self._token: object | None = None
        self._started = self._last_chunk = time.perf_counter()
        self._chunks = 0
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._calls: list[ToolCall] = []
        self._response: dict[str, Any] = {}
        self._usage: TokenUsage | None = None

    def __enter__(self) -> Record:
        if not self._streaming:  # a stream's generator must not leave its context in the caller's between chunks
            self._token = context.attach(trace.set_span_in_context(self.span))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._token is not None:
            context.detach(self._token)  # type: ignore[arg-type]
        try:
            self._record_end(exc)
        finally:
            self.span.end()

    @_never_raises
    def _record_end(self, exc: BaseException | None) -> None:
        elapsed = time.perf_counter() - self._started
        metric = {key: self._attributes[key] for key in _METRIC_KEYS if key in self._attributes}
        if A.RESPONSE_MODEL in self._response:
            metric[A.RESPONSE_MODEL] = self._response[A.RESPONSE_MODEL]
        if exc is not None:
            metric[A.ERROR_TYPE] = error_type(exc)
            self._failed(exc)
        if self._recording:
            self.span.set_attributes(self._response)
        self._i.duration.record(elapsed, metric)
        if self._usage is not None:
            self._i.tokens.record(self._usage.prompt_tokens, metric | {A.TOKEN_TYPE: "input"})
            if self._attributes[A.OPERATION] != "embeddings":
                self._i.tokens.record(self._usage.completion_tokens, metric | {A.TOKEN_TYPE: "output"})

    def _failed(self, exc: BaseException) -> None:
        self.span.set_attribute(A.ERROR_TYPE, error_type(exc))
        early = next((text for kind, text in _ENDED_EARLY.items() if isinstance(exc, kind)), None)
        if early is not None or self._streaming:
            self._response[A.FINISH_REASONS] = ["error"]
        if early is None:
            self.span.record_exception(exc)
        message = early or (exc.message if isinstance(exc, LLMError) else str(exc))
        self.span.set_status(Status(StatusCode.ERROR, message))

    # -- what the engine and the client report ------------------------------------------------------------
    @_never_raises
    def attempt_ended(self, host: Host, outcome: str, *, probe: bool, error: LLMError | None,
                      delay: float) -> None:
        where = {A.HOST: host.url}
        self._i.attempts.add(1, where | {A.OUTCOME: outcome})
        state = host.breaker.snapshot().state
        self._i.circuit_state.set(OWN.STATE_VALUES[state], where)
        failure = {A.ERROR_TYPE: error_type(error)} if error is not None else {}
        if outcome == Outcome.RETRY:
            self._i.retries.add(1, where | failure)
        elif outcome == Outcome.FAILOVER:
            self._i.failovers.add(1, where | failure)
        elif outcome == Outcome.CIRCUIT_OPEN:
            self._i.rejections.add(1, where)
        if outcome != Outcome.CIRCUIT_OPEN:  # the server that was (last) sent the request
            self._attributes.update(server_attributes(host.url))
        if not self._recording:
            return
        event: dict[str, Any] = where | {A.OUTCOME: outcome, A.PROBE: probe, A.CIRCUIT_STATE: state} | failure
        if error is not None:
            event[A.ERROR_MESSAGE] = error.message
        if outcome == Outcome.RETRY:
            event[A.RETRY_DELAY] = delay
        self.span.add_event(OWN.ATTEMPT_EVENT, event)
        if outcome != Outcome.CIRCUIT_OPEN:
            self.span.set_attributes(server_attributes(host.url))

    def _arrived(self) -> None:
        """A streamed chunk arrived: time to first chunk, then the time between chunks."""
        now = time.perf_counter()
        metric = {key: self._attributes[key] for key in _METRIC_KEYS if key in self._attributes}
        if self._chunks == 0:
            self._i.first_chunk.record(now - self._started, metric)
            self._response[A.TIME_TO_FIRST_CHUNK] = now - self._started
        else:
            self._i.per_chunk.record(now - self._last_chunk, metric)
        self._chunks += 1
        self._last_chunk = now

    @_never_raises
    def chunk(self, chunk: StreamingChunk) -> None:
        self._arrived()
        delta = chunk.choices[0].delta
        if self._capture:
            self._text.append(delta.content)
            self._thinking.append(delta.thinking or "")
            self._calls += delta.tool_calls or ()
        if chunk.done:
            self._answered(chunk.model, chunk.choices[0].finish_reason, chunk.usage, None)

    @_never_raises
    def chat_answer(self, response: LLMResponse) -> None:
        choice = response.choices[0]
        self._answered(response.model, choice.finish_reason, response.usage, choice.message)

    @_never_raises
    def embeddings_answer(self, response: EmbeddingsResponse) -> None:
        self._response[A.RESPONSE_MODEL] = response.model
        self._response[A.INPUT_TOKENS] = response.usage.prompt_tokens
        self._usage = response.usage
        if response.data:
            self._response[A.DIMENSIONS] = len(response.data[0].embedding)

    @_never_raises
    def generated(self, part: GenerateResponse) -> None:
        if self._streaming:
            self._arrived()
        if self._capture:
            self._text.append(part.response)
            self._thinking.append(part.thinking or "")
        if part.done:
            self._answered(part.model, part.finish_reason, part.usage, None)

    def _answered(self, model: str, finish_reason: str | None, usage: TokenUsage | None,
                  message: ChatMessage | None) -> None:
        """The answer's facts; `message` None: a stream's, assembled from the chunks (capture on only)."""
        self._response[A.RESPONSE_MODEL] = model
        if finish_reason:
            self._response[A.FINISH_REASONS] = [finish_reason]
        if usage is not None:
            self._usage = usage
            self._response[A.INPUT_TOKENS] = usage.prompt_tokens
            self._response[A.OUTPUT_TOKENS] = usage.completion_tokens
        if self._capture and self._recording:
            message = message or ChatMessage(role="assistant", content="".join(self._text),
                                             thinking="".join(self._thinking) or None, tool_calls=self._calls or None)
            self._response[A.OUTPUT_MESSAGES] = output_messages(message, finish_reason)
