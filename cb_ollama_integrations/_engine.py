"""Sends one logical request through routing, retries and breakers: the sync and async I/O loops.

Everything that is not I/O (host choice, what to retry, how long to wait, status -> error) lives in
_routing, _retry and _wire; each sync method here and its async twin differ only in the I/O calls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic_core import to_json

from ._routing import CallPlan, Host, HostPool
from ._transport import Transport, map_httpx_errors
from ._wire import LineSplitter, error_for_status, parse_json
from .errors import LLMError, StreamError

__all__ = ["Call", "Engine", "Reply"]

logger = logging.getLogger("cb_ollama_integrations")
_PING_TIMEOUT = httpx.Timeout(5.0)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Call:
    """One logical request: routed to a host, retried, and parsed the same way on every path."""

    method: str
    path: str
    payload: dict[str, Any] | None = None
    model: str | None = None
    host: str | None = None  # pin to one host (health checks, per-host listings)
    headers: dict[str, str] | None = None  # per-call headers (an api_key given to one call)

    def body(self) -> bytes | None:
        """The request body: compact JSON, byte-identical for equal payloads (cassettes match on it)."""
        return None if self.payload is None else to_json(self.payload)


@dataclass(frozen=True)
class Reply:
    """A decoded answer and the host that gave it."""

    data: dict[str, Any]
    host: str
    raw: bytes


def _check(call: Call, url: str, status: int, body: bytes, headers: httpx.Headers, started: float) -> None:
    logger.debug("%s %s -> %d (%d bytes, %.1f ms)", call.method, url, status, len(body),
                 (time.perf_counter() - started) * 1000)
    if status >= 400:
        raise error_for_status(status, body, method=call.method, url=url, model=call.model,
                               retry_after=headers.get("retry-after"))


def _reply(call: Call, url: str, host: str, response: httpx.Response, started: float) -> Reply:
    _check(call, url, response.status_code, response.content, response.headers, started)
    if call.path == "/" or not response.content.strip():
        return Reply({"text": response.text}, host, response.content)
    return Reply(parse_json(response.content, url=url), host, response.content)


class Engine:
    """Routes calls over the host pool, sync or async, with retries, failover and breakers."""

    def __init__(self, pool: HostPool, transport: Transport, sleep: Callable[[float], None] = time.sleep,
                 asleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self.pool = pool
        self.transport = transport
        self._sleep = sleep
        self._asleep = asleep

    def _plan(self, call: Call) -> CallPlan:
        return self.pool.plan(call.model, pinned=call.host)

    def _log_request(self, call: Call, url: str, body: bytes | None) -> float:
        logger.debug("%s %s model=%s body=%d bytes", call.method, url, call.model, len(body or b""))
        return time.perf_counter()

    def _route(self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], _T]) -> tuple[Host, _T]:
        plan, body = self._plan(call), call.body()
        while True:
            host = plan.next_host()
            try:
                result = once(plan, host, call, body)
            except LLMError as exc:
                self._sleep(plan.failed(host, exc))
                continue
            plan.succeeded(host)
            return host, result

    async def _aroute(
        self, call: Call, once: Callable[[CallPlan, Host, Call, bytes | None], Awaitable[_T]]
    ) -> tuple[Host, _T]:
        plan, body = self._plan(call), call.body()
        while True:
            host = plan.next_host()
            try:
                result = await once(plan, host, call, body)
            except LLMError as exc:
                await self._asleep(plan.failed(host, exc))
                continue
            plan.succeeded(host)
            return host, result

    def ping(self, host_url: str) -> bool:
        """GET / on one host, outside routing; the answer feeds that host's breaker."""
        host = self.pool.host(host_url)
        try:
            with map_httpx_errors(host_url):
                ok = self.transport.sync.get(host_url + "/", timeout=_PING_TIMEOUT).status_code == 200
        except LLMError:
            ok = False
        host.breaker.record_success() if ok else host.breaker.record_failure()
        return ok

    async def aping(self, host_url: str) -> bool:
        """Async twin of `ping`."""
        host = self.pool.host(host_url)
        try:
            with map_httpx_errors(host_url):
                client = await self.transport.async_client()
                ok = (await client.get(host_url + "/", timeout=_PING_TIMEOUT)).status_code == 200
        except LLMError:
            ok = False
        host.breaker.record_success() if ok else host.breaker.record_failure()
        return ok

    # -- non-streaming --------------------------------------------------------------------------------
    def send(self, call: Call) -> Reply:
        """Send `call` and return its decoded reply (sync)."""
        return self._route(call, self._send_once)[1]

    async def asend(self, call: Call) -> Reply:
        """Send `call` and return its decoded reply (async)."""
        return (await self._aroute(call, self._asend_once))[1]

    def _send_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client = self.transport.sync
        if plan.needs_ping:
            with map_httpx_errors(host.url):
                client.get(host.url + "/", timeout=_PING_TIMEOUT).raise_for_status()
        url = host.url + call.path
        started = self._log_request(call, url, body)
        with map_httpx_errors(url):
            response = client.request(call.method, url, content=body, headers=call.headers)
        return _reply(call, url, host.url, response, started)

    async def _asend_once(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> Reply:
        client = await self.transport.async_client()
        if plan.needs_ping:
            with map_httpx_errors(host.url):
                (await client.get(host.url + "/", timeout=_PING_TIMEOUT)).raise_for_status()
        url = host.url + call.path
        started = self._log_request(call, url, body)
        with map_httpx_errors(url):
            response = await client.request(call.method, url, content=body, headers=call.headers)
        return _reply(call, url, host.url, response, started)

    # -- streaming: retries and failover happen only before the first byte ----------------------------
    def stream(self, call: Call) -> Iterator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (sync)."""
        host, response = self._route(call, self._open_stream)
        splitter = LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, response):
                for data in response.iter_bytes():
                    yield from ((host.url, line) for line in splitter.feed(data))
            yield from ((host.url, line) for line in splitter.flush())
        finally:
            response.close()

    async def astream(self, call: Call) -> AsyncIterator[tuple[str, bytes]]:
        """Yield (host URL, NDJSON line) pairs of a streamed answer (async)."""
        host, response = await self._aroute(call, self._aopen_stream)
        splitter = LineSplitter(url=str(response.url))
        try:
            with self._mid_stream(host, response):
                async for data in response.aiter_bytes():
                    for line in splitter.feed(data):
                        yield host.url, line
            for line in splitter.flush():
                yield host.url, line
        finally:
            await response.aclose()

    def _open_stream(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> httpx.Response:
        url = host.url + call.path
        client = self.transport.sync
        started = self._log_request(call, url, body)
        with map_httpx_errors(url):
            response = client.send(client.build_request(call.method, url, content=body, headers=call.headers), stream=True)
            if response.status_code >= 400:
                response.read()
                response.close()
        _check(call, url, response.status_code, response.content if response.is_closed else b"",
               response.headers, started)
        return response

    async def _aopen_stream(self, plan: CallPlan, host: Host, call: Call, body: bytes | None) -> httpx.Response:
        url = host.url + call.path
        client = await self.transport.async_client()
        started = self._log_request(call, url, body)
        with map_httpx_errors(url):
            response = await client.send(client.build_request(call.method, url, content=body, headers=call.headers), stream=True)
            if response.status_code >= 400:
                await response.aread()
                await response.aclose()
        _check(call, url, response.status_code, response.content if response.is_closed else b"",
               response.headers, started)
        return response

    @contextmanager
    def _mid_stream(self, host: Host, response: httpx.Response) -> Iterator[None]:
        """A failure after the stream started is a StreamError (never retried); it still counts for the host."""
        url = str(response.url)
        try:
            with map_httpx_errors(url):
                yield
        except LLMError as exc:
            if self.pool.policy.is_host_failure(exc):
                host.breaker.record_failure()
            raise StreamError(f"the stream from {url} broke: {exc.message}", url=url) from exc
