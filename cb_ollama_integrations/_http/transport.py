"""The httpx clients of one OllamaClient: one sync client, one async client per event loop.

Each host gets its own connection pool (its own proxy decision, `max_connections` connections, a bounded
transport in front) and its own headers: credentials given for one host are never sent to another. Its
request slots (`max_concurrency_per_host`) are one object shared by the sync pool and every loop's pool.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .._resilience.deadline import Deadline
from .._values.urls import merge_headers
from .._version import __version__
from ..config import OllamaConfig
from .bounded import AsyncBoundedTransport, BoundedTransport
from .deadline import install_deadline_backend
from .proxies import proxy_for
from .slots import HostSlots

__all__ = ["Transport"]

async def _close_with_loop(client: httpx.AsyncClient) -> AsyncIterator[None]:
    # An async generator started inside a loop is finalised by that loop's shutdown_asyncgens()
    # (asyncio.run does it), which closes the client's sockets before the loop goes away.
    try:
        yield
    finally:
        await client.aclose()


def _alive(loop: asyncio.AbstractEventLoop | None) -> bool:
    return loop is not None and not loop.is_closed()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _idle(loop: asyncio.AbstractEventLoop | None) -> bool:
    return loop is not None and not loop.is_closed() and not loop.is_running()


def _mount_key(host_url: str) -> str:
    parts = urlsplit(host_url)
    return f"{parts.scheme}://{parts.netloc}"


class Transport:
    """Owns the httpx clients of one OllamaClient.

    One sync client; one async client per event loop, so a second `asyncio.run` gets a fresh client instead of
    one bound to a closed loop. Tests and benchmarks inject `transport`/`async_transport` (httpx's seam).
    Proxy settings are checked here, at construction: an unusable one is a ValueError naming it.
    """

    def __init__(
        self,
        config: OllamaConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        connect, self._slots = config.connect_timeout_seconds, config.max_connections
        self._pool_options: dict[str, Any] = {
            "limits": httpx.Limits(max_connections=self._slots, max_keepalive_connections=self._slots),
            "verify": config.verify_ssl,
            "trust_env": config.trust_env,  # certificates (SSL_CERT_FILE); proxies are decided per host below
        }
        # waiting for a pooled connection is queueing, as in Ollama's own queue: read timeout bounds it
        self.timeout = httpx.Timeout(config.timeout_seconds, connect=connect)
        self._options: dict[str, Any] = {
            "timeout": self.timeout,
            "headers": {"User-Agent": f"cb-ollama-integrations/{__version__}"},
            "follow_redirects": False,
            "trust_env": False,  # no netrc, no environment proxies behind our back: see proxy_for
        }
        self.proxies = {url: proxy_for(url, config, environ) for url in config.hosts}
        per_host = config.concurrency_per_host(environ)
        self.slots = {url: HostSlots(per_host) for url in config.hosts}
        self._other_slots = HostSlots(self._slots, "max_connections")  # a URL that is none of the hosts
        self._headers = {url: config.header_values(url) for url in config.hosts}
        # GET / answers at once when the host is up: no need to wait a cold-load read timeout for it
        self.ping_timeout = httpx.Timeout(min(5.0, config.timeout_seconds), connect=connect)
        self._ping_seconds = min(5.0, config.timeout_seconds, config.deadline_seconds)
        self._transport = transport
        self._async_transport = async_transport
        self._sync: httpx.Client | None = None
        self._lock = threading.Lock()
        self._by_loop: dict[int, tuple[weakref.ref[asyncio.AbstractEventLoop], httpx.AsyncClient, Any]] = {}

    def ping_deadline(self) -> Deadline:
        """The deadline of one GET / (a health check, a probe): it answers at once when the host is up."""
        return Deadline.starting_now(self._ping_seconds)

    def headers_for(self, host_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The headers of one request to `host_url`: that host's (shared and its own), then the call's."""
        return merge_headers(self._headers.get(host_url), extra)

    def _sync_pools(self) -> tuple[httpx.BaseTransport, dict[str, httpx.BaseTransport]]:
        def pool(proxy: httpx.Proxy | None, slots: HostSlots) -> httpx.BaseTransport:
            inner = self._transport
            if inner is None:
                inner = httpx.HTTPTransport(proxy=proxy, **self._pool_options)
                install_deadline_backend(inner)
            return BoundedTransport(inner, slots)

        return (pool(None, self._other_slots),
                {_mount_key(url): pool(proxy, self.slots[url]) for url, proxy in self.proxies.items()})

    def _async_pools(self) -> tuple[httpx.AsyncBaseTransport, dict[str, httpx.AsyncBaseTransport]]:
        def pool(proxy: httpx.Proxy | None, slots: HostSlots) -> httpx.AsyncBaseTransport:
            inner = self._async_transport
            if inner is None:
                inner = httpx.AsyncHTTPTransport(proxy=proxy, **self._pool_options)
                install_deadline_backend(inner)
            return AsyncBoundedTransport(inner, slots)

        return (pool(None, self._other_slots),
                {_mount_key(url): pool(proxy, self.slots[url]) for url, proxy in self.proxies.items()})

    @property
    def sync(self) -> httpx.Client:
        """The sync httpx client, built on first use."""
        if self._sync is None:
            with self._lock:
                if self._sync is None:
                    default, mounts = self._sync_pools()
                    self._sync = httpx.Client(transport=default, mounts=mounts, **self._options)
        return self._sync

    async def async_client(self) -> httpx.AsyncClient:
        """The async httpx client of the running event loop, built on first use in that loop."""
        loop = asyncio.get_running_loop()
        entry = self._by_loop.get(id(loop))
        if entry is not None and entry[0]() is loop and not entry[1].is_closed:
            return entry[1]
        default, mounts = self._async_pools()
        client = httpx.AsyncClient(transport=default, mounts=mounts, **self._options)
        closer = _close_with_loop(client)
        await closer.__anext__()
        with self._lock:
            self._by_loop = {k: v for k, v in self._by_loop.items() if _alive(v[0]())}
            self._by_loop[id(loop)] = (weakref.ref(loop), client, closer)
        return client

    def close(self) -> None:
        """Close the sync client, and the async client of every loop that still exists and is not running.

        A loop driven by hand (`run_until_complete`, no `asyncio.run`) is not finalised for us: its client is
        closed here, in that loop, so no connection outlives `close()`. A running loop's client closes with
        that loop (or with `aclose` inside it).
        """
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        if _running_loop() is not None:
            return  # another loop cannot be driven from inside this one: each closes with its loop
        with self._lock:
            idle = [(key, entry) for key, entry in self._by_loop.items() if _idle(entry[0]())]
            for key, _ in idle:
                del self._by_loop[key]
        for _, (loop_ref, _client, closer) in idle:
            loop = loop_ref()
            if loop is not None:
                loop.run_until_complete(closer.aclose())

    async def aclose(self) -> None:
        """Close the async client of the running loop and the sync client."""
        loop = asyncio.get_running_loop()
        entry = self._by_loop.pop(id(loop), None)
        if entry is not None:
            await entry[2].aclose()
        self.close()
