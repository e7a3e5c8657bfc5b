"""OpenTelemetry from the Circuit Breaker client: a small RAG query over two hosts, the first one down.

Spans (one per chat or embeddings call, with an event per attempt) and metrics (GenAI client histograms and
the client's own `cb_ollama.*` counters and circuit gauge) are printed by the SDK's console exporters.

    pip install 'cb-ollama-integrations[otel]' opentelemetry-sdk
    python examples/telemetry.py
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true python examples/telemetry.py   # with messages
"""

from __future__ import annotations

import json
import sys
from typing import Any

from _common import parser, session
from _corpus import QUESTIONS, paragraphs
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricsData, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from cb_ollama_integrations import OllamaClient, OllamaConfig, RoutingStrategy
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama

DEAD_HOST = "http://127.0.0.9:9"  # loopback, nothing listens: connections are refused at once


def one_line(span: ReadableSpan) -> str:
    """A span as one line of attributes, then one indented line per attempt event."""
    lines = [f"span {span.name!r} {span.kind.name} status={span.status.status_code.name} "
             f"{json.dumps(dict(span.attributes or {}), default=list)}"]
    for event in span.events:
        lines.append(f"    event {event.name} {json.dumps(dict(event.attributes or {}))}")
    return "\n".join(lines) + "\n"


def metric_lines(data: MetricsData) -> str:
    """Every data point as `metric name {attributes} value` (count and sum for histograms)."""
    lines = []
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value: Any = getattr(point, "value", None)
                    if value is None:
                        value = f"count={point.count} sum={point.sum:.4g}"  # type: ignore[union-attr]
                    lines.append(f"metric {metric.name} {json.dumps(dict(point.attributes or {}))} {value}")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Answer one question from the corpus through a pool whose first host is down, then print the metrics."""
    options = parser(__doc__ or "", model="smollm2:135m")
    options.add_argument("question", nargs="?", default=QUESTIONS[0])
    args = options.parse_args()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(formatter=one_line)))
    reader = PeriodicExportingMetricReader(ConsoleMetricExporter(formatter=metric_lines),
                                           export_interval_millis=3_600_000)  # exported once, at shutdown
    meter_provider = MeterProvider(metric_readers=[reader])
    with session("telemetry", args, recorded_model="smollm2:135m", ignore_hosts=("127.0.0.9",)) as live:
        config = OllamaConfig(base_urls=[DEAD_HOST, live.base_url], routing_strategy=RoutingStrategy.FAILOVER_CHAIN,
                              breaker_failure_threshold=1, breaker_cooldown_seconds=60, max_retries=0)
        with OllamaClient(config, tracer_provider=tracer_provider, meter_provider=meter_provider) as client:
            embeddings = CBOllamaEmbeddings(model=live.embed_model, client=client)
            documents = [Document(page_content=text, metadata={"source": name}) for name, text in paragraphs()]
            store = InMemoryVectorStore.from_documents(documents, embeddings)
            hits = store.similarity_search(args.question, k=2)
            llm = ChatCBOllama(model=live.model, client=client, temperature=0, max_tokens=40)
            context = "\n\n".join(hit.page_content for hit in hits)
            answer = llm.invoke([("system", f"Answer in one sentence from this context:\n\n{context}"),
                                 ("human", args.question)])
            print(f"Q: {args.question}\nA: {str(answer.content).strip()}")
            print("sources: " + ", ".join(dict.fromkeys(str(hit.metadata["source"]) for hit in hits)))
    tracer_provider.shutdown()
    meter_provider.shutdown()  # the one metrics export
    return 0


if __name__ == "__main__":
    sys.exit(main())
