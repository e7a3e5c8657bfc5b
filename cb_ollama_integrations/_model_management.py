"""The model-management half of OllamaClient: listing, inspecting, loading, pulling; health and breakers.

Each method reads as build (a `_protocol` builder), send (the engine), parse (a `_protocol` parser); its async
twin differs only in the I/O call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Generator
from contextlib import aclosing, closing
from typing import TYPE_CHECKING

from ._protocol.calls import Reply, bearer
from ._protocol.context_window import ContextMemory
from ._protocol.models import (
    TAGS,
    VERSION,
    build_load_call,
    build_ps_call,
    build_show_call,
    merge_model_info,
    parse_done_reason,
    parse_running,
    parse_show,
    parse_tags,
    parse_version,
)
from ._protocol.pull import PullUpdate, build_pull_call, parse_pull_line
from .catalog import CATALOG, get_model_info, normalize_model_name
from .config import KeepAlive
from .errors import LLMError, StreamError
from .model_info import ModelInfo, RunningModel

if TYPE_CHECKING:
    from ._http.engine import Engine
    from ._resilience.breaker import CircuitState
    from ._resilience.routing import HostPool
    from .config import OllamaConfig

__all__ = ["ModelManagement"]

logger = logging.getLogger("cb_ollama_integrations")



def _reraise(exc: BaseException) -> BaseException:
    raise exc  # not a host failure (e.g. cancellation): never swallowed


class ModelManagement:
    """Listing, inspecting, loading and unloading models; health and breaker state (a base of OllamaClient)."""

    config: OllamaConfig
    _engine: Engine
    _pool: HostPool
    _known_models: set[str]
    _context: ContextMemory

    # -- catalog (no I/O) -------------------------------------------------------------------------------
    def get_available_models(self) -> list[ModelInfo]:
        """The built-in catalog (no network I/O); see `fetch_available_models` for the live server."""
        return list(CATALOG.values())

    def supports_model(self, name: str) -> bool:
        """True if the catalog knows the model (or its family), or the server listed it in a live fetch."""
        return get_model_info(name) is not None or normalize_model_name(name) in self._known_models

    def circuit_state(self) -> dict[str, CircuitState]:
        """The circuit breaker state of every host, by base URL."""
        return self._pool.states()

    # -- health -----------------------------------------------------------------------------------------
    def health_check(self, api_key: str | None = None, *, host: str | None = None) -> bool:
        """True if the host (or any host of the pool) answers GET /. Never raises for an unreachable host."""
        hosts, headers = [host] if host else list(self.config.hosts), bearer(api_key)
        return any([self._engine.ping(url, headers) for url in hosts])  # noqa: C419 - probe every host, no short-circuit

    async def ahealth_check(self, api_key: str | None = None, *, host: str | None = None) -> bool:
        """Async twin of `health_check` (hosts are probed concurrently)."""
        hosts, headers = [host] if host else list(self.config.hosts), bearer(api_key)
        return any(await asyncio.gather(*(self._engine.aping(url, headers) for url in hosts)))

    def version(self) -> str:
        """The server's version string (GET /api/version); a source build may report 0.0.0."""
        return parse_version(self._engine.send(VERSION).data)

    async def aversion(self) -> str:
        """Async twin of `version`."""
        return parse_version((await self._engine.asend(VERSION)).data)

    # -- live models ------------------------------------------------------------------------------------
    def _remember(self, infos: list[ModelInfo]) -> list[ModelInfo]:
        self._known_models |= {normalize_model_name(i.id) for i in infos}
        return infos

    def fetch_available_models(self) -> list[ModelInfo]:
        """Installed models (GET /api/tags), each enriched from POST /api/show (context window, capabilities)."""
        tags = parse_tags(self._engine.send(TAGS).data)
        shows = [self._engine.send(build_show_call(t["name"])).data for t in tags]
        return self._remember([merge_model_info(t["name"], t, s) for t, s in zip(tags, shows, strict=True)])

    async def afetch_available_models(self) -> list[ModelInfo]:
        """Async twin of `fetch_available_models` (the /api/show calls run concurrently)."""
        tags = parse_tags((await self._engine.asend(TAGS)).data)
        replies = await asyncio.gather(*(self._engine.asend(build_show_call(t["name"])) for t in tags))
        return self._remember([merge_model_info(t["name"], t, r.data) for t, r in zip(tags, replies, strict=True)])

    def show_model(self, name: str) -> ModelInfo:
        """Facts about one installed model from POST /api/show; ModelNotFoundError if it is not installed."""
        return parse_show(name, self._engine.send(build_show_call(name)).data)

    async def ashow_model(self, name: str) -> ModelInfo:
        """Async twin of `show_model`."""
        return parse_show(name, (await self._engine.asend(build_show_call(name))).data)

    def _running_on(self, answers: list[Reply | BaseException]) -> list[RunningModel]:
        """Models of the hosts that answered; an unreachable host is skipped (all unreachable: its error)."""
        replies = [a for a in answers if isinstance(a, Reply)]
        if not replies:
            raise next(a for a in answers if isinstance(a, BaseException))
        for failed in (a for a in answers if isinstance(a, BaseException)):
            logger.info("list_running: a host did not answer /api/ps: %s", failed)
        running = []
        for reply in replies:
            on_host = parse_running(reply.data, reply.host)
            self._pool.host(reply.host).loaded_models = {normalize_model_name(m.name) for m in on_host}
            self._context.saw_running(reply.host, [(m.name, m.context_length) for m in on_host])
            running += on_host
        return running

    def list_running(self) -> list[RunningModel]:
        """Models loaded in memory on every host that answers (GET /api/ps), with size, VRAM and expiry."""
        answers: list[Reply | BaseException] = []
        for host in self.config.hosts:
            try:
                answers.append(self._engine.send(build_ps_call(host)))
            except LLMError as exc:
                answers.append(exc)
        return self._running_on(answers)

    async def alist_running(self) -> list[RunningModel]:
        """Async twin of `list_running` (hosts asked concurrently)."""
        answers = await asyncio.gather(*(self._engine.asend(build_ps_call(h)) for h in self.config.hosts),
                                       return_exceptions=True)
        return self._running_on([a if isinstance(a, Reply | LLMError) else _reraise(a) for a in answers])

    def load_model(self, name: str, keep_alive: KeepAlive | None = None) -> str:
        """Load a model without generating (empty chat request); returns the server's done_reason ("load")."""
        return parse_done_reason(self._engine.send(build_load_call(name, keep_alive, self.config)).data)

    async def aload_model(self, name: str, keep_alive: KeepAlive | None = None) -> str:
        """Async twin of `load_model`."""
        return parse_done_reason((await self._engine.asend(build_load_call(name, keep_alive, self.config))).data)

    def unload_model(self, name: str) -> str:
        """Unload a model now (keep_alive 0); returns the server's done_reason ("unload")."""
        return parse_done_reason(self._engine.send(build_load_call(name, 0, self.config)).data)

    async def aunload_model(self, name: str) -> str:
        """Async twin of `unload_model`."""
        return parse_done_reason((await self._engine.asend(build_load_call(name, 0, self.config))).data)

    def pull_model(self, name: str, *, insecure: bool = False) -> Generator[PullUpdate, None, None]:
        """Download a model onto the server (POST /api/pull), yielding its progress lines.

        Ends after the server's "success"; a failure reported inside the stream (e.g. no registry access)
        raises StreamError with the server's reason. Closing the iterator early cancels the pull.
        """
        with closing(self._engine.stream(build_pull_call(name, insecure=insecure))) as lines:
            for host, line in lines:
                update = parse_pull_line(line, model=name, url=host)
                yield update
                if update.succeeded:
                    return
        raise StreamError(f"the pull of {name} ended before the server reported success")

    async def apull_model(self, name: str, *, insecure: bool = False) -> AsyncGenerator[PullUpdate, None]:
        """Async twin of `pull_model`."""
        async with aclosing(self._engine.astream(build_pull_call(name, insecure=insecure))) as lines:
            async for host, line in lines:
                update = parse_pull_line(line, model=name, url=host)
                yield update
                if update.succeeded:
                    return
        raise StreamError(f"the pull of {name} ended before the server reported success")
