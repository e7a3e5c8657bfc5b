"""Telemetry: OpenTelemetry GenAI spans and metrics for each logical call, loaded only when installed.

Below `_http/` (it never imports httpx): the client opens a `Record` per call and the engine's routing
reports attempts to it through `_resilience.attempts.AttemptObserver`.
"""

from .record import NO_RECORD, Record
from .telemetry import Telemetry

__all__ = ["NO_RECORD", "Record", "Telemetry"]
