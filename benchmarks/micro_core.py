"""Micro-measurements behind the optimisation proposals for the core client (no network, no server).

    python -m benchmarks.micro_core [--json results/micro-core-after.json] [--before results/micro-core-before.json]

Uses httpx.MockTransport so only client CPU is timed: the core's per-call and per-chunk overhead over raw
httpx, and the pieces it is made of (request model, payload, routing, response models, JSON decoding).
Alternatives (model_construct, orjson) are measured beside the current code; nothing in the package changes.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import TypeAdapter
from pydantic_core import from_json

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaClient, OllamaConfig
from cb_ollama_integrations._http.errors import map_httpx_errors
from cb_ollama_integrations._protocol.chat_request import build_chat_payload
from cb_ollama_integrations._protocol.chat_response import StreamAssembler, parse_chat_response
from cb_ollama_integrations._protocol.json_lines import LineSplitter
from cb_ollama_integrations.types import (
    Choice,
    EmbeddingData,
    GenerationMetrics,
    LLMResponse,
    MessageRole,
    StreamChoice,
    StreamingChunk,
    TokenUsage,
)

__all__ = ["main"]

URL = "http://fake-ollama.invalid"
FIELDS = (
    ',"done":true,"done_reason":"stop","total_duration":60000000,"load_duration":67742525,'
    '"prompt_eval_count":13,"prompt_eval_duration":346829937,"eval_count":40,"eval_duration":40000000}'
)
CHAT = (
    '{"model":"smollm2:135m","created_at":"2026-11-24T22:33:13.851237824Z","message":{"role":"assistant",'
    '"content":"' + "The sky is blue because air scatters short wavelengths. " * 3 + '"}' + FIELDS
).encode()
LINE = (
    b'{"model":"smollm2:135m","created_at":"2026-11-24T22:33:14.338480057Z","message":{"role":"assistant",'
    b'"content":" sky"},"done":false}\n'
)
STREAM_LINES = 2000


_RUNS = {"runs": 7, "scale": 1.0}  # --quick (the CI smoke test) takes 2 runs of 1/50 the calls


def _per_call(fn: Callable[[], object], n: int) -> float:
    """Best of 7 runs of `n` calls, in CPU microseconds per call.

    CPU time of this process (not wall time): other processes on a busy machine then barely move the numbers;
    best-of keeps the run least disturbed by cache and frequency effects.
    """
    n = max(1, int(n * _RUNS["scale"]))
    best = float("inf")
    for _ in range(int(_RUNS["runs"])):
        started = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


def _stream_body(request: httpx.Request) -> httpx.Response:
    lines = [LINE] * (STREAM_LINES - 1) + [CHAT.replace(b'"content":"The', b'"content":"') + b"\n"]
    if b'"stream":false' in request.content or b'"stream": false' in request.content:
        # An iterator even for one read: a bytes body is read (and closed) by httpx.Response itself, so the
        # transport never sees it closed and its connection slot would not come back.
        return httpx.Response(200, content=iter([CHAT]))
    return httpx.Response(200, content=iter(lines))  # an iterator: one read per line, as over the network


def _constructed_chunk(data: dict[str, Any], stream_id: str) -> StreamingChunk:
    """What StreamAssembler.feed builds, via model_construct (the JSON was decoded by us: no re-validation)."""
    raw = data["message"]
    delta = ChatMessage.model_construct(role=MessageRole.ASSISTANT, content=raw.get("content") or "")
    done = bool(data.get("done"))
    return StreamingChunk.model_construct(
        id=stream_id,
        model=data.get("model", ""),
        done=done,
        choices=[StreamChoice.model_construct(delta=delta, finish_reason=data.get("done_reason") if done else None)],
    )


def _constructed_response(data: dict[str, Any]) -> LLMResponse:
    message = ChatMessage.model_construct(role=MessageRole.ASSISTANT, content=data["message"].get("content") or "")
    usage = TokenUsage.model_construct(prompt_tokens=13, completion_tokens=40, total_tokens=53)
    return LLMResponse.model_construct(
        id="x",
        model=data["model"],
        choices=[Choice.model_construct(message=message, finish_reason="stop")],
        usage=usage,
        metrics=GenerationMetrics.model_construct(total_duration=data.get("total_duration")),
    )


def _validated_once(data: dict[str, Any], stream_id: str, created: int) -> StreamingChunk:
    """The same chunk validated in one call from a nested dict (one Rust call instead of three __init__s)."""
    raw = data["message"]
    done = bool(data.get("done"))
    return StreamingChunk.model_validate(
        {
            "id": stream_id,
            "model": data.get("model", ""),
            "created": created,
            "done": done,
            "choices": [
                {
                    "delta": {"role": MessageRole.ASSISTANT, "content": raw.get("content") or ""},
                    "finish_reason": data.get("done_reason") if done else None,
                }
            ],
        }
    )


def _response_validated_once(data: dict[str, Any]) -> LLMResponse:
    """parse_chat_response's LLMResponse validated in one call from a nested dict."""
    prompt, completion = data.get("prompt_eval_count") or 0, data.get("eval_count") or 0
    return LLMResponse.model_validate(
        {
            "id": "x",
            "model": data["model"],
            "created_at": data.get("created_at"),
            "choices": [
                {
                    "message": {"role": MessageRole.ASSISTANT, "content": data["message"].get("content") or ""},
                    "finish_reason": data.get("done_reason") or "stop",
                }
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
            "metrics": {
                key: data.get(key)
                for key in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
            },
        }
    )


def _one_line_fast_path(data: bytes, buffer: bytearray = bytearray()) -> list[bytes]:  # noqa: B008
    """A LineSplitter.feed fast path: empty buffer and exactly one line ending the read (Ollama's framing)."""
    if not buffer and data.endswith(b"\n") and data.count(b"\n") == 1:
        return [data[:-1]] if data.strip() else []
    raise AssertionError("the general path is not measured here")


def _json_decoders() -> dict[str, Callable[[bytes], Any]]:
    decoders: dict[str, Callable[[bytes], Any]] = {"json.loads": json.loads, "pydantic_core.from_json": from_json}
    try:
        import orjson  # noqa: PLC0415 - optional, measured only when installed

        decoders["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    return decoders


def _request() -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content="Why is the sky blue?")])


