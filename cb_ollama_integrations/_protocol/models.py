"""Pure building and parsing for model management: /api/tags, /api/show, /api/ps, /api/version, load/unload."""

from __future__ import annotations

from typing import Any

from ..catalog import get_model_info
from ..config import KeepAlive, OllamaConfig, normalize_keep_alive
from ..errors import ParseError
from ..model_info import ModelCapability, ModelInfo, RunningModel
from .calls import Call

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


def parse_done_reason(data: dict[str, Any]) -> str:
    """The done_reason of a load/unload answer ("load", "unload")."""
    return str(data.get("done_reason"))


def parse_version(data: dict[str, Any]) -> str:
    """The version string of GET /api/version (a source build may report 0.0.0)."""
    return str(data.get("version", ""))


def parse_tags(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The installed-model entries of GET /api/tags that have a name."""
    models = data.get("models")
    if not isinstance(models, list):
        raise ParseError("GET /api/tags answered without a `models` list")
    return [m for m in models if isinstance(m, dict) and m.get("name")]


def parse_running(data: dict[str, Any], host: str) -> list[RunningModel]:
    """The loaded models of one host's GET /api/ps answer."""
    return [
        RunningModel(name=m["name"], host=host, size_bytes=m.get("size") or 0, size_vram=m.get("size_vram") or 0,
                     context_length=m.get("context_length"), expires_at=m.get("expires_at"), digest=m.get("digest"))
        for m in data.get("models") or [] if isinstance(m, dict) and m.get("name")
    ]


def parse_show(name: str, data: dict[str, Any]) -> ModelInfo:
    """An installed model's facts from POST /api/show, over the catalog's defaults."""
    return merge_model_info(name, None, data).model_copy(update={"installed": True})


def merge_model_info(name: str, tags_entry: dict[str, Any] | None, show: dict[str, Any] | None) -> ModelInfo:
    """Server facts (from /api/tags and /api/show) laid over the catalog's defaults for `name`."""
    base = get_model_info(name)
    details = {**((show or {}).get("details") or {}), **((tags_entry or {}).get("details") or {})}
    model_info = (show or {}).get("model_info") or {}
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
