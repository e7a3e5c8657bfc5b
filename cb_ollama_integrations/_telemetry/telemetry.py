"""`Telemetry`: one client's switch, loading OpenTelemetry on its first call, and only if it is installed."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import partial
from typing import Any

from .._protocol.calls import Call
from .attributes import capture_content_from_env
from .record import NO_RECORD, Record

__all__ = ["Telemetry"]

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
        self._backend: Any = _UNLOADED
        self._lock = threading.Lock()

    def start(self, operation: str, call: Call) -> Record:
        """The record of one call ("chat" or "embeddings"); use it as a context manager."""
        backend = self._backend
        if backend is _UNLOADED:
            backend = self._load()
        return NO_RECORD if backend is None else backend(operation, call, self)

    def _load(self) -> Any:
        """SpanRecord bound to this client's instruments, or None without OpenTelemetry (imported once, here)."""
        with self._lock:
            if self._backend is _UNLOADED:
                try:
                    from .instruments import Instruments  # noqa: PLC0415
                    from .span_record import SpanRecord  # noqa: PLC0415 - importing OpenTelemetry costs ~10 ms
                except ImportError:  # OpenTelemetry is not installed: the `otel` extra was not asked for
                    self._backend = None
                else:
                    self._backend = partial(SpanRecord, Instruments(*self._providers))
            return self._backend