def _w1_rows(raw: httpx.Client, core: OllamaClient, body: bytes) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    request = _request
    rows.append(
        (
            "W1 raw httpx post + json.loads",
            _per_call(lambda: json.loads(raw.post(URL, content=body).content), 2000),
            "µs/call",
        )
    )
    rows.append(
        (
            "W1 core chat_completion (request built per call)",
            _per_call(lambda: core.chat_completion(request()), 2000),
            "µs/call",
        )
    )
    rows.append(("  LLMRequest + ChatMessage construction", _per_call(request, 20000), "µs"))
    req = request()
    rows.append(
        ("  build_chat_payload", _per_call(lambda: build_chat_payload(req, core.config, stream=False), 20000), "µs")
    )
    call = core._sized_call(req, False, None)[0]

    def bookkeeping() -> None:  # what the engine does around one attempt on a healthy single host
        plan = core._engine.pool.plan(call.model, warms_model=call.warms_model)
        plan.succeeded(plan.next_host())

    rows.append(("  routing bookkeeping (plan, next_host, succeeded)", _per_call(bookkeeping, 20000), "µs"))
    rows.append(("  Call.body (pydantic_core.to_json)", _per_call(call.body, 20000), "µs"))
    rows.append(
        ("  engine.send (routing+breaker+httpx+from_json)", _per_call(lambda: core._engine.send(call), 2000), "µs")
    )
    rows.append(
        (
            "  raw httpx request alone (same MockTransport)",
            _per_call(lambda: raw.request("POST", URL, content=body), 2000),
            "µs",
        )
    )
    data = from_json(CHAT)
    rows.append(
        (
            "  parse_chat_response (validated models)",
            _per_call(lambda: parse_chat_response(data, response_id="x"), 20000),
            "µs",
        )
    )
    rows.append(("  same objects via model_construct", _per_call(lambda: _constructed_response(data), 20000), "µs"))
    rows.append(
        (
            "  same response validated once from a nested dict",
            _per_call(lambda: _response_validated_once(data), 20000),
            "µs",
        )
    )

    def mapped() -> None:
        with map_httpx_errors(URL):
            pass

    rows.append(("  map_httpx_errors enter+exit (@contextmanager)", _per_call(mapped, 20000), "µs"))
    logger = logging.getLogger("cb_ollama_integrations")
    rows.append(
        (
            "  logger.warning (a LogRecord built; NullHandler)",
            _per_call(lambda: logger.warning("x %s", 1), 2000),
            "µs",
        )
    )

    return rows


