"""The httpx clients of one OllamaClient: one sync client, one async client per event loop."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .._version import __version__
from ..config import OllamaConfig

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


class Transport:
    """Owns the httpx clients of one OllamaClient.

    One sync client; one async client per event loop, so a second `asyncio.run` gets a fresh client instead of
    one bound to a closed loop. Tests and benchmarks inject `transport`/`async_transport` (httpx's seam).
    """

    def __init__(
        self,
        config: OllamaConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        connect, pool_size = config.connect_timeout_seconds, config.max_connections
        self._options: dict[str, Any] = {
            # waiting for a pooled connection is queueing, as in Ollama's own queue: read timeout bounds it
            "timeout": httpx.Timeout(config.timeout_seconds, connect=connect),
            "limits": httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
            "headers": {"User-Agent": f"cb-ollama-integrations/{__version__}", **config.header_values()},
            "verify": config.verify_ssl,
            "follow_redirects": False,
            "trust_env": True,
        }
        # GET / answers at once when the host is up: no need to wait a cold-load read timeout for it
        self.ping_timeout = httpx.Timeout(min(5.0, config.timeout_seconds), connect=connect)
        self._transport = transport
        self._async_transport = async_transport
        self._sync: httpx.Client | None = None
        self._lock = threading.Lock()
        self._by_loop: dict[int, tuple[weakref.ref[asyncio.AbstractEventLoop], httpx.AsyncClient, Any]] = {}

    @property
    def sync(self) -> httpx.Client:
        """The sync httpx client, built on first use."""
        if self._sync is None:
            with self._lock:
                if self._sync is None:
                    self._sync = httpx.Client(transport=self._transport, **self._options)
        return self._sync

    async def async_client(self) -> httpx.AsyncClient:
        """The async httpx client of the running event loop, built on first use in that loop."""
        loop = asyncio.get_running_loop()
        entry = self._by_loop.get(id(loop))
        if entry is not None and entry[0]() is loop and not entry[1].is_closed:
            return entry[1]
        client = httpx.AsyncClient(transport=self._async_transport, **self._options)
        closer = _close_with_loop(client)
        await closer.__anext__()
        with self._lock:
            self._by_loop = {k: v for k, v in self._by_loop.items() if _alive(v[0]())}
            self._by_loop[id(loop)] = (weakref.ref(loop), client, closer)
        return client

    def close(self) -> None:
        """Close the sync client (async clients close with their loop, or with `aclose`)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the async client of the running loop and the sync client."""
        loop = asyncio.get_running_loop()
        entry = self._by_loop.pop(id(loop), None)
        if entry is not None:
            await entry[2].aclose()
        self.close()
