"""Exception events for failures LlamaIndex's own wrappers only report as a dropped span.

`llm_chat_callback` dispatches an ExceptionEvent only for errors raised while a stream is read; a failed
`chat`/`achat` or embedding call shows up as SpanDropEvent alone. Handlers that watch ExceptionEvent (the
usual way to count failures) then miss them, so these calls dispatch one themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.events.exception import ExceptionEvent

__all__ = ["exception_event"]

dispatcher = get_dispatcher(__name__)


@contextmanager
def exception_event() -> Iterator[None]:
    """Dispatch an ExceptionEvent (in the current span) for an exception raised inside, then re-raise it."""
    try:
        yield
    except Exception as exc:
        dispatcher.event(ExceptionEvent(exception=exc))
        raise
