"""Embedding batches are capped by count and by characters (pure: `batch_bounds` and `build_embed_calls`)."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from cb_ollama_integrations import EmbeddingsRequest, OllamaConfig
from cb_ollama_integrations._protocol.embed import batch_bounds, build_embed_calls
from cb_ollama_integrations.config import EMBED_BATCH_CHARS


def sizes(texts: list[str], bounds: list[tuple[int, int]]) -> list[list[int]]:
    return [[len(text) for text in texts[start:end]] for start, end in bounds]


def test_batches_are_cut_by_count() -> None:
    assert batch_bounds(["a"] * 7, 3, 1_000) == [(0, 3), (3, 6), (6, 7)]


def test_batches_are_cut_by_characters() -> None:
    texts = ["x" * 40, "x" * 40, "x" * 30, "x" * 50, "x" * 10]
    assert sizes(texts, batch_bounds(texts, 100, 100)) == [[40, 40], [30, 50, 10]]


def test_a_batch_may_reach_the_cap_exactly() -> None:
    texts = ["x" * 50, "x" * 50, "x"]
    assert batch_bounds(texts, 100, 100) == [(0, 2), (2, 3)]


def test_a_text_longer_than_the_cap_is_a_batch_of_its_own() -> None:
    texts = ["x" * 10, "x" * 500, "x" * 10, "x" * 10]
    assert sizes(texts, batch_bounds(texts, 100, 100)) == [[10], [500], [10, 10]]
    assert batch_bounds(["x" * 500], 100, 100) == [(0, 1)]


def test_no_texts_no_batches() -> None:
    assert batch_bounds([], 10, 10) == []


def test_every_text_is_in_exactly_one_batch_in_order() -> None:
    texts = [("y" * ((i * 37) % 211)) for i in range(500)]
    bounds = batch_bounds(texts, 9, 400)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(texts)
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(bounds))
    for start, end in bounds:
        assert end - start <= 9
        assert end - start == 1 or sum(len(t) for t in texts[start:end]) <= 400


def test_calls_carry_their_batch_and_first_index() -> None:
    config = OllamaConfig(embed_batch_size=10, embed_batch_chars=8, keep_alive=None)
    request = EmbeddingsRequest(model="all-minilm", input=["abcd", "efgh", "ijklmnopqrst", "u"])
    calls = build_embed_calls(request, config, None)
    assert [(start, call.payload["input"]) for start, call in calls if call.payload] == [
        (0, ["abcd", "efgh"]), (2, ["ijklmnopqrst"]), (3, ["u"])]


def test_the_character_cap_has_a_documented_default_and_must_be_positive() -> None:
    assert OllamaConfig().embed_batch_chars == EMBED_BATCH_CHARS == 32_000
    with pytest.raises(ValidationError, match="embed_batch_chars"):
        OllamaConfig(embed_batch_chars=0)
