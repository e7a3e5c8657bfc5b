"""A token estimate that needs no tokenizer download, and its per-model calibration from real answers.

The raw count reads the text's shape (runs of letters and of punctuation, digits, line breaks) with C-speed
bytes operations only, so it costs microseconds on a chat turn and about a millisecond on a 30,000-character
prompt. A model's tokenizer and chat template then differ by a
scale and a fixed part; `Calibration` learns both from the `prompt_eval_count` the server reports.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json

from ..types import ChatMessage

__all__ = ["IMAGE_TOKENS", "MESSAGE_OVERHEAD", "Calibration", "raw_prompt_tokens", "raw_text_tokens"]

IMAGE_TOKENS = 768  # a fixed cost per image: vision encoders emit 256 (gemma3) to ~600 (llava) tokens
MESSAGE_OVERHEAD = 4  # the template's role markers around each message (<|im_start|>user\n ... <|im_end|>\n)


def _byte_classes() -> bytes:
    """A bytes.translate table: every byte becomes its class (a letter, d digit, p punctuation, space, newline,
    u the lead byte of a non-ASCII character, c a continuation byte)."""
    table = bytearray(b"p" * 256)
    for byte in string.ascii_letters.encode():
        table[byte] = ord("a")
    for byte in string.digits.encode():
        table[byte] = ord("d")
    for byte in b" \t\r\x0b\x0c":
        table[byte] = ord(" ")
    table[ord("\n")] = ord("\n")
    table[0x80:0xC0] = b"c" * 0x40
    table[0xC0:] = b"u" * 0x40
    return bytes(table)


_CLASSES = _byte_classes()


def raw_text_tokens(text: str) -> int:
    """About how many tokens `text` is for a typical BPE tokenizer (before any model's calibration).

    Each run of letters is a token, plus one per seven letters more (long words split); each run of
    punctuation is one (tokenizers merge `":` or `()`), each digit, line break, four-space indent and
    non-ASCII character one. Counted on a class-per-byte copy with `bytes.count`, so no Python loop runs.
    """
    if not text:
        return 0
    count = (" " + text).encode("utf-8", "surrogatepass").translate(_CLASSES).count
    letter_runs = count(b" a") + count(b"pa") + count(b"da") + count(b"\na") + count(b"ca")
    punctuation_runs = count(b" p") + count(b"ap") + count(b"dp") + count(b"\np") + count(b"cp")
    return (letter_runs + count(b"aaaaaaa") + punctuation_runs + count(b"d") + count(b"\n") + count(b"    ")
            + count(b"u"))


def raw_prompt_tokens(messages: Sequence[ChatMessage], tools: Sequence[dict[str, Any]] | None = None) -> int:
    """The raw estimate of a chat prompt: every message with its template overhead, images, and the tools
    (templates render their JSON schemas into the prompt)."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD + raw_text_tokens(message.content) + raw_text_tokens(message.thinking or "")
        total += IMAGE_TOKENS * len(message.images or ())
        for call in message.tool_calls or ():
            total += raw_text_tokens(call.name) + raw_text_tokens(to_json(call.arguments).decode())
    if tools:
        total += raw_text_tokens(to_json(list(tools)).decode())
    return total


_SHORT = 256  # below this many raw tokens a sample mostly measures the template's fixed part
_FACTOR_RANGE = (0.4, 2.5)  # a sample outside this ratio is not a tokenizer difference (a cut or cached prompt)


@dataclass
class Calibration:
    """One model's correction: `tokens = fixed + factor * raw`, learned from the server's counts.

    `fixed` is the template's constant part (a default system prompt, BOS/EOS); `factor` the tokenizer's
    scale. A long sample sets the factor, a short one the fixed part; samples so far off that they must be a
    cut or prefix-cached prompt are ignored.
    """

    fixed: float = 8.0
    factor: float = 1.0
    samples: int = 0

    def estimate(self, raw: int) -> int:
        """The calibrated token count for a raw estimate."""
        return round(self.fixed + self.factor * raw) if raw else 0

    def learn(self, raw: int, counted: int) -> None:
        """Take one real count (`prompt_eval_count`) of a prompt whose raw estimate was `raw`."""
        if raw <= 0 or counted <= 0:
            return
        if raw < _SHORT:
            self.fixed = max(0.0, counted - self.factor * raw)
        else:
            ratio = (counted - self.fixed) / raw
            low, high = _FACTOR_RANGE
            if not low <= ratio <= high:
                return
            # The first long sample replaces the default outright; later ones are averaged in.
            self.factor = ratio if self.samples == 0 else (self.factor + ratio) / 2
            self.samples += 1
