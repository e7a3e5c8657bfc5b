"""FAKE Ollama bodies (never recordings), shaped like real Ollama v0.24.0 answers (cassettes/test_core_cassettes).

Shared by every fake of the test suite (the MockTransport fake, the loopback server) and by the benchmarks'
fake server, which imports this module. Two kinds of chat answer:
- echo answers (`answer_tokens`): "Echo:" then the prompt's words, so a test can check for loss or duplication;
- sized answers (benchmarks): `options.num_predict` tokens from a fixed word list (40 and "stop" when unset).
Chat objects built one by one (`chat_object`) serve the adapter tests that need a given thinking/tool shape.
"""

from __future__ import annotations

import functools
import json
import math
import random
import time
from collections.abc import Sequence
from typing import Any

__all__ = [
    "DEFAULT_DIMENSIONS",
    "JSON",
    "MODEL",
    "NDJSON",
    "RUNNER_DIED",
    "aggregate",
    "answer",
    "answer_tokens",
    "chat_body",
    "chat_lines",
    "chat_object",
    "dump",
    "embed_body",
    "http_date",
    "ndjson",
    "request_facts",
    "text_vector",
]

MODEL = "smollm2:135m"
DEFAULT_TOKENS = 40
DEFAULT_DIMENSIONS = 768
MAX_TOKENS = 100_000
NDJSON = {"content-type": "application/x-ndjson"}
JSON = {"content-type": "application/json; charset=utf-8"}
RUNNER_DIED = {"error": "llama runner process has terminated: exit status 2"}
_VECTOR_POOL = 16  # distinct vectors per dimension, cycled: realistic floats without per-request math
_WORDS = [" The", " sky", " is", " blue", " because", " air", " scatters", " short", " wavelengths", ",",
          " which", " we", " see", " more", " of", " at", " noon", ".", " Sunsets", " look", " red", "\n"]
_ENCODED_WORDS = [json.dumps(word).encode() for word in _WORDS]
_SMALL_STATS = {"done_reason": "stop", "prompt_eval_count": 7, "eval_count": 3, "total_duration": 5000,
                "eval_duration": 900}


def dump(data: Any) -> bytes:
    """Compact JSON, as Go's encoder writes it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def ndjson(*objects: dict[str, Any]) -> bytes:
    """Objects as an NDJSON body."""
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


# -- chat objects one by one (adapter tests) -----------------------------------------------------------------
def chat_object(content: str = "", *, done: bool = False, model: str = "fake-model", thinking: str | None = None,
                tool_calls: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """One /api/chat stream object; the done one carries small stats (7 prompt + 3 output tokens, "stop").

    `thinking` and `tool_calls` go in the message; other keyword arguments are top-level fields (they
    override the stats, e.g. `done_reason="length"`, `prompt_eval_count=4096`, `context=[...]`).
    """
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking is not None:
        message["thinking"] = thinking
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    data: dict[str, Any] = {"model": model, "message": message, "done": done}
    return {**data, **(_SMALL_STATS if done else {}), **fields}


def aggregate(objects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What Ollama sends for stream=false: the last object's metadata, the messages' parts concatenated."""
    merged: dict[str, Any] = {**objects[-1], "message": {"role": "assistant", "content": ""}}
    for obj in objects:
        for key, value in obj["message"].items():
            if key in ("content", "thinking"):
                merged["message"][key] = merged["message"].get(key, "") + value
            elif key == "tool_calls":
                merged["message"].setdefault("tool_calls", []).extend(value)
    return merged


# -- whole answers: echo (tests) and sized (benchmarks) ------------------------------------------------------
def answer_tokens(prompt: str) -> list[str]:
    """The echo answer to `prompt`, as stream tokens: "Echo:" then the prompt's words."""
    return ["Echo:", *(" " + word for word in prompt.split())]


