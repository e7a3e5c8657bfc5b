"""Sends one logical request through routing, retries and breakers: the sync and async I/O loops.

Everything that is not I/O (host choice, what to retry, how long to wait, status -> error) lives in
`_resilience` and `_protocol`; each sync method here and its async twin differ only in the I/O calls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from .._protocol.calls import PING, Call, Reply
from .._protocol.json_lines import LineSplitter
from .._resilience.attempts import NO_OBSERVER, AttemptObserver
from .._resilience.deadline import Deadline
from .._resilience.routing import CallPlan, Host, HostPool
from ..errors import LLMError, StreamError
from .body import aread_body, read_body
from .bounded import slot_wait
from .deadline import bounded_by
from .errors import map_httpx_errors
from .probe import RootProbes
from .replies import check_response, decode_reply, log_request, whole_last_line
from .transport import Transport

__all__ = ["Engine"]

logger = logging.getLogger("cb_ollama_integrations")
_T = TypeVar("_T")


class Engine(RootProbes):
    """Routes calls over the host pool, sync or async, with retries, failover and breakers.

    `sleep`/`asleep` wait between retries; tests inject recorders so retry delays cost no time.
    """

    def __init__(self, pool: HostPool, transport: Transport, sleep: Callable[[float], None] = time.sleep,
                 asleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, *, log_bodies: bool = False,
                 max_body_bytes: int = 64 * 1024 * 1024, timeout_setting: str = "timeout_seconds") -> None:
        self.log_bodies, self.max_body_bytes = log_bodies, max_body_bytes
        self.timeout_setting = timeout_setting  # what the read-timeout hint tells the user to raise
        self.pool, self.transport = pool, transport
        self._sleep, self._asleep = sleep, asleep

    def _plan(self, call: Call, observer: AttemptObserver) -> CallPlan:
        return self.pool.plan(call.model, pinned=call.host, warms_model=call.warms_model, resend=call.resend,
                              observer=observer)

    def _request(self, client: httpx.Client | httpx.AsyncClient, call: Call, host: Host, body: bytes | None, *,
                 deadline: Deadline, headers: dict[str, str] | None = None) -> httpx.Request:
        """The HTTP request of one attempt: the host's own headers, every timeout cut to the time left."""
        base = self.transport.ping_timeout if call is PING else self.transport.timeout
        capped = httpx.Timeout(deadline.cap(base.read), connect=deadline.cap(base.connect),
                               write=deadline.cap(base.write), pool=deadline.cap(base.pool))
        return client.build_request(call.method, host.url + call.path, content=body, timeout=capped,
                                    headers=self.transport.headers_for(host.url, headers or call.headers))

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
    # The plan reports each outcome to `observer` (telemetry).
    def _route(self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], _T],
               observer: AttemptObserver = NO_OBSERVER, *, streamed: bool = False) -> tuple[Host, _T]:
        plan, body = self._plan(call, observer), call.body()
        while True:
            host = plan.next_host()
            sent, sent_body = self._for_host(call, host, body)
            try:
                with bounded_by(plan.deadline):
                    result = once(plan, host, sent, sent_body)
            except LLMError as exc:
                delay = plan.failed(host, exc)
            except BaseException:
                plan.abandoned(host)
                raise
            else:
                plan.succeeded(host, still_busy=streamed)  # a stream stays counted until it is closed
                return host, result
            if delay > 0:
                self._sleep(delay)

    async def _aroute(
        self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], Awaitable[_T]],
        observer: AttemptObserver = NO_OBSERVER, *, streamed: bool = False,
    ) -> tuple[Host, _T]:
        plan, body = self._plan(call, observer), call.body()
        while True:
            host = plan.next_host()
            sent, sent_body = self._for_host(call, host, body)
            try:
                with bounded_by(plan.deadline):
                    result = await once(plan, host, sent, sent_body)
            except LLMError as exc:
                delay = plan.failed(host, exc)
            except BaseException:
                plan.abandoned(host)
                raise
            else:
                plan.succeeded(host, still_busy=streamed)  # a stream stays counted until it is closed
                return host, result
            if delay > 0:
                await self._asleep(delay)

    # -- non-streaming --------------------------------------------------------------------------------
    def send(self, call: Call, observer: AttemptObserver = NO_OBSERVER) -> Reply:
        """Send `call` and return its decoded reply (sync); `observer` hears about every attempt."""
        return self._route(call, self._send_once, observer)[1]

    async def asend(self, call: Call, observer: AttemptObserver = NO_OBSERVER) -> Reply:
        """Send `call` and return its decoded reply (async)."""
        return (await self._aroute(call, self._asend_once, observer))[1]

    # Read as a stream so the body is bounded (max_body_bytes, decoded; the deadline); once a 2xx status line
    # arrived the plan knows the answer started: a failure after it is never sent again.
    def _send_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client, url = self.transport.sync, host.url + call.path
        if plan.needs_ping:
            self._get_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url, self.timeout_setting):
            request = self._request(client, call, host, body, deadline=plan.deadline)
            response = client.send(request, stream=True)
            plan.slot_wait = slot_wait(request)
            try:
                plan.answer_started = response.status_code < 300
                raw = read_body(response, self.max_body_bytes, plan.deadline, url)
            finally:
                response.close()
        return decode_reply(call, url, host.url, response, body=raw, started=started, bodies=self.log_bodies)

    async def _asend_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client, url = await self.transport.async_client(), host.url + call.path
        if plan.needs_ping:
            await self._aget_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url, self.timeout_setting):
            request = self._request(client, call, host, body, deadline=plan.deadline)
            response = await client.send(request, stream=True)
            plan.slot_wait = slot_wait(request)
            try:
                plan.answer_started = response.status_code < 300
                raw = await aread_body(response, self.max_body_bytes, plan.deadline, url)
            finally:
                await response.aclose()
        return decode_reply(call, url, host.url, response, body=raw, started=started, bodies=self.log_bodies)

    # -- streaming: retries and failover happen only before the first byte ----------------------------
    def stream(self, call: Call, observer: AttemptObserver = NO_OBSERVER) -> Generator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (sync)."""
        host, response = self._route(call, self._open_stream, observer, streamed=True)
        url, splitter = str(response.url), LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, url):
                for data in response.iter_bytes():
                    for line in splitter.feed(data):
                        yield host.url, line
            yield from ((host.url, whole_last_line(line, url)) for line in splitter.flush())
        finally:
            self.pool.count_in_flight(host, -1)
            response.close()

    async def astream(self, call: Call, observer: AttemptObserver = NO_OBSERVER) -> AsyncGenerator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (async)."""
        host, response = await self._aroute(call, self._aopen_stream, observer, streamed=True)
        url, splitter = str(response.url), LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, url):
                async for data in response.aiter_bytes():
                    for line in splitter.feed(data):
                        yield host.url, line
            for line in splitter.flush():
                yield host.url, whole_last_line(line, url)
        finally:
            self.pool.count_in_flight(host, -1)
            await response.aclose()

    def _open_stream(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> httpx.Response:
        client, url = self.transport.sync, host.url + call.path
        if plan.needs_ping:
            self._get_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url, self.timeout_setting):
            request = self._request(client, call, host, body, deadline=plan.deadline)
            response = client.send(request, stream=True)
            plan.slot_wait = slot_wait(request)
            error_body = b""
            if response.status_code >= 300:
                try:
                    error_body = read_body(response, self.max_body_bytes, plan.deadline, url)
                finally:
                    response.close()
        check_response(call, url, response, error_body, started)
        return response

    async def _aopen_stream(
        self, plan: CallPlan, host: Host, call: Call, body: bytes | None
    ) -> httpx.Response:
        client, url = await self.transport.async_client(), host.url + call.path
        if plan.needs_ping:
            await self._aget_root(client, host)
        started = log_request(call, url, body, bodies=self.log_bodies)
        with map_httpx_errors(url, self.timeout_setting):
            request = self._request(client, call, host, body, deadline=plan.deadline)
            response = await client.send(request, stream=True)
            plan.slot_wait = slot_wait(request)
            error_body = b""
            if response.status_code >= 300:
                try:
                    error_body = await aread_body(response, self.max_body_bytes, plan.deadline, url)
                finally:
                    await response.aclose()
        check_response(call, url, response, error_body, started)
        return response

    @contextmanager
    def _mid_stream(self, host: Host, url: str) -> Iterator[None]:
        """A failure after the first byte is a StreamError (never retried); it still counts for the host."""
        try:
            with map_httpx_errors(url, self.timeout_setting):
                yield
        except LLMError as exc:
            if self.pool.policy.is_host_failure(exc):
                host.breaker.record_failure()
            raise StreamError(f"the stream from {url} broke: {exc.message}", url=url) from exc
