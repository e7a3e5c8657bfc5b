"""What telemetry costs the core client: W1-like calls and W2-like stream chunks, client CPU only.

    python -m benchmarks.telemetry_overhead

Same MockTransport as `benchmarks.micro_core` (no network, no server). Three settings of one client:
"off" (no record at all: what a client without OpenTelemetry installed runs), "api, no provider"
(opentelemetry-api installed, no SDK configured: the default the 3% target is about) and, for scale,
"sdk, recording" (the real SDK with an in-memory exporter and metric reader).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.micro_core import CHAT, STREAM_LINES, URL, _per_call, _stream_body
from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig

__all__ = ["main"]


def _client(mode: str) -> OllamaClient:
    providers: dict[str, Any] = {}
    if mode == "sdk, recording":
        from opentelemetry.sdk.metrics import MeterProvider  # noqa: PLC0415 - the bench extra's SDK
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: PLC0415
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: PLC0415

        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        providers = {"tracer_provider": tracer_provider,
                     "meter_provider": MeterProvider(metric_readers=[InMemoryMetricReader()])}
    transport = httpx.MockTransport(lambda request: _stream_body(request) if b'"stream":true' in request.content
                                    else httpx.Response(200, content=CHAT))
    client = OllamaClient(OllamaConfig(base_url=URL, default_model="smollm2:135m"), transport=transport, **providers)
    if mode == "off":
        client._telemetry._backend = None  # what Telemetry settles on when OpenTelemetry is not installed
    return client


def _rows(mode: str) -> tuple[float, float]:
    client = _client(mode)
    request = LLMRequest(messages=[ChatMessage(role="user", content="Why is the sky blue?")])

    def call() -> None:
        client.chat_completion(request)

    def stream() -> None:
        for _ in client.chat_completion_stream(request):
            pass

    if mode == "sdk, recording":  # the exporter keeps every span: measure fewer of them
        return _per_call(call, 100), _per_call(stream, 1) / STREAM_LINES
    return _per_call(call, 400), _per_call(stream, 3) / STREAM_LINES


def _added_pieces() -> tuple[float, float]:
    """The telemetry work alone, with no provider listening: per call (open, observe one attempt, answer,
    close) and per chunk. Steadier than the difference of two end-to-end timings on a shared machine."""
    client = _client("api, no provider")
    request = LLMRequest(messages=[ChatMessage(role="user", content="Why is the sky blue?")])
    call, host = client._sized_call(request, False, None)[0], client._pool.hosts[0]
    response = client.chat_completion(request)
    chunk = next(iter(client.chat_completion_stream(request)))

    def per_call() -> None:
        with client._telemetry.start("chat", call) as record:
            record.attempt_ended(host, "ok", probe=False, error=None, delay=0.0)
            record.chat_answer(response)

    record = client._telemetry.start("chat", call)
    return _per_call(per_call, 20_000), _per_call(lambda: record.chunk(chunk), 100_000)


def main() -> None:
    """Print the per-call and per-chunk CPU of each setting, and the overhead over "off"."""
    logging.getLogger("cb_ollama_integrations").setLevel(logging.ERROR)
    modes = ("off", "api, no provider", "sdk, recording")
    results: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    for _ in range(5):  # interleaved rounds, best of each: a busy machine moves all settings alike
        for mode in modes:
            results[mode].append(_rows(mode))
    best: dict[str, tuple[float, float]] = {
        mode: (min(r[0] for r in rows), min(r[1] for r in rows)) for mode, rows in results.items()}
    base_call, base_chunk = best["off"]
    overhead: Callable[[float, float], str] = lambda value, base: f"{(value / base - 1) * 100:+.1f}%"  # noqa: E731
    print(f"{'setting':<20} {'W1 us/call':>11} {'vs off':>8} {'W2 us/chunk':>12} {'vs off':>8}")
    for mode, (call, chunk) in best.items():
        print(f"{mode:<20} {call:>11.1f} {overhead(call, base_call):>8} {chunk:>12.2f} "
              f"{overhead(chunk, base_chunk):>8}")
    call, chunk = _added_pieces()
    print(f"{'telemetry alone':<20} {call:>11.2f} {call / base_call * 100:>+7.1f}% {chunk:>12.3f} "
          f"{chunk / base_chunk * 100:>+7.1f}%   (no provider: the work added to each call and chunk)")


if __name__ == "__main__":
    main()
