"""Pure building and parsing for /api/embed, /api/tags, /api/show, /api/ps and load/unload requests."""

from __future__ import annotations

from typing import Any

from .catalog import get_model_info
from .config import OllamaConfig
from .errors import ParseError
from .model_info import ModelCapability, ModelInfo
from .types import EmbeddingData, EmbeddingsRequest, TokenUsage

__all__ = [
    "build_embed_payload",
    "build_load_payload",
    "merge_model_info",
    "parse_embed_vectors",
]

_SERVER_CAPABILITIES = {
    "completion": [ModelCapability.TEXT_GENERATION, ModelCapability.CONVERSATIONAL_AI],
    "tools": [ModelCapability.TOOLS],
    "thinking": [ModelCapability.THINKING, ModelCapability.REASONING],
    "vision": [ModelCapability.VISION],
    "embedding": [ModelCapability.EMBEDDING],
}


def build_embed_payload(
    request: EmbeddingsRequest, texts: list[str], config: OllamaConfig
) -> dict[str, Any]:
    """The /api/embed body for one batch of texts; unset options are left out."""
    payload: dict[str, Any] = {"model": request.model or config.embedding_model, "input": texts}
    if request.dimensions is not None:
        payload["dimensions"] = request.dimensions
    if request.truncate is not None:
        payload["truncate"] = request.truncate
    keep_alive = request.keep_alive if request.keep_alive is not None else config.keep_alive
    if keep_alive is not None:
        payload["keep_alive"] = keep_alive
    if request.options:
        payload["options"] = request.options
    return payload


def parse_embed_vectors(
    data: dict[str, Any], *, expected: int, offset: int, url: str | None = None
) -> tuple[list[EmbeddingData], TokenUsage]:
    """The vectors of one /api/embed answer, indexed from `offset`; the count must match the batch."""
    vectors = data.get("embeddings")
    if not isinstance(vectors, list) or len(vectors) != expected:
        got = len(vectors) if isinstance(vectors, list) else "no"
        raise ParseError(f"expected {expected} embeddings from the server, got {got}", url=url)
    # Trusted decoded JSON: model_construct skips re-validating millions of floats.
    items = [EmbeddingData.model_construct(object="embedding", index=offset + i, embedding=v)
             for i, v in enumerate(vectors)]
    prompt = int(data.get("prompt_eval_count") or 0)
    return items, TokenUsage(prompt_tokens=prompt, total_tokens=prompt)


def build_load_payload(model: str, keep_alive: object) -> dict[str, Any]:
    """An empty chat request: loads the model (keep_alive > 0) or unloads it (keep_alive 0)."""
    return {"model": model, "messages": [], "stream": False, "keep_alive": keep_alive}


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