def _w2_w3_rows(raw: httpx.Client, core: OllamaClient, body: bytes) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    request = _request

    def raw_stream() -> int:
        with raw.stream("POST", URL, content=body.replace(b"false", b"true")) as response:
            return sum(1 for line in response.iter_lines() if json.loads(line))

    rows.append(("W2 raw httpx iter_lines + json.loads", _per_call(raw_stream, 20) / STREAM_LINES, "µs/chunk"))
    rows.append(
        (
            "W2 core chat_completion_stream",
            _per_call(lambda: sum(1 for _ in core.chat_completion_stream(request())), 20) / STREAM_LINES,
            "µs/chunk",
        )
    )
    chunk = from_json(LINE)
    assembler = StreamAssembler()
    rows.append(("  StreamAssembler.feed (3 validated models)", _per_call(lambda: assembler.feed(chunk), 50000), "µs"))
    rows.append(("  same chunk via model_construct", _per_call(lambda: _constructed_chunk(chunk, "id"), 50000), "µs"))
    rows.append(
        (
            "  same chunk validated once from a nested dict",
            _per_call(lambda: _validated_once(chunk, "id", 0), 50000),
            "µs",
        )
    )
    splitter = LineSplitter()
    rows.append(
        ("  LineSplitter.feed, one whole line per network read", _per_call(lambda: splitter.feed(LINE), 50000), "µs")
    )
    rows.append(
        ("  fast path: a lone whole line returned as is", _per_call(lambda: _one_line_fast_path(LINE), 50000), "µs")
    )
    for name, decode in _json_decoders().items():
        rows.append((f"  decode one stream line: {name}", _per_call(functools.partial(decode, LINE), 50000), "µs"))
    vector = "[" + ",".join(f"{0.0123456789 * (i % 97 - 48):.9g}" for i in range(768)) + "]"
    embed = (
        '{"model":"all-minilm","embeddings":[' + ",".join([vector] * 1000) + '],"prompt_eval_count":7000}'
    ).encode()
    for name, decode in _json_decoders().items():
        rows.append(
            (
                f"W3 decode 1000x768 embed body ({len(embed) >> 20} MB): {name}",
                _per_call(functools.partial(decode, embed), 1) / 1000,
                "ms",
            )
        )
    vectors = from_json(embed)["embeddings"]
    rows.append(
        (
            "W3 1000 EmbeddingData via model_construct (current)",
            _per_call(
                lambda: [
                    EmbeddingData.model_construct(object="embedding", index=i, embedding=v)
                    for i, v in enumerate(vectors)
                ],
                3,
            )
            / 1000,
            "ms",
        )
    )
    rows.append(
        (
            "W3 1000 EmbeddingData validated (EmbeddingData(...))",
            _per_call(lambda: [EmbeddingData(index=i, embedding=v) for i, v in enumerate(vectors)], 3) / 1000,
            "ms",
        )
    )
    adapter = TypeAdapter(list[EmbeddingData])
    rows.append(
        (
            "W3 1000 EmbeddingData validated in one TypeAdapter call",
            _per_call(lambda: adapter.validate_python([{"index": i, "embedding": v} for i, v in enumerate(vectors)]), 3)
            / 1000,
            "ms",
        )
    )
    return rows


def _compare(rows: list[tuple[str, float, str]], before_path: str) -> None:
    """Print each row beside the same row of an earlier run (`--before`), with after/before."""
    with open(before_path, encoding="utf-8") as handle:
        before = {row["name"]: row["value"] for row in json.load(handle)["rows"]}
    print(f"{'measurement':<62} {'before':>10} {'after':>10} {'after/before':>12}  unit")
    for name, value, unit in rows:
        old = before.get(name)
        ratio = f"x{value / old:.2f}" if old else "n/a"
        shown = f"{old:,.2f}" if old is not None else "n/a"
        print(f"{name:<62} {shown:>10} {value:>10,.2f} {ratio:>12}  {unit}")


def main(argv: list[str] | None = None) -> None:
    """Print every measurement as `name: value unit`; `--json` saves them, `--before` compares with a saved run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="write the rows to this JSON file")
    parser.add_argument("--before", help="a JSON file written by --json from an earlier version: print both")
    parser.add_argument("--quick", action="store_true", help="2 runs of 1/50 the calls (checks the harness only)")
    args = parser.parse_args(argv)
    if args.quick:
        _RUNS.update(runs=2, scale=0.02)
    logging.getLogger("cb_ollama_integrations").addHandler(logging.NullHandler())
    raw = httpx.Client(transport=httpx.MockTransport(_stream_body))
    core = OllamaClient(
        OllamaConfig(base_url=URL, default_model="smollm2:135m"), transport=httpx.MockTransport(_stream_body)
    )
    body = json.dumps(
        {"model": "smollm2:135m", "messages": [{"role": "user", "content": "Why is the sky blue?"}], "stream": False}
    ).encode()
    rows = _w1_rows(raw, core, body) + _w2_w3_rows(raw, core, body)
    raw.close()
    core.close()
    if args.before:
        _compare(rows, args.before)
    else:
        for name, value, unit in rows:
            print(f"{name}: {value:,.2f} {unit}")
    if args.json:
        load = os.getloadavg()
        record = {
            "command": "python -m benchmarks.micro_core " + " ".join(argv if argv is not None else sys.argv[1:]),
            "python": platform.python_version(),
            "load_average_1_5_15": [round(x, 2) for x in load],
            "rows": [{"name": name, "value": round(value, 3), "unit": unit} for name, value, unit in rows],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")


if __name__ == "__main__":
    main()
