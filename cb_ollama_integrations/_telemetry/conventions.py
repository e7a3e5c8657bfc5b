"""The names this package emits: OpenTelemetry GenAI semantic conventions v1.41 (Development), and its own.

The GenAI conventions moved to open-telemetry/semantic-conventions-genai, which has no tagged release yet;
v1.41 is the last released set (what opentelemetry-semantic-conventions 0.66 ships). Every name lives here,
so following a later release is a change to this file.
"""

from __future__ import annotations

__all__ = [
    "CAPTURE_CONTENT_ENV", "CHUNK_BUCKETS", "DURATION_BUCKETS", "OWN", "PROVIDER", "SCHEMA_URL", "SEMCONV_VERSION",
    "TOKEN_BUCKETS", "A", "M",
]

SEMCONV_VERSION = "1.41.1"
SCHEMA_URL = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
PROVIDER = "ollama"  # not a well-known value; the conventions allow a custom one
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"  # opentelemetry-util-genai's switch


class A:
    """Span and metric attribute names."""

    OPERATION = "gen_ai.operation.name"
    PROVIDER = "gen_ai.provider.name"
    REQUEST_MODEL = "gen_ai.request.model"
    MAX_TOKENS = "gen_ai.request.max_tokens"
    TEMPERATURE = "gen_ai.request.temperature"
    TOP_P = "gen_ai.request.top_p"
    TOP_K = "gen_ai.request.top_k"
    STOP = "gen_ai.request.stop_sequences"
    SEED = "gen_ai.request.seed"
    FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty"
    PRESENCE_PENALTY = "gen_ai.request.presence_penalty"
    STREAM = "gen_ai.request.stream"
    OUTPUT_TYPE = "gen_ai.output.type"
    ENCODING_FORMATS = "gen_ai.request.encoding_formats"
    RESPONSE_MODEL = "gen_ai.response.model"
    FINISH_REASONS = "gen_ai.response.finish_reasons"
    TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
    INPUT_TOKENS = "gen_ai.usage.input_tokens"
    OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
    DIMENSIONS = "gen_ai.embeddings.dimension.count"
    INPUT_MESSAGES = "gen_ai.input.messages"
    OUTPUT_MESSAGES = "gen_ai.output.messages"
    TOOL_DEFINITIONS = "gen_ai.tool.definitions"
    TOKEN_TYPE = "gen_ai.token.type"
    SERVER_ADDRESS = "server.address"
    SERVER_PORT = "server.port"
    ERROR_TYPE = "error.type"
    # this package's own, on attempt events and its own metrics
    HOST = "cb_ollama.host"
    OUTCOME = "cb_ollama.attempt.outcome"
    PROBE = "cb_ollama.attempt.half_open_probe"
    RETRY_DELAY = "cb_ollama.retry.delay_s"
    CIRCUIT_STATE = "cb_ollama.circuit.state"
    ERROR_MESSAGE = "cb_ollama.error.message"


class M:
    """Metric names."""

    TOKEN_USAGE = "gen_ai.client.token.usage"
    DURATION = "gen_ai.client.operation.duration"
    TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
    TIME_PER_OUTPUT_CHUNK = "gen_ai.client.operation.time_per_output_chunk"


class OWN:
    """This package's metrics (`cb_ollama.*`) and the name of its attempt span events."""

    ATTEMPT_EVENT = "cb_ollama.attempt"
    ATTEMPTS = "cb_ollama.client.attempts"
    RETRIES = "cb_ollama.client.retries"
    FAILOVERS = "cb_ollama.client.failovers"
    REJECTIONS = "cb_ollama.circuit.rejections"
    CIRCUIT_STATE = "cb_ollama.circuit.state"
    STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
CHUNK_BUCKETS = DURATION_BUCKETS
