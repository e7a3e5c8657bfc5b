"""llama-index's Ollama / OllamaEmbedding constructor arguments: renamed, or refused with what to use instead.

LlamaIndex components ignore unknown keyword arguments by default, so a misspelt or unsupported argument
would vanish; these classes refuse them instead, naming the equivalent when there is one.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .._adapters.anchor_compat import CLIENT_KWARGS, rename_alias

if TYPE_CHECKING:
    from ..client import OllamaClient

__all__ = ["check_arguments", "check_client"]

_REFUSED = {
    "prompt_key": "it has no effect (llama-index's Ollama never read it either): drop it",
    "async_client": "pass one client=OllamaClient(...): it serves sync and async calls",
}
_RENAMED = {"ollama_additional_kwargs": "additional_kwargs"}


def check_client(client: object) -> OllamaClient | None:
    """The injected core client; an ollama-python client is refused with what to pass instead."""
    module = sys.modules.get("cb_ollama_integrations.client")  # no module loaded: no OllamaClient can exist
    if client is None or (module is not None and isinstance(client, module.OllamaClient)):
        return client
    raise TypeError(f"client must be a cb_ollama_integrations OllamaClient, not {type(client).__name__}: pass "
                    "client=OllamaClient(OllamaConfig(base_url=...)), or base_url/headers/request_timeout")


def check_arguments(cls: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """Constructor data with the anchors' renamed arguments moved; unknown ones raise TypeError."""
    values: Any = dict(data)
    for alias, name in _RENAMED.items():
        values = rename_alias(values, alias, name)
    for name, why in _REFUSED.items():
        if name in values:
            raise TypeError(f"{cls.__name__}({name}=...) is not supported: {why}")
    known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias} | set(CLIENT_KWARGS)
    unknown = sorted(set(values) - known - {"class_name"})
    if unknown:
        raise TypeError(f"unexpected argument(s) for {cls.__name__}: {unknown}; Ollama options go in "
                        "additional_kwargs={...}")
    values.pop("class_name", None)
    result: dict[str, Any] = values
    return result
