"""Every non-streamed answer has a memory bound, a stream keeps a bounded amount, and nothing that may have run
on the server is sent twice.

Hostile loopback servers (tests/_hostile_server.py) inflate gzip bombs, stream without end or reset mid-answer;
memory is measured with tracemalloc (peak of Python allocations during the call), never as a speed target.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.hostile import (
    CALL_MODES,
    CHAT_OK,
    HI,
    HostileServer,
    Request,
    chat,
    chat_ok,
    client_for,
    head,
    json_answer,
    reset,
)

from cb_ollama_integrations import (
    GenerateRequest,
    NetworkError,
    OllamaClient,
    OllamaConfig,
    ParseError,
    ServerError,
    StreamError,
)

MODES = CALL_MODES


def _peak_bytes_during(run: Any) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@functools.cache
def bomb() -> bytes:
    """450 KB that inflate to 100 MB (built once, on first use)."""
    return gzip.compress(b"\0" * (100 * 1024 * 1024), 1)


def gzip_bomb(conn: socket.socket, request: Request) -> None:
    """A gzip body far larger decoded than on the wire."""
    conn.sendall(head(200, length=len(bomb()), extra="Content-Encoding: gzip") + bomb())


def endless_chunked(conn: socket.socket, request: Request) -> None:
    """A chunked answer that never ends (an endless stream answering a non-streamed call)."""
    conn.sendall(head(200, chunked=True))
    line = json.dumps(CHAT_OK).encode() + b"\n"
    chunk = b"%x\r\n%s\r\n" % (len(line) * 100, line * 100)
    while True:
        conn.sendall(chunk)


@pytest.mark.parametrize("script", [gzip_bomb, endless_chunked], ids=["gzip-bomb", "endless"])
def test_a_huge_non_streamed_body_stops_at_max_body_bytes(script: Any) -> None:
    limit = 4 * 1024 * 1024
    bomb()  # built before measuring
    with HostileServer(script) as server, client_for(server.url, max_body_bytes=limit) as client:
        errors: list[Exception] = []

        def call() -> None:
            try:
                client.chat_completion(HI)
            except ParseError as exc:
                errors.append(exc)

        peak = _peak_bytes_during(call)
    assert errors and "max_body_bytes=4194304" in str(errors[0])
    assert peak < limit + 8 * 1024 * 1024  # the limit plus one inflate step and buffers, never the 100 MB


def test_the_default_limit_bounds_a_gzip_bomb() -> None:
    bomb()
    with HostileServer(gzip_bomb) as server, client_for(server.url) as client:
        def call() -> None:
            with pytest.raises(ParseError):
                client.chat_completion(HI)

        peak = _peak_bytes_during(call)
    assert OllamaConfig().max_body_bytes == 64 * 1024 * 1024
    assert peak < 80 * 1024 * 1024


def test_a_stream_keeps_at_most_stream_keep_chars_for_partial_content() -> None:
    piece = "x" * 4096

    def lines() -> Iterator[bytes]:
        for _ in range(200):
            yield json.dumps({"model": "m", "message": {"role": "assistant", "content": piece},
                              "done": False}).encode() + b"\n"

    class Cut(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from lines()
            raise httpx.ReadError("connection reset")

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Cut()))
    config = OllamaConfig(stream_keep_chars=10_000)
    with OllamaClient(config, transport=transport) as client, pytest.raises(StreamError) as info:
        for _ in client.chat_completion_stream(HI):
            pass  # the caller drops every chunk
    assert len(info.value.partial_content) == 10_000


def _done_then_reset() -> httpx.SyncByteStream:
    class DoneThenReset(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield json.dumps({"model": "m", "message": {"role": "assistant", "content": "hel"}}).encode() + b"\n"
            yield json.dumps({**CHAT_OK, "message": {"role": "assistant", "content": "lo"}}).encode() + b"\n"
            raise httpx.ReadError("connection reset after the last line")

    return DoneThenReset()


def test_a_break_after_the_done_line_is_not_an_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=_done_then_reset()))
    with OllamaClient(OllamaConfig(), transport=transport) as client:
        chunks = list(client.chat_completion_stream(HI))
    assert "".join(c.choices[0].delta.content for c in chunks) == "hello" and chunks[-1].done


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_that_started_is_never_sent_again(mode: str) -> None:
    def half_then_reset(conn: socket.socket, request: Request) -> None:
        conn.sendall(head(200, length=1000) + b'{"model": "m", "mess')
        reset(conn)

    with HostileServer(half_then_reset) as server:
        async with client_for(server.url, max_retries=2) as client:
            with pytest.raises(NetworkError):
                await chat(client, mode)
    assert len(server.requests) == 1  # the server ran the POST once, not max_retries + 1 times


def test_a_pull_is_never_sent_twice_but_a_chat_503_is_retried() -> None:
    def busy(conn: socket.socket, request: Request) -> None:
        json_answer(conn, {"error": "busy"}, status=503)

    with HostileServer(busy) as server, client_for(server.url, max_retries=2) as client:
        with pytest.raises(ServerError):
            list(client.pull_model("m"))
        pulls = len(server.requests)
        with pytest.raises(ServerError):
            client.chat_completion(HI)
    assert pulls == 1 and len(server.requests) - pulls == 3


def test_a_pull_is_retried_when_nothing_was_sent() -> None:
    attempts: list[str] = []

    def refuse_once(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, content=b'{"status": "success"}\n')

    with OllamaClient(OllamaConfig(max_retries=1), transport=httpx.MockTransport(refuse_once),
                      sleep=lambda _: None) as client:
        assert [u.status for u in client.pull_model("m")] == ["success"]
    assert attempts == ["/api/pull", "/api/pull"]


def test_a_healthy_loopback_server_still_answers() -> None:
    with HostileServer(chat_ok) as server, client_for(server.url) as client:
        assert client.chat_completion(HI).choices[0].message.content == "ok"


def test_a_generate_stream_keeps_at_most_stream_keep_chars_too() -> None:
    line = json.dumps({"model": "m", "response": "y" * 4096, "done": False}).encode() + b"\n"

    class Cut(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from [line] * 200
            raise httpx.ReadError("connection reset")

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Cut()))
    with OllamaClient(OllamaConfig(stream_keep_chars=10_000), transport=transport) as client, \
            pytest.raises(StreamError) as info:
        for _ in client.generate_stream(GenerateRequest(model="m", prompt="Go on.")):
            pass
    assert info.value.partial_content == "y" * 10_000
