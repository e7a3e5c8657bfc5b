"""The OpenTelemetry tracer and instruments of one client (imported only once OpenTelemetry is installed)."""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import _internal as metrics_internal

from .._version import __version__
from .conventions import CHUNK_BUCKETS, DURATION_BUCKETS, OWN, SCHEMA_URL, TOKEN_BUCKETS, M

__all__ = ["Instruments"]

_SCOPE = "cb_ollama_integrations"
# What an unconfigured process has: the API's proxies (until an SDK provider is set) or explicit no-ops. The
# meter proxy's class is private; without it, calls are recorded into the proxies (correct, only slower).
_SILENT_TRACERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
_SILENT_METERS = (getattr(metrics_internal, "_ProxyMeterProvider", metrics.NoOpMeterProvider),
                  metrics.NoOpMeterProvider)


class Instruments:
    """The tracer, the GenAI client histograms and this package's `cb_ollama.*` counters and gauge.

    `tracer_provider`/`meter_provider` None: the global ones, through OpenTelemetry's proxies (so a provider
    configured after the client was made still receives everything; with none configured all is a no-op).
    """

    def __init__(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        self._tracer_provider, self._meter_provider = tracer_provider, meter_provider
        self.tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider, schema_url=SCHEMA_URL)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider, schema_url=SCHEMA_URL)
        self.duration = meter.create_histogram(
            M.DURATION, "s", "Duration of GenAI client operations (a whole stream for streams).",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS)
        self.tokens = meter.create_histogram(
            M.TOKEN_USAGE, "{token}", "Tokens used per operation, by gen_ai.token.type (input/output).",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS)
        self.first_chunk = meter.create_histogram(
            M.TIME_TO_FIRST_CHUNK, "s", "Time from the request to the first streamed chunk.",
            explicit_bucket_boundaries_advisory=CHUNK_BUCKETS)
        self.per_chunk = meter.create_histogram(
            M.TIME_PER_OUTPUT_CHUNK, "s", "Time between streamed chunks, after the first.",
            explicit_bucket_boundaries_advisory=CHUNK_BUCKETS)
        self.attempts = meter.create_counter(
            OWN.ATTEMPTS, "{attempt}", "Attempts per host, by outcome (ok, failover, retry, failed...).")
        self.retries = meter.create_counter(OWN.RETRIES, "{retry}", "Requests retried after a host failure.")
        self.failovers = meter.create_counter(
            OWN.FAILOVERS, "{failover}", "Requests moved to another host after a host failure.")
        self.rejections = meter.create_counter(
            OWN.REJECTIONS, "{rejection}", "Attempts an open circuit refused (nothing was sent).")
        self.circuit_state = meter.create_gauge(
            OWN.CIRCUIT_STATE, "1", "Circuit state per host after its last attempt: 0 closed, 1 half-open, 2 open.")

    def listening(self) -> bool:
        """False while neither a tracer nor a meter provider is configured: then a call records nothing.

        Checked per call (two lookups), so an SDK configured after the client was made is picked up.
        """
        tracers = self._tracer_provider if self._tracer_provider is not None else trace.get_tracer_provider()
        meters = self._meter_provider if self._meter_provider is not None else metrics.get_meter_provider()
        return not (isinstance(tracers, _SILENT_TRACERS) and isinstance(meters, _SILENT_METERS))
