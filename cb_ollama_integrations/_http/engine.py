"""Sends one logical request through routing, retries and breakers: the sync and async I/O loops.

Everything that is not I/O (host choice, what to retry, how long to wait, status -> error) lives in
`_resilience` and `_protocol`; each sync method here and its async twin differ only in the I/O calls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from .._protocol.calls import PING, Call, Reply
from .._protocol.json_lines import LineSplitter
from .._resilience.routing import CallPlan, Host, HostPool
from ..errors import LLMError, StreamError
from .errors import map_httpx_errors
from .replies import check_response, decode_reply, log_request, whole_last_line
from .transport import Transport

__all__ = ["Engine"]

logger = logging.getLogger("cb_ollama_integrations")
_T = TypeVar("_T")


class Engine:
    """Routes calls over the host pool, sync or async, with retries, failover and breakers.

    `sleep`/`asleep` wait between retries; tests inject recorders so retry delays cost no time.
    """

    def __init__(self, pool: HostPool, transport: Transport, sleep: Callable[[float], None] = time.sleep,
                 asleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, *, log_bodies: bool = False) -> None:
        self.log_bodies = log_bodies
        self.pool = pool
        self.transport = transport
        self._sleep = sleep
        self._asleep = asleep

    def _plan(self, call: Call) -> CallPlan:
        return self.pool.plan(call.model, pinned=call.host, warms_model=call.warms_model)

    @staticmethod
    def _for_host(call: Call, host: Host, body: bytes | None) -> tuple[Call, bytes | None]:
        """The call and body as sent to `host` (the same ones unless the body depends on the host)."""
        if call.per_host is None:
            return call, body
        sent = call.for_host(host.url)
        return sent, sent.body()

    # _route and _aroute: one loop shape, the async twin only awaits. Ask the plan for a host, make one
    # attempt, and report it: success returns; an LLMError is `failed` (which re-raises when nothing is left
    # to try, else says how long to wait); anything else (cancellation) is `abandoned` and propagates.
    def _route(self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], _T]) -> tuple[Host, _T]:
        plan, body = self._plan(call), call.body()
        while True:
            host = plan.next_host()
            sent, sent_body = self._for_host(call, host, body)
            try:
                result = once(plan, host, sent, sent_body)
            except LLMError as exc:
                delay = plan.failed(host, exc)
            except BaseException:
                plan.abandoned(host)
                raise
            else:
                plan.succeeded(host)
                return host, result
            if delay > 0:
                self._sleep(delay)

    async def _aroute(
        self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], Awaitable[_T]]
    ) -> tuple[Host, _T]:
        plan, body = self._plan(call), call.body()
        while True:
            host = plan.next_host()
            sent, sent_body = self._for_host(call, host, body)
            try:
                result = await once(plan, host, sent, sent_body)
            except LLMError as exc:
                delay = plan.failed(host, exc)
            except BaseException:
                plan.abandoned(host)
                raise
            else:
                plan.succeeded(host)
                return host, result
            if delay > 0:
                await self._asleep(delay)

    # -- GET / : health checks and "ping" half-open probes -------------------------------------------
    def _get_root(self, client: httpx.Client, host: Host, headers: dict[str, str] | None = None) -> None:
        url, started = host.url + "/", time.perf_counter()
        with map_httpx_errors(url):
            answer = client.get(url, timeout=self.transport.ping_timeout, headers=headers)
            check_response(PING, url, answer, started)

    async def _aget_root(
        self, client: httpx.AsyncClient, host: Host, headers: dict[str, str] | None = None
    ) -> None:
        url, started = host.url + "/", time.perf_counter()
        with map_httpx_errors(url):
            answer = await client.get(url, timeout=self.transport.ping_timeout, headers=headers)
            check_response(PING, url, answer, started)

    def ping(self, host_url: str, headers: dict[str, str] | None = None) -> bool:
        """GET / on one host, outside routing (never raises); the answer feeds that host's breaker."""
        host = self.pool.host(host_url)
        try:
            self._get_root(self.transport.sync, host, headers)
        except LLMError:
            host.breaker.record_failure()
            return False
        host.breaker.record_success()
        return True

    async def aping(self, host_url: str, headers: dict[str, str] | None = None) -> bool:
        """Async twin of `ping`."""
        host = self.pool.host(host_url)
        try:
            await self._aget_root(await self.transport.async_client(), host, headers)
        except LLMError:
            host.breaker.record_failure()
            return False
        host.breaker.record_success()
        return True

    # -- non-streaming --------------------------------------------------------------------------------
    def send(self, call: Call) -> Reply:
        """Send `call` and return its decoded reply (sync)."""
        return self._route(call, self._send_once)[1]

    async def asend(self, call: Call) -> Reply:
        """Send `call` and return its decoded reply (async)."""
        return (await self._aroute(call, self._asend_once))[1]

    def _send_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client, url = self.transport.sync, host.url + call.path
        if plan.needs_ping:
            self._get_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url):
            response = client.request(call.method, url, content=body, headers=call.headers)
        return decode_reply(call, url, host.url, response, started, bodies=self.log_bodies)

    async def _asend_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client, url = await self.transport.async_client(), host.url + call.path
        if plan.needs_ping:
            await self._aget_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url):
            response = await client.request(call.method, url, content=body, headers=call.headers)
        return decode_reply(call, url, host.url, response, started, bodies=self.log_bodies)

    # -- streaming: retries and failover happen only before the first byte ----------------------------
    def stream(self, call: Call) -> Iterator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (sync)."""
        host, response = self._route(call, self._open_stream)
        url, splitter = str(response.url), LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, url):
                for data in response.iter_bytes():
                    yield from ((host.url, line) for line in splitter.feed(data))
            yield from ((host.url, whole_last_line(line, url)) for line in splitter.flush())
        finally:
            response.close()

    async def astream(self, call: Call) -> AsyncIterator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (async)."""
        host, response = await self._aroute(call, self._aopen_stream)
        url, splitter = str(response.url), LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, url):
                async for data in response.aiter_bytes():
                    for line in splitter.feed(data):
                        yield host.url, line
            for line in splitter.flush():
                yield host.url, whole_last_line(line, url)
        finally:
            await response.aclose()

    def _open_stream(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> httpx.Response:
        client, url = self.transport.sync, host.url + call.path
        if plan.needs_ping:
            self._get_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        request = client.build_request(call.method, url, content=body, headers=call.headers)
        with map_httpx_errors(url):
            response = client.send(request, stream=True)
            if response.status_code >= 400:
                try:
                    response.read()
                finally:
                    response.close()
        check_response(call, url, response, started)
        return response

    async def _aopen_stream(
        self, plan: CallPlan, host: Host, call: Call, body: bytes | None
    ) -> httpx.Response:
        client, url = await self.transport.async_client(), host.url + call.path
        if plan.needs_ping:
            await self._aget_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        request = client.build_request(call.method, url, content=body, headers=call.headers)
        with map_httpx_errors(url):
            response = await client.send(request, stream=True)
            if response.status_code >= 400:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        check_response(call, url, response, started)
        return response

    @contextmanager
    def _mid_stream(self, host: Host, url: str) -> Iterator[None]:
        """A failure after the first byte is a StreamError (never retried); it still counts for the host."""
        try:
            with map_httpx_errors(url):
                yield
        except LLMError as exc:
            if self.pool.policy.is_host_failure(exc):
                host.breaker.record_failure()
            raise StreamError(f"the stream from {url} broke: {exc.message}", url=url) from exc