def request_facts(body: bytes) -> tuple[str, bool]:
    """(last user message, stream flag) of a /api/chat request body (Ollama streams unless told otherwise)."""
    payload = json.loads(body or b"{}")
    messages = payload.get("messages") or [{"content": ""}]
    return str(messages[-1].get("content", "")), bool(payload.get("stream", True))


@functools.lru_cache(maxsize=4)
def _formatted(second: int) -> tuple[bytes, bytes]:
    moment = time.gmtime(second)
    return (time.strftime("%Y-%m-%dT%H:%M:%S", moment).encode(),
            time.strftime("%a, %d %b %Y %H:%M:%S GMT", moment).encode())


def http_date() -> bytes:
    """The HTTP Date header value of this second."""
    return _formatted(int(time.time()))[1]


def _timestamp() -> bytes:
    """Go's RFC 3339 with nanoseconds, e.g. 2026-11-24T22:33:14.338480057Z."""
    now = time.time_ns()
    return _formatted(now // 1_000_000_000)[0] + b".%09dZ" % (now % 1_000_000_000)


def _chat_parts(model: str, tokens: Sequence[bytes], content: bytes, done_reason: bytes, *,
                stream: bool) -> list[bytes]:
    """Body parts of a chat answer (JSON-encoded tokens, and the whole content as JSON): one part per NDJSON
    line, or one JSON object."""
    count = len(tokens)
    tail = (b',"done":true,"done_reason":"%s","total_duration":%d,"load_duration":67742525,"prompt_eval_count":13,'
            b'"prompt_eval_duration":346829937,"eval_count":%d,"eval_duration":%d}'
            % (done_reason, 1_500_000 * count + 1, count, 1_000_000 * count + 1))
    head = b'{"model":%s,"created_at":"%s","message":{"role":"assistant","content":' % (dump(model), _timestamp())
    if not stream:
        return [head + content + b"}" + tail]
    return [*(head + token + b'},"done":false}\n' for token in tokens), head + b'""}' + tail + b"\n"]


def _echo_parts(model: str, tokens: list[str], *, stream: bool) -> list[bytes]:
    return _chat_parts(model, [dump(token) for token in tokens], dump("".join(tokens)), b"stop", stream=stream)


def chat_lines(tokens: list[str], model: str = MODEL) -> list[bytes]:
    """The NDJSON lines of a streamed /api/chat answer, each ending in a newline, the last with done=true."""
    return _echo_parts(model, tokens, stream=True)


def chat_body(tokens: list[str], model: str = MODEL) -> bytes:
    """The body of a non-streamed /api/chat answer."""
    return _echo_parts(model, tokens, stream=False)[0]


@functools.lru_cache(maxsize=64)
def _sized(count: int) -> tuple[bytes, tuple[bytes, ...]]:
    """A sized answer of `count` tokens: (whole content as JSON, one JSON string per token), built once."""
    words = [_WORDS[i % len(_WORDS)] for i in range(count)]
    return dump("".join(words)), tuple(_ENCODED_WORDS[i % len(_ENCODED_WORDS)] for i in range(count))


def _vectors(dimensions: int, cache: dict[int, list[bytes]] = {}) -> list[bytes]:  # noqa: B006 - a memo
    if dimensions not in cache:
        rng = random.Random(dimensions)
        pool = []
        for _ in range(_VECTOR_POOL):
            values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
            norm = math.sqrt(sum(v * v for v in values)) or 1.0
            pool.append(b"[" + ",".join(f"{v / norm:.9g}" for v in values).encode() + b"]")
        cache[dimensions] = pool
    return cache[dimensions]


def text_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The unit vector the fake gives `text` when asked for per-text vectors: the same on every fake host."""
    rng = random.Random(text)
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [float(f"{v / norm:.9g}") for v in values]


def embed_body(request: dict[str, Any], *, by_text: bool = False) -> bytes:
    """An /api/embed answer: one unit vector of `dimensions` (default 768) floats per input; `by_text`: each
    text's own `text_vector` (so a test can check which vector belongs to which text), else cycled ones."""
    texts = request.get("input")
    count = 1 if isinstance(texts, str) else len(texts or [])
    dimensions = int(request.get("dimensions") or DEFAULT_DIMENSIONS)
    if by_text:
        inputs = [texts] if isinstance(texts, str) else list(texts or [])
        vectors = b",".join(dump(text_vector(str(text), dimensions)) for text in inputs)
    else:
        pool = _vectors(dimensions)
        vectors = b",".join(pool[i % _VECTOR_POOL] for i in range(count))
    return b'{"model":%s,"embeddings":[%s],"total_duration":%d,"load_duration":19340296,"prompt_eval_count":%d}' % (
        dump(str(request.get("model", ""))), vectors, 70_000 * count + 1, 7 * count)


def _show(request: dict[str, Any]) -> bytes:
    name = str(request.get("model") or request.get("name") or "")
    arch = "bert" if "embed" in name or "minilm" in name else "llama"
    details = {"parent_model": "", "format": "gguf", "family": arch, "families": [arch],
               "parameter_size": "134.52M", "quantization_level": "Q4_1"}
    return dump({"modelfile": f"FROM {name}\n", "template": "{{ .Prompt }}", "details": details,
                 "model_info": {"general.architecture": arch, f"{arch}.context_length": 8192,
                                f"{arch}.embedding_length": DEFAULT_DIMENSIONS if arch == "bert" else 576},
                 "capabilities": ["embedding"] if arch == "bert" else ["completion", "tools"],
                 "modified_at": "2026-11-24T22:26:08.914303505Z"})


_DIGEST = "84c34ecac12d602c7d45aed0f44c68a2d59fc38ea71ed4b406e2c52600e3461c"
_TAGS = dump({"models": [{"name": name, "model": name, "modified_at": "2026-11-24T22:26:08.914303505Z",
                          "size": 98364078, "digest": _DIGEST,
                          "details": {"format": "gguf", "family": "llama", "parameter_size": "134.52M"}}
                         for name in ("smollm2:135m", "all-minilm:latest")]})
_JSON_TYPE = b"application/json; charset=utf-8"


def answer(method: bytes, path: bytes, body: bytes, *, echo: bool = False,
           text_vectors: bool = False) -> tuple[int, bytes, list[bytes], bool]:
    """(status, content type, body parts, streamed) of the fake's answer to one request.

    `echo`: chat answers echo the prompt (tests); else they have `options.num_predict` tokens (benchmarks).
    `text_vectors`: /api/embed gives each text its own vector (`text_vector`).
    """
    request: dict[str, Any] = json.loads(body) if body.strip() else {}
    if method == b"POST" and path == b"/api/chat":
        stream = request.get("stream", True) is not False
        model = str(request.get("model", ""))
        if echo:
            parts = _echo_parts(model, answer_tokens(request_facts(body)[0]), stream=stream)
        else:
            wanted = (request.get("options") or {}).get("num_predict")
            limited = isinstance(wanted, int) and wanted > 0
            content, tokens = _sized(min(wanted, MAX_TOKENS) if limited else DEFAULT_TOKENS)
            parts = _chat_parts(model, tokens, content, b"length" if limited else b"stop", stream=stream)
        return 200, b"application/x-ndjson" if stream else _JSON_TYPE, parts, stream
    routes = {(b"POST", b"/api/embed"): lambda: embed_body(request, by_text=text_vectors),
              (b"POST", b"/api/show"): lambda: _show(request),
              (b"GET", b"/api/tags"): lambda: _TAGS, (b"GET", b"/api/version"): lambda: b'{"version":"0.24.0"}'}
    if (method, path) in routes:
        return 200, _JSON_TYPE, [routes[method, path]()], False
    if method in (b"GET", b"HEAD") and path == b"/":
        return 200, b"text/plain; charset=utf-8", [b"Ollama is running"], False
    return 404, b"text/plain", [b"404 page not found"], False
