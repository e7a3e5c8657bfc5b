"""GET / on one host: health checks and "ping" half-open probes, bounded by the ping timeout as a deadline.

A base of the engine; the sync and async probes differ only in the I/O calls.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from .._protocol.calls import PING
from .._resilience.routing import Host
from ..errors import LLMError
from .body import aread_body, read_body
from .deadline import bounded_by
from .errors import map_httpx_errors
from .replies import check_response

if TYPE_CHECKING:
    from .._protocol.calls import Call
    from .._resilience.deadline import Deadline
    from .._resilience.routing import HostPool
    from .transport import Transport

__all__ = ["RootProbes"]


class RootProbes:
    """The engine's GET / probes (the engine supplies the transport, the pool and the request builder)."""

    transport: Transport
    pool: HostPool
    timeout_setting: str
    max_body_bytes: int

    def _request(self, client: httpx.Client | httpx.AsyncClient, call: Call, host: Host, body: bytes | None, *,
                 deadline: Deadline, headers: dict[str, str] | None = None) -> httpx.Request:
        raise NotImplementedError

    def _get_root(self, client: httpx.Client, host: Host, headers: dict[str, str] | None = None) -> None:
        url, started, deadline = host.url + "/", time.perf_counter(), self.transport.ping_deadline()
        with map_httpx_errors(url, self.timeout_setting), bounded_by(deadline):
            request = self._request(client, PING, host, None, deadline=deadline, headers=headers)
            response = client.send(request, stream=True)
            try:
                body = read_body(response, self.max_body_bytes, deadline, url)
            finally:
                response.close()
        check_response(PING, url, response, body, started)

    async def _aget_root(
        self, client: httpx.AsyncClient, host: Host, headers: dict[str, str] | None = None
    ) -> None:
        url, started, deadline = host.url + "/", time.perf_counter(), self.transport.ping_deadline()
        with map_httpx_errors(url, self.timeout_setting), bounded_by(deadline):
            request = self._request(client, PING, host, None, deadline=deadline, headers=headers)
            response = await client.send(request, stream=True)
            try:
                body = await aread_body(response, self.max_body_bytes, deadline, url)
            finally:
                await response.aclose()
        check_response(PING, url, response, body, started)

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
