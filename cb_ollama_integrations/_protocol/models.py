"""Pure building and parsing for model management: /api/tags, /api/show, /api/ps, /api/version, load/unload."""

from __future__ import annotations

from typing import Any

from ..catalog import get_model_info
from ..config import KeepAlive, OllamaConfig, normalize_keep_alive
from ..errors import ParseError
from ..model_info import ModelCapability, ModelInfo, RunningModel
from .calls import Call
from .validators import object_list, optional_text, reports_malformed, text

__all__ = [
    "TAGS",
    "VERSION",
    "build_load_call",
    "build_ps_call",
    "build_show_call",
    "merge_model_info",
    "parse_done_reason",
    "parse_running",
    "parse_show",
    "parse_tags",
    "parse_version",
]

TAGS = Call("GET", "/api/tags")
VERSION = Call("GET", "/api/version")

_SERVER_CAPABILITIES = {
    "completion": [ModelCapability.TEXT_GENERATION, ModelCapability.CONVERSATIONAL_AI],
    "tools": [ModelCapability.TOOLS],
    "thinking": [ModelCapability.THINKING, ModelCapability.REASONING],
    "vision": [ModelCapability.VISION],
    "embedding": [ModelCapability.EMBEDDING],
}


def build_show_call(name: str) -> Call:
    """POST /api/show for one model (its context window, capabilities, details)."""
    return Call("POST", "/api/show", {"model": name}, model=name)


def build_ps_call(host: str) -> Call:
    """GET /api/ps pinned to one host (each host has its own loaded models)."""
    return Call("GET", "/api/ps", host=host)


def build_load_call(name: str, keep_alive: KeepAlive | None, config: OllamaConfig) -> Call:
    """An empty chat request: loads the model (keep_alive > 0, default the config's, else 5m) or unloads it (0)."""
    value = normalize_keep_alive(keep_alive) if keep_alive is not None else config.keep_alive
    payload = {"model": name, "messages": [], "stream": False, "keep_alive": value if value is not None else "5m"}
    return Call("POST", "/api/chat", payload, model=name)


@reports_malformed("load/unload answer")
def parse_done_reason(data: dict[str, Any]) -> str:
    """The done_reason of a load/unload answer ("load", "unload")."""
    return text(data.get("done_reason"), "done_reason")


@reports_malformed("/api/version answer")
def parse_version(data: dict[str, Any]) -> str:
    """The version string of GET /api/version (a source build may report 0.0.0)."""
    return text(data.get("version"), "version")


@reports_malformed("/api/tags answer")
def parse_tags(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The installed-model entries of GET /api/tags (each must have a string name)."""
    if not isinstance(data.get("models"), list):
        raise ParseError("GET /api/tags answered without a `models` list")
    models = object_list(data.get("models"), "models")
    for entry in models:
        if not text(entry.get("name"), "models[].name"):
            raise ValueError(f"a models[] entry has no name: {entry!r:.80}")
        if not isinstance(entry.get("details", {}), dict):
            raise ValueError(f"models[].details must be an object, got {entry['details']!r:.80}")
    return models


@reports_malformed("/api/ps answer")
def parse_running(data: dict[str, Any], host: str) -> list[RunningModel]:
    """The loaded models of one host's GET /api/ps answer."""
    return [
        RunningModel(name=text(m.get("name"), "models[].name", host), host=host, size_bytes=m.get("size") or 0,
                     size_vram=m.get("size_vram") or 0, context_length=m.get("context_length"),
                     expires_at=optional_text(m.get("expires_at"), "models[].expires_at", host),
                     digest=optional_text(m.get("digest"), "models[].digest", host))
        for m in object_list(data.get("models"), "models", host)
    ]


@reports_malformed("/api/show answer")
def parse_show(name: str, data: dict[str, Any]) -> ModelInfo:
    """An installed model's facts from POST /api/show, over the catalog's defaults."""
    return merge_model_info(name, None, data).model_copy(update={"installed": True})


def _object(body: dict[str, Any] | None, key: str) -> dict[str, Any]:
    value = (body or {}).get(key)
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"`{key}` must be an object, got {value!r:.80}")
    return value or {}


@reports_malformed("/api/show or /api/tags answer")
def merge_model_info(name: str, tags_entry: dict[str, Any] | None, show: dict[str, Any] | None) -> ModelInfo:
    """Server facts (from /api/tags and /api/show) laid over the catalog's defaults for `name`."""
    base = get_model_info(name)
    details = {**_object(show, "details"), **_object(tags_entry, "details")}
    model_info = _object(show, "model_info")
    arch = model_info.get("general.architecture")
    context = model_info.get(f"{arch}.context_length") if arch else None
    dimension = model_info.get(f"{arch}.embedding_length") if arch else None
    server_caps = (show or {}).get("capabilities")
    capabilities = list(base.capabilities) if base else []
    if isinstance(server_caps, list):
        capabilities = [c for c in capabilities if c in (ModelCapability.CODE_GENERATION, ModelCapability.REASONING)]
        for cap in server_caps:
            capabilities += [c for c in _SERVER_CAPABILITIES.get(str(cap), []) if c not in capabilities]
    embedding = ModelCapability.EMBEDDING in capabilities
    window = int(context) if isinstance(context, int) else (base.context_window if base else 4096)
    return ModelInfo(
        id=name,
        name=base.name if base else name,
        context_window=window,
        max_output_tokens=0 if embedding else (base.max_output_tokens if base else min(window, 4096)),
        supports_streaming=not embedding,
        supports_function_calling=ModelCapability.TOOLS in capabilities,
        capabilities=capabilities,
        embedding_dimension=(int(dimension) if embedding and isinstance(dimension, int)
                             else (base.embedding_dimension if base else None)),
        family=details.get("family") or (base.family if base else None),
        parameter_size=details.get("parameter_size"),
        quantization=details.get("quantization_level"),
        size_bytes=(tags_entry or {}).get("size"),
        installed=tags_entry is not None,
        source="server",
    )
