"""One logical request (`Call`) and its decoded answer (`Reply`): what the endpoint builders and the engine share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

__all__ = ["PING", "Call", "Reply", "bearer", "refuse_unsendable"]

_MODEL_WARMING_PATHS = frozenset({"/api/chat", "/api/generate", "/api/embed"})
_UNLOAD = (0, "0", "0s")


@dataclass(frozen=True)
class Call:
    """One logical request: routed to a host, retried, and parsed the same way on every path."""

    method: str
    path: str
    payload: dict[str, Any] | None = None
    model: str | None = None
    host: str | None = None  # pin to one host (health checks, per-host listings)
    headers: dict[str, str] | None = None  # per-call headers (an api_key given to one call)
    resend: bool = True  # False: changes the server (pull): never sent again once it may have arrived
    # The call as sent to one host, when its body depends on the host (num_ctx sized per host and model).
    per_host: Callable[[str], Call] | None = field(default=None, compare=False, repr=False)

    def for_host(self, host: str) -> Call:
        """The call to send to `host`: itself, unless its body depends on the host."""
        return self if self.per_host is None else self.per_host(host)

    def body(self) -> bytes | None:
        """The request body: compact JSON, byte-identical for equal payloads (cassettes match on it)."""
        return None if self.payload is None else to_json(self.payload)

    @property
    def warms_model(self) -> bool:
        """Whether a success leaves `model` loaded on the host (what COST_OPTIMIZED routing prefers)."""
        keep_alive = (self.payload or {}).get("keep_alive")
        unloads = isinstance(keep_alive, int | str) and keep_alive in _UNLOAD
        return self.path in _MODEL_WARMING_PATHS and not unloads


PING = Call("GET", "/")


@dataclass(frozen=True)
class Reply:
    """A decoded answer and the host that gave it."""

    data: dict[str, Any]
    host: str
    raw: bytes


def bearer(api_key: str | None) -> dict[str, str] | None:
    """The per-call Authorization header for an `api_key` given to one call (None: the config's headers)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else None


def refuse_unsendable(user: str | None, metadata: dict[str, Any]) -> None:
    """Refuse the seed's `user` and `metadata` fields when set: Ollama's API has nowhere to send them."""
    if user is not None:
        raise ValueError("Ollama's API has no `user` field: leave LLMRequest.user / EmbeddingsRequest.user unset")
    if metadata:
        raise ValueError("Ollama's API has no request `metadata`: leave it empty (keep your own tags beside the "
                         "request instead)")
