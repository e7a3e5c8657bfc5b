"""Pure building and parsing for POST /api/embed: batches, their calls, and vectors back in input order."""

from __future__ import annotations

from typing import Any

from ..config import OllamaConfig
from ..types import EmbeddingData, EmbeddingsRequest, EmbeddingsResponse, TokenUsage
from .calls import Call, Reply, bearer, refuse_unsendable
from .validators import count, reports_malformed, vectors

__all__ = ["EmbedPart", "batch_bounds", "build_embed_calls", "build_embed_payload", "combine_embed_parts",
           "parse_embed_part", "parse_embed_vectors"]

EmbedPart = tuple[list[EmbeddingData], int]  # one batch's vectors and its prompt tokens


def build_embed_payload(request: EmbeddingsRequest, texts: list[str], config: OllamaConfig) -> dict[str, Any]:
    """The /api/embed body for one batch of texts; unset options are left out."""
    payload: dict[str, Any] = {"model": request.model or config.embedding_model, "input": texts}
    if request.dimensions is not None:
        payload["dimensions"] = request.dimensions
    if request.truncate is not None:
        payload["truncate"] = request.truncate
    keep_alive = request.keep_alive if request.keep_alive is not None else config.keep_alive
    if keep_alive is not None:
        payload["keep_alive"] = keep_alive
    options = {key: value for key, value in (request.options or {}).items() if value is not None}
    if options:  # None values skipped: clients ported from ollama-python send explicit nulls
        payload["options"] = options
    return payload


def batch_bounds(texts: list[str], max_texts: int, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) of consecutive batches of at most `max_texts` texts and `max_chars` characters in all.

    A text longer than `max_chars` is a batch of its own (it is sent, never cut or dropped).
    """
    bounds: list[tuple[int, int]] = []
    start = chars = 0
    for index, text in enumerate(texts):
        if index > start and (index - start >= max_texts or chars + len(text) > max_chars):
            bounds.append((start, index))
            start, chars = index, 0
        chars += len(text)
    if texts:
        bounds.append((start, len(texts)))
    return bounds


def build_embed_calls(request: EmbeddingsRequest, config: OllamaConfig, api_key: str | None) -> list[tuple[int, Call]]:
    """One call per batch (at most `config.embed_batch_size` texts and `config.embed_batch_chars` characters),
    with the index of its first text."""
    refuse_unsendable(request.user, request.metadata)
    texts, model = request.texts, request.model or config.embedding_model
    return [
        (start, Call("POST", "/api/embed", build_embed_payload(request, texts[start:end], config),
                     model=model, headers=bearer(api_key)))
        for start, end in batch_bounds(texts, config.embed_batch_size, config.embed_batch_chars)
    ]


@reports_malformed("/api/embed answer")
def parse_embed_vectors(
    data: dict[str, Any], *, expected: int, offset: int, url: str | None = None, dimensions: int | None = None
) -> tuple[list[EmbeddingData], TokenUsage]:
    """The vectors of one /api/embed answer, indexed from `offset`.

    Checked: the count matches the batch, every vector is a list of finite numbers of one length, and that
    length is `dimensions` when it was requested (ParseError otherwise).
    """
    checked = vectors(data.get("embeddings"), expected=expected, dimensions=dimensions, url=url)
    # Checked above at C speed: model_construct skips re-validating millions of floats.
    items = [EmbeddingData.model_construct(object="embedding", index=offset + i, embedding=v)
             for i, v in enumerate(checked)]
    prompt = count(data, "prompt_eval_count", url)
    return items, TokenUsage(prompt_tokens=prompt, total_tokens=prompt)


def parse_embed_part(start: int, call: Call, reply: Reply) -> EmbedPart:
    """One batch's answer: its vectors (indexed from `start`) and prompt tokens."""
    payload = call.payload or {}
    items, usage = parse_embed_vectors(reply.data, expected=len(payload.get("input", ())), offset=start,
                                       url=reply.host, dimensions=payload.get("dimensions"))
    return items, usage.prompt_tokens


def combine_embed_parts(request: EmbeddingsRequest, config: OllamaConfig, parts: list[EmbedPart]) -> EmbeddingsResponse:
    """The whole answer: every batch's vectors in input order, prompt tokens summed."""
    prompt = sum(tokens for _, tokens in parts)
    response = EmbeddingsResponse(id=request.id, model=request.model or config.embedding_model, data=[],
                                  usage=TokenUsage(prompt_tokens=prompt, total_tokens=prompt))
    response.data = [item for items, _ in parts for item in items]  # built from decoded JSON: no re-validation
    return response
