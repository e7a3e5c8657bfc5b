"""Model management and health methods of OllamaClient (a mixin, to keep client.py small)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Generator
from contextlib import aclosing, closing
from typing import TYPE_CHECKING, Any, cast

from ._engine import Call, Reply
from ._keepalive import KeepAlive, normalize_keep_alive
from ._model_protocol import build_load_payload, merge_model_info
from ._pull_protocol import PullUpdate, build_pull_call, parse_pull_line
from .catalog import CATALOG, get_model_info, normalize_model_name
from .errors import LLMError, ParseError, StreamError
from .model_info import ModelInfo, RunningModel

if TYPE_CHECKING:
    from ._breaker import CircuitState
    from ._engine import Engine
    from ._routing import HostPool
    from .config import OllamaConfig

__all__ = ["ModelManagementMixin"]

logger = logging.getLogger("cb_ollama_integrations")

_Lines = Generator[tuple[str, bytes], None, None]  # the engine's streams are generators: closable
_ALines = AsyncGenerator[tuple[str, bytes], None]


def _reraise(exc: BaseException) -> BaseException:
    raise exc  # not a host failure (e.g. cancellation): never swallowed


def _bearer(api_key: str | None) -> dict[str, str] | None:
    return {"Authorization": f"Bearer {api_key}"} if api_key else None


def _tags(data: dict[str, Any]) -> list[dict[str, Any]]:
    models = data.get("models")
    if not isinstance(models, list):
        raise ParseError("GET /api/tags answered without a `models` list")
    return [m for m in models if isinstance(m, dict) and m.get("name")]


def _running(data: dict[str, Any], host: str) -> list[RunningModel]:
    return [
        RunningModel(name=m["name"], host=host, size_bytes=m.get("size") or 0, size_vram=m.get("size_vram") or 0,
                     context_length=m.get("context_length"), expires_at=m.get("expires_at"), digest=m.get("digest"))
        for m in data.get("models") or [] if isinstance(m, dict) and m.get("name")
    ]


class ModelManagementMixin:
    """Listing, inspecting, loading and unloading models; health and breaker state."""

    config: OllamaConfig
    _engine: Engine
    _pool: HostPool
    _known_models: set[str]

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None, *,
              model: str | None = None, host: str | None = None) -> Call:
        return Call(method, path, payload, model=model, host=host)

    def _load_payload(self, name: str, keep_alive: KeepAlive | None) -> dict[str, Any]:
        value = normalize_keep_alive(keep_alive) if keep_alive is not None else self.config.keep_alive
        return build_load_payload(name, value if value is not None else "5m")

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
        hosts, headers = [host] if host else list(self.config.hosts), _bearer(api_key)
        return any([self._engine.ping(url, headers) for url in hosts])  # noqa: C419 - probe every host, no short-circuit

    async def ahealth_check(self, api_key: str | None = None, *, host: str | None = None) -> bool:
        """Async twin of `health_check` (hosts are probed concurrently)."""
        hosts, headers = [host] if host else list(self.config.hosts), _bearer(api_key)
        return any(await asyncio.gather(*(self._engine.aping(url, headers) for url in hosts)))

    def version(self) -> str:
        """The server's version string (GET /api/version); a source build may report 0.0.0."""
        return str(self._engine.send(self._call("GET", "/api/version")).data.get("version", ""))

    async def aversion(self) -> str:
        """Async twin of `version`."""
        return str((await self._engine.asend(self._call("GET", "/api/version"))).data.get("version", ""))

    # -- live models ------------------------------------------------------------------------------------
    def _remember(self, infos: list[ModelInfo]) -> list[ModelInfo]:
        self._known_models |= {normalize_model_name(i.id) for i in infos}
        return infos

    def fetch_available_models(self) -> list[ModelInfo]:
        """Installed models (GET /api/tags), each enriched from POST /api/show (context window, capabilities)."""
        tags = _tags(self._engine.send(self._call("GET", "/api/tags")).data)
        shows = [self._engine.send(self._call("POST", "/api/show", {"model": t["name"]}, model=t["name"])).data
                 for t in tags]
        return self._remember([merge_model_info(t["name"], t, s) for t, s in zip(tags, shows, strict=True)])

    async def afetch_available_models(self) -> list[ModelInfo]:
        """Async twin of `fetch_available_models` (the /api/show calls run concurrently)."""
        tags = _tags((await self._engine.asend(self._call("GET", "/api/tags"))).data)
        replies = await asyncio.gather(*(
            self._engine.asend(self._call("POST", "/api/show", {"model": t["name"]}, model=t["name"])) for t in tags
        ))
        return self._remember([merge_model_info(t["name"], t, r.data) for t, r in zip(tags, replies, strict=True)])

    def show_model(self, name: str) -> ModelInfo:
        """Facts about one installed model from POST /api/show; ModelNotFoundError if it is not installed."""
        data = self._engine.send(self._call("POST", "/api/show", {"model": name}, model=name)).data
        return merge_model_info(name, None, data).model_copy(update={"installed": True})

    async def ashow_model(self, name: str) -> ModelInfo:
        """Async twin of `show_model`."""
        data = (await self._engine.asend(self._call("POST", "/api/show", {"model": name}, model=name))).data
        return merge_model_info(name, None, data).model_copy(update={"installed": True})

    def _note_running(self, host: str, running: list[RunningModel]) -> list[RunningModel]:
        self._pool.host(host).loaded_models = {normalize_model_name(m.name) for m in running}
        return running

    def _running_on(self, answers: list[Reply | BaseException]) -> list[RunningModel]:
        """Models of the hosts that answered; an unreachable host is skipped (all unreachable: its error)."""
        replies = [a for a in answers if isinstance(a, Reply)]
        if not replies:
            raise next(a for a in answers if isinstance(a, BaseException))
        for failed in (a for a in answers if isinstance(a, BaseException)):
            logger.info("list_running: a host did not answer /api/ps: %s", failed)
        return [m for r in replies for m in self._note_running(r.host, _running(r.data, r.host))]

    def list_running(self) -> list[RunningModel]:
        """Models loaded in memory on every host that answers (GET /api/ps), with size, VRAM and expiry."""
        answers: list[Reply | BaseException] = []
        for host in self.config.hosts:
            try:
                answers.append(self._engine.send(self._call("GET", "/api/ps", host=host)))
            except LLMError as exc:
                answers.append(exc)
        return self._running_on(answers)

    async def alist_running(self) -> list[RunningModel]:
        """Async twin of `list_running` (hosts asked concurrently)."""
        answers = await asyncio.gather(*(self._engine.asend(self._call("GET", "/api/ps", host=h))
                                         for h in self.config.hosts), return_exceptions=True)
        return self._running_on([a if isinstance(a, Reply | LLMError) else _reraise(a) for a in answers])

    def load_model(self, name: str, keep_alive: KeepAlive | None = None) -> str:
        """Load a model without generating (empty chat request); returns the server's done_reason ("load")."""
        payload = self._load_payload(name, keep_alive)
        return str(self._engine.send(self._call("POST", "/api/chat", payload, model=name)).data.get("done_reason"))

    async def aload_model(self, name: str, keep_alive: KeepAlive | None = None) -> str:
        """Async twin of `load_model`."""
        payload = self._load_payload(name, keep_alive)
        reply = await self._engine.asend(self._call("POST", "/api/chat", payload, model=name))
        return str(reply.data.get("done_reason"))

    def unload_model(self, name: str) -> str:
        """Unload a model now (keep_alive 0); returns the server's done_reason ("unload")."""
        payload = self._load_payload(name, 0)
        return str(self._engine.send(self._call("POST", "/api/chat", payload, model=name)).data.get("done_reason"))

    async def aunload_model(self, name: str) -> str:
        """Async twin of `unload_model`."""
        reply = await self._engine.asend(self._call("POST", "/api/chat", self._load_payload(name, 0), model=name))
        return str(reply.data.get("done_reason"))

    def pull_model(self, name: str, *, insecure: bool = False) -> Generator[PullUpdate, None, None]:
        """Download a model onto the server (POST /api/pull), yielding its progress lines.

        Ends after the server's "success"; a failure reported inside the stream (e.g. no registry access)
        raises StreamError with the server's reason. Closing the iterator early cancels the pull.
        """
        stream = cast(_Lines, self._engine.stream(build_pull_call(name, insecure=insecure)))
        with closing(stream) as lines:
            for host, line in lines:
                update = parse_pull_line(line, model=name, url=host)
                yield update
                if update.succeeded:
                    return
        raise StreamError(f"the pull of {name} ended before the server reported success")

    async def apull_model(self, name: str, *, insecure: bool = False) -> AsyncGenerator[PullUpdate, None]:
        """Async twin of `pull_model`."""
        astream = cast(_ALines, self._engine.astream(build_pull_call(name, insecure=insecure)))
        async with aclosing(astream) as lines:
            async for host, line in lines:
                update = parse_pull_line(line, model=name, url=host)
                yield update
                if update.succeeded:
                    return
        raise StreamError(f"the pull of {name} ended before the server reported success")
