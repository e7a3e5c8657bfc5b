"""A token estimate that needs no tokenizer download, and its per-model calibration from real answers.

The raw count reads the text's shape with C-speed string operations only (words, punctuation, digits, line
breaks), so it costs microseconds even on long prompts. A model's tokenizer and chat template then differ by a
scale and a fixed part; `Calibration` learns both from the `prompt_eval_count` the server reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json

from ..types import ChatMessage

__all__ = ["IMAGE_TOKENS", "MESSAGE_OVERHEAD", "Calibration", "raw_prompt_tokens", "raw_text_tokens"]

IMAGE_TOKENS = 768  # a fixed cost per image: vision encoders emit 256 (gemma3) to ~600 (llava) tokens
MESSAGE_OVERHEAD = 4  # the template's role markers around each message (<|im_start|>user\n ... <|im_end|>\n)
_PUNCTUATION = "{}[]()<>:;,.!?\"'`=+-*/\\|&%$#@^~_"
_DIGITS = "0123456789"
_WORD_LETTERS = 6  # letters a tokenizer commonly keeps in one token; longer words split


def raw_text_tokens(text: str) -> int:
    """About how many tokens `text` is for a typical BPE tokenizer (before any model's calibration).

    Words count one each, long words one more per six letters beyond the first six, punctuation and digits
    one each (tokenizers seldom merge them), and every line break one.
    """
    if not text:
        return 0
    words = text.split()
    punctuation = sum(map(text.count, _PUNCTUATION))
    digits = sum(map(text.count, _DIGITS))
    letters = sum(map(len, words)) - punctuation - digits
    long_word_extra = max(0, letters - _WORD_LETTERS * len(words)) // _WORD_LETTERS
    return len(words) + long_word_extra + punctuation + digits + text.count("\n")


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
