"""`Record`: what the client tells telemetry about one logical call; this base class records nothing.

The client opens one record per call (`with telemetry.start(...) as record`), hands it to the engine as the
attempt observer, feeds it stream chunks and the answer; leaving the `with` ends it, with the error if any.
Without OpenTelemetry installed every client gets this no-op, so telemetry costs a few method calls.
"""

from __future__ import annotations

from types import TracebackType

from .._resilience.routing import Host
from ..errors import LLMError
from ..generation import GenerateResponse
from ..types import EmbeddingsResponse, LLMResponse, StreamingChunk

__all__ = ["NO_RECORD", "Record"]


class Record:
    """The recorder of one call; every method of this base class does nothing."""

    def __enter__(self) -> Record:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def attempt_ended(self, host: Host, outcome: str, *, probe: bool, error: LLMError | None,
                      delay: float) -> None:
        """One attempt's outcome (the engine's routing reports it; see `_resilience.attempts`)."""

    def chunk(self, chunk: StreamingChunk) -> None:
        """One streamed chunk arrived (the last one carries usage and the finish reason)."""

    def chat_answer(self, response: LLMResponse) -> None:
        """The whole chat answer arrived."""

    def embeddings_answer(self, response: EmbeddingsResponse) -> None:
        """Every vector of the embeddings call arrived."""

    def generated(self, part: GenerateResponse) -> None:
        """A whole /api/generate answer, or one chunk of its stream (the last, `done`, carries usage)."""


NO_RECORD = Record()
