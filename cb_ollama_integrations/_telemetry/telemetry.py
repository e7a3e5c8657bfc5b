"""`Telemetry`: one client's switch, loading OpenTelemetry on its first call, and only if it is installed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .._protocol.calls import Call
from .attributes import capture_content_from_env
from .record import NO_RECORD, Record

__all__ = ["Telemetry"]

logger = logging.getLogger("cb_ollama_integrations")

_UNLOADED: Any = object()


class Telemetry:
    """Opens the span and metrics `Record` of each logical call of one client.

    The content-capture switch is read from the environment here, at construction; OpenTelemetry is
    imported on the first call (never at import), and when it is not installed every record is the no-op.
    `hosts` are the client's base URLs: with one host the span names its server from the start.
    """

    def __init__(self, hosts: tuple[str, ...], *, tracer_provider: Any = None, meter_provider: Any = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.capture_content = capture_content_from_env(environ)
        self.hosts = hosts
        self._providers = (tracer_provider, meter_provider)
        self._backend: Any = _UNLOADED  # the Instruments once loaded; None without OpenTelemetry
        self._record_type: Callable[..., Record] = Record
        self._lock = threading.Lock()

    def start(self, operation: str, call: Call) -> Record:
        """The record of one call ("chat" or "embeddings"); use it as a context manager.

        The no-op record when OpenTelemetry is not installed, or while no tracer or meter provider listens.
        """
        try:
            if self._backend is _UNLOADED:
                self._load()
            if self._backend is None or not self._backend.listening():
                return NO_RECORD
            return self._record_type(self._backend, operation, call, self)
        except Exception:  # telemetry must never break a call
            logger.warning("telemetry: could not start recording a %s call; the call is unaffected", operation,
                           exc_info=True)
            return NO_RECORD

    def _load(self) -> None:
        """Import OpenTelemetry (once, here: ~10 ms) and make this client's instruments, if it is installed."""
        with self._lock:
            if self._backend is not _UNLOADED:
                return
            try:
                from .instruments import Instruments  # noqa: PLC0415
                from .span_record import SpanRecord  # noqa: PLC0415
            except ImportError:  # OpenTelemetry is not installed: the `otel` extra was not asked for
                self._backend = None
            else:
                self._record_type = SpanRecord
                self._backend = Instruments(*self._providers)
