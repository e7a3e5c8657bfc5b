"""A leading <think> block written into the answer is moved to the thinking text, however it is chunked."""

from __future__ import annotations

import pytest

from cb_ollama_integrations._protocol.chat_response import StreamAssembler, parse_chat_response
from cb_ollama_integrations._protocol.think_tags import LeadingThinkSplitter

ANSWER = "\n<think>\nThe user greets me. I greet back.\n</think>\n\nHello! How can I help?"


def split_in_pieces(text: str, size: int) -> tuple[str, str]:
    splitter = LeadingThinkSplitter()
    content, thinking = "", ""
    for start in range(0, len(text), size):
        c, t = splitter.feed(text[start:start + size])
        content, thinking = content + c, thinking + t
    c, t = splitter.flush()
    return content + c, thinking + t


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_a_leading_block_is_moved_whatever_the_chunk_size(size: int) -> None:
    assert split_in_pieces(ANSWER, size) == ("Hello! How can I help?", "\nThe user greets me. I greet back.\n")


@pytest.mark.parametrize("text", ["Use <think> tags like this.", "No tags at all.", "<thin", "  <b>bold</b>"])
def test_anything_else_is_left_alone(text: str) -> None:
    assert split_in_pieces(text, 2) == (text, "")


def test_an_unclosed_block_is_all_thinking() -> None:
    assert split_in_pieces("<think>still going", 3) == ("", "still going")


def test_streams_and_whole_answers_use_it_only_without_a_thinking_field() -> None:
    assembler = StreamAssembler()
    pieces = ["<thi", "nk>plan</th", "ink>Hi", " there"]
    chunks = [assembler.feed({"model": "m", "message": {"content": p}, "done": False}) for p in pieces]
    chunks.append(assembler.feed({"model": "m", "message": {"content": ""}, "done": True}))
    assert "".join(c.choices[0].delta.content for c in chunks) == "Hi there"
    assert "".join(c.choices[0].delta.thinking or "" for c in chunks) == "plan"
    whole = parse_chat_response({"model": "m", "message": {"content": ANSWER}, "done": True}, response_id="r")
    assert whole.choices[0].message.content == "Hello! How can I help?"
    assert whole.choices[0].message.thinking == "\nThe user greets me. I greet back.\n"
    proper = {"model": "m", "message": {"content": "<think>kept</think>x", "thinking": "real"}, "done": True}
    assert parse_chat_response(proper, response_id="r").choices[0].message.content == "<think>kept</think>x"
