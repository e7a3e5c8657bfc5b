"""The catalog's embedding prefixes: one table, read by both frameworks' embedding classes."""

from __future__ import annotations

import pytest

from cb_ollama_integrations.catalog import embedding_instructions


@pytest.mark.parametrize(("model", "expected"), [
    ("nomic-embed-text", ("search_query: ", "search_document: ")),
    ("nomic-embed-text:v1.5", ("search_query: ", "search_document: ")),
    ("e5-large", ("query: ", "passage: ")),
    ("multilingual-e5:latest", ("query: ", "passage: ")),
    ("mxbai-embed-large", ("Represent this sentence for searching relevant passages: ", "")),
    ("all-minilm", ("", "")),
    ("nomic-embed-textual", ("", "")),  # another family whose name merely starts alike
])
def test_family_prefixes(model: str, expected: tuple[str, str]) -> None:
    assert embedding_instructions(model) == expected


def test_explicit_prefixes_win_and_empty_switches_one_off() -> None:
    assert embedding_instructions("nomic-embed-text", query="") == ("", "search_document: ")
    assert embedding_instructions("all-minilm", "q: ", "d: ") == ("q: ", "d: ")
