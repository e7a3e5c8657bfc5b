"""The stream fast path (plain text lines copied from one validated chunk) builds what validation builds.

Every stream is fed twice: through `StreamAssembler.feed` (fast path on) and line by line through the full
validation alone, with the same id, timestamp and host; the chunks must be equal field by field, with the
same set fields, and a malformed line must be refused with the very same ParseError either way.
"""

from __future__ import annotations

from typing import Any

import pytest

from cb_ollama_integrations._protocol.chat_response import StreamAssembler
from cb_ollama_integrations.errors import ParseError
from cb_ollama_integrations.types import StreamingChunk

HOST = "http://127.0.0.1:11434"


def _line(content: Any, **extra: Any) -> dict[str, Any]:
    return {"model": "smollm2:135m", "created_at": "2026-11-24T22:33:14.33Z",
            "message": {"role": "assistant", "content": content}, "done": False, **extra}


DONE = {"model": "smollm2:135m", "created_at": "2026-11-24T22:33:15Z", "message": {"role": "assistant",
        "content": ""}, "done": True, "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 5,
        "total_duration": 10, "eval_duration": 4}

STREAMS = {
    "plain": [_line("The"), _line(" sky"), _line(" is"), _line(" blue"), DONE],
    "leading think block": [_line("<think>"), _line("hmm"), _line("</think>"), _line("\n\n"), _line("Blue"),
                            _line(" sky"), DONE],
    "split think tag then text": [_line("<thi"), _line("nk>a"), _line("</think>Yes"), _line(" it"), DONE],
    "thinking field mid stream": [_line("A"), _line(" b"), {**_line(""), "message": {"role": "assistant",
                                  "content": "", "thinking": "why"}}, _line(" c"), DONE],
    "tool call then text": [_line("x"), {**_line(""), "message": {"role": "assistant", "content": "", "tool_calls":
                            [{"function": {"name": "f", "arguments": {"a": 1}}}]}}, _line(" y"), DONE],
    "logprobs and images": [_line("a"), _line("b", logprobs=[{"token": "b", "logprob": -0.1}]),
                            {**_line(""), "message": {"role": "assistant", "content": "c", "images": ["aGk="]}},
                            _line("d"), DONE],
    "model changes": [_line("a"), {**_line("b"), "model": "other"}, _line("c"), DONE],
    "null created_at and role": [_line("a"), {**_line("b"), "created_at": None},
                                 {**_line("c"), "message": {"content": "c"}}, DONE],
    "unknown key": [_line("a"), _line("b", context=[1, 2]), _line("c"), DONE],
}


def _twins() -> tuple[StreamAssembler, StreamAssembler]:
    fast, full = StreamAssembler(host=HOST), StreamAssembler(host=HOST)
    full.id, full.created = fast.id, fast.created
    return fast, full


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    assert a == b
    assert a.model_dump() == b.model_dump()
    assert a.model_fields_set == b.model_fields_set
    for part_a, part_b in ((a.choices[0], b.choices[0]), (a.choices[0].delta, b.choices[0].delta)):
        assert part_a.model_fields_set == part_b.model_fields_set
    assert repr(a) == repr(b)


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_fed_chunks_equal_fully_validated_ones(name: str) -> None:
    fast, full = _twins()
    for data in STREAMS[name]:
        _same(fast.feed(data), full._validated(data))
        assert (fast.done, fast.partial_content) == (full.done, full.partial_content)


def test_plain_lines_after_the_first_are_not_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    validations = []
    real = StreamingChunk.model_validate

    def counting(data: Any, **kwargs: Any) -> StreamingChunk:
        validations.append(data)
        return real(data, **kwargs)

    monkeypatch.setattr(StreamingChunk, "model_validate", counting)
    assembler = StreamAssembler(host=HOST)
    chunks = [assembler.feed(_line(f" w{i}")) for i in range(100)] + [assembler.feed(DONE)]
    assert len(validations) == 2  # the first plain line and the done line
    assert "".join(c.choices[0].delta.content for c in chunks) == "".join(f" w{i}" for i in range(100))
    assert chunks[-1].done and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 8


def test_copied_chunks_are_independent_objects() -> None:
    assembler = StreamAssembler(host=HOST)
    first, second, third = (assembler.feed(_line(text)) for text in ("a", "b", "c"))
    third.choices[0].delta.content = "changed"
    third.choices.append(third.choices[0])
    assert (second.choices[0].delta.content, len(second.choices)) == ("b", 1)
    assert second.choices[0].delta.model_fields_set == first.choices[0].delta.model_fields_set


MALFORMED = {
    "content not a string": _line(5),
    "model not a string": {**_line("a"), "model": 7},
    "done not a bool": {**_line("a"), "done": "no"},
    "message not an object": {**_line("a"), "message": "hi"},
    "created_at not a string": {**_line("a"), "created_at": 3},
    "thinking not a string": {**_line("a"), "message": {"role": "assistant", "content": "a", "thinking": 1}},
    "images not strings": {**_line("a"), "message": {"role": "assistant", "content": "a", "images": [1]}},
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_line_after_plain_ones_is_refused_like_a_first_line(name: str) -> None:
    with pytest.raises(ParseError) as first_line:
        StreamAssembler(host=HOST).feed(MALFORMED[name])
    assembler = StreamAssembler(host=HOST)
    for text in ("The", " sky", " is"):
        assembler.feed(_line(text))
    with pytest.raises(ParseError) as later_line:
        assembler.feed(MALFORMED[name])
    assert str(later_line.value) == str(first_line.value)
    assert later_line.value.url == first_line.value.url == HOST
