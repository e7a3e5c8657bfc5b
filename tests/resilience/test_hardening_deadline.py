"""Every call has a deadline: across retries, failover, pool waits and the whole body, whatever a server trickles.

Hostile loopback servers (tests/_hostile_server.py) trickle bytes forever or stay silent. Times here are bounds
(the call must end), never speed targets.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import time
from typing import Any

import pytest
from fakes.hostile import CALL_MODES, CHAT_OK, HI, HostileServer, Request, chat, client_for, head, json_answer

from cb_ollama_integrations import (
    LLMTimeoutError,
    acheck_availability,
    check_availability,
)

MODES = CALL_MODES


def trickle_body(conn: socket.socket, request: Request) -> None:
    """Headers at once, then one byte of body every 0.2 s, forever (a slowloris inside the read timeout)."""
    conn.sendall(head(200, length=10**9))
    while True:
        time.sleep(0.2)
        conn.sendall(b" ")


def trickle_head(conn: socket.socket, request: Request) -> None:
    """The status line and headers themselves, one byte every 0.2 s."""
    for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10**6:
        time.sleep(0.2)
        conn.sendall(bytes([byte]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", [trickle_body, trickle_head], ids=["body", "head"])
async def test_a_slowloris_cannot_outlive_the_deadline(mode: str, script: Any) -> None:
    with HostileServer(script) as server:
        async with client_for(server.url, timeout_seconds=0.5, deadline_seconds=0.8, max_retries=2) as client:
            started = time.monotonic()
            with pytest.raises(LLMTimeoutError) as info:
                await chat(client, mode)
            elapsed = time.monotonic() - started
    assert info.value.phase == "deadline" and "deadline_seconds=0.8" in info.value.message
    assert elapsed < 2.4  # the deadline (0.8 s) plus slack for a loaded machine: without it, this never ends


@pytest.mark.parametrize("mode", MODES)
async def test_silent_hosts_share_one_deadline(mode: str) -> None:
    def silent(conn: socket.socket, request: Request) -> None:
        time.sleep(10)

    with HostileServer(silent) as a, HostileServer(silent) as b, HostileServer(silent) as c:
        async with client_for(a.url, b.url, c.url, timeout_seconds=1.0, deadline_seconds=0.6) as client:
            started = time.monotonic()
            with pytest.raises(LLMTimeoutError):
                await chat(client, mode)
            elapsed = time.monotonic() - started
    assert elapsed < 2.2  # 3 hosts x 1 s read timeout would be 3 s


@pytest.mark.parametrize("script", [trickle_body, trickle_head], ids=["body", "head"])
async def test_availability_and_health_checks_finish_within_their_timeout(script: Any) -> None:
    with HostileServer(script) as server:
        started = time.monotonic()
        assert check_availability(server.url, timeout=0.5) is False
        assert await acheck_availability(server.url, timeout=0.5) is False
        with client_for(server.url, timeout_seconds=0.5) as client:
            assert client.health_check() is False
        elapsed = time.monotonic() - started
    assert elapsed < 3 * 1.2  # three checks of about 0.5 s each (without the deadline: never)


@pytest.mark.parametrize("mode", MODES)
async def test_waiting_for_a_pool_slot_counts_against_the_deadline(mode: str) -> None:
    def slow(conn: socket.socket, request: Request) -> None:
        time.sleep(2.5)
        json_answer(conn, CHAT_OK)

    with HostileServer(slow) as server:
        async with client_for(server.url, max_connections=1, deadline_seconds=0.5, max_retries=0) as client:
            started = time.monotonic()
            if mode == "sync":
                with concurrent.futures.ThreadPoolExecutor(2) as pool:
                    outcomes = [f.exception() for f in [pool.submit(client.chat_completion, HI) for _ in range(2)]]
            else:
                outcomes = list(await asyncio.gather(*(client.achat_completion(HI) for _ in range(2)),
                                                     return_exceptions=True))
            elapsed = time.monotonic() - started
    assert all(isinstance(o, LLMTimeoutError) and o.phase == "deadline" for o in outcomes), outcomes
    assert elapsed < 1.8  # both end at the deadline (0.5 s); the second never got the only connection


async def test_a_caller_cancelled_while_waiting_for_a_slot_leaks_no_slot() -> None:
    def slow(conn: socket.socket, request: Request) -> None:
        time.sleep(0.3)
        json_answer(conn, CHAT_OK)

    with HostileServer(slow) as server:
        async with client_for(server.url, max_connections=1) as client:
            holder = asyncio.ensure_future(client.achat_completion(HI))
            await asyncio.sleep(0.05)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.achat_completion(HI), 0.1)  # cancelled while waiting
            await holder
            answers = await asyncio.wait_for(asyncio.gather(client.achat_completion(HI),
                                                            client.achat_completion(HI)), 5)
    assert [a.choices[0].message.content for a in answers] == ["ok", "ok"]
