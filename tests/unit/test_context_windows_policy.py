"""The pure context-window policy: the ladder, the grow-only sizes, the plan's modes, the estimator."""

from __future__ import annotations

import pytest

from cb_ollama_integrations import ChatMessage, LLMRequest, OllamaConfig
from cb_ollama_integrations._protocol.context_window import (
    DEFAULT_OUTPUT_RESERVE,
    ContextMemory,
    ladder_size,
    plan_context,
)
from cb_ollama_integrations._protocol.token_estimate import (
    IMAGE_TOKENS,
    Calibration,
    raw_prompt_tokens,
    raw_text_tokens,
)

CONFIG = OllamaConfig(default_model="smollm2:135m")


def ask(text: str, **fields: object) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("needed", "model_max", "size"), [
    (10, 8192, 4096), (4096, 8192, 4096), (4097, 8192, 8192), (7000, 8192, 8192), (9000, 8192, 8192),
    (20000, 131072, 32768), (100, 2048, 2048), (300000, None, 524288), (70000, 40960, 40960),
])
def test_the_ladder_gives_the_smallest_rung_that_fits_capped_at_the_model(needed: int, model_max: int | None,
                                                                           size: int) -> None:
    assert ladder_size(needed, model_max) == size


def test_sizes_only_grow_per_host_and_model() -> None:
    memory = ContextMemory()
    assert memory.size_for("http://a", "smollm2:135m", 6000) == 8192
    assert memory.size_for("http://a", "smollm2:135m", 100) == 8192  # no shrink: that would reload the model
    assert memory.size_for("http://b", "smollm2:135m", 100) == 4096  # another host has its own runner
    assert memory.size_for("http://a", "gemma3:270m", 100) == 4096  # and another model its own
    assert memory.size_for("http://a", "SmolLM2:135m", 50000) == 8192  # never past the trained context


def test_a_runner_loaded_larger_is_not_shrunk_and_one_too_small_grows() -> None:
    memory = ContextMemory()
    memory.saw_running("http://a", [("gemma3:270m", 16384), ("smollm2:135m", 4096), ("all-minilm", None)])
    assert memory.size_for("http://a", "gemma3:270m", 100) == 16384
    assert memory.size_for("http://a", "smollm2:135m", 6000) == 8192
    memory.saw_running("http://a", [])  # unloaded since
    assert memory.size_for("http://b", "gemma3:270m", 100) == 4096
    assert memory.loaded == {}


def test_the_trained_context_comes_from_the_server_then_the_catalog() -> None:
    memory = ContextMemory()
    assert memory.model_max("smollm2:135m") == 8192  # catalog
    assert memory.model_max("no-such-model:1b") is None
    memory.trained["smollm2:135m"] = 2048
    memory.trained["no-such-model:1b"] = None  # asked; the server could not say
    assert memory.model_max("smollm2:135m") == 2048
    assert memory.model_max("no-such-model:1b") is None


def test_the_plan_follows_request_then_config() -> None:
    memory = ContextMemory()
    assert plan_context(ask("hi"), CONFIG, memory).mode == "auto"
    assert plan_context(ask("hi"), OllamaConfig(num_ctx=None), memory).mode == "server"
    assert plan_context(ask("hi", num_ctx=None), CONFIG, memory).mode == "server"
    fixed = plan_context(ask("hi", num_ctx=2048), OllamaConfig(num_ctx=None), memory)
    assert (fixed.mode, fixed.fixed) == ("fixed", 2048)
    from_options = plan_context(ask("hi", options={"num_ctx": 1024}), CONFIG, memory)
    assert (from_options.mode, from_options.fixed) == ("fixed", 1024)
    assert plan_context(ask("hi"), OllamaConfig(num_ctx=3000), memory).fixed == 3000
    assert plan_context(ask("hi", on_context_overflow="raise"), CONFIG, memory).on_overflow == "raise"
    assert plan_context(ask("hi"), OllamaConfig(on_context_overflow="raise"), memory).on_overflow == "raise"


def test_the_output_reserve_is_max_tokens_or_the_default() -> None:
    memory = ContextMemory()
    plain = plan_context(ask("hi"), CONFIG, memory)
    prompt = plain.needed - DEFAULT_OUTPUT_RESERVE  # the prompt's share, whatever margin it carries
    assert prompt >= plain.estimate
    assert plan_context(ask("hi", max_tokens=3000), CONFIG, memory).needed == prompt + 3000
    assert plan_context(ask("hi", max_tokens=-1), CONFIG, memory).needed == plain.needed  # -1: unlimited


def test_an_uncalibrated_estimate_is_sized_with_a_margin_and_a_calibrated_one_is_not() -> None:
    memory, text = ContextMemory(), "Day 12: lamp 3 burned 41 hours; 7 ships.\n" * 230
    first = plan_context(ask(text, max_tokens=4), CONFIG, memory)
    assert first.needed - 4 == round(first.estimate * 1.25)  # a low raw count must not cut a first prompt
    assert first.needed > 4096 >= first.estimate + 4  # so it gets the 8,192 rung, not the server's 4,096
    memory.calibration("smollm2:135m").learn(first.raw, round(first.estimate * 1.3))  # the server's count
    again = plan_context(ask(text, max_tokens=4), CONFIG, memory)
    assert again.needed - 4 == again.estimate > first.estimate  # calibrated: the estimate itself, no margin


def test_bad_num_ctx_values_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        ask("hi", num_ctx=0)
    with pytest.raises(ValueError, match="num_ctx must be a positive number"):
        OllamaConfig(num_ctx=-5)


def test_the_raw_estimate_reads_the_shape_of_the_text() -> None:
    assert raw_text_tokens("") == 0
    assert raw_text_tokens("hello") == 1
    assert raw_text_tokens("hello world") == 2
    assert raw_text_tokens("internationalization") == 1 + 2  # a long word splits
    assert raw_text_tokens('{"a": 1}') == raw_text_tokens('{"') + raw_text_tokens("a") + raw_text_tokens('": ') + 2
    assert raw_text_tokens("x\ny") == 3
    assert raw_text_tokens("日本語") == 3
    prose = "The quick brown fox jumps over the lazy dog. " * 100
    assert 900 <= raw_text_tokens(prose) <= 1100  # ten tokens a sentence, as BPE tokenizers count it


def test_the_prompt_estimate_counts_messages_images_and_tools() -> None:
    text = [ChatMessage(role="user", content="hello world")]
    with_image = [ChatMessage(role="user", content="hello world", images=["aGk="])]
    assert raw_prompt_tokens(with_image) == raw_prompt_tokens(text) + IMAGE_TOKENS
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    assert raw_prompt_tokens(text, [tool]) > raw_prompt_tokens(text) + 10


def test_calibration_learns_the_scale_from_long_samples_and_the_fixed_part_from_short_ones() -> None:
    calibration = Calibration()
    calibration.learn(300, 400)  # the tokenizer counts a third more than the raw estimate
    assert calibration.estimate(600) == pytest.approx(8 + 600 * (392 / 300), abs=1)
    calibration.learn(1, 30)  # a short prompt: mostly the template's fixed part
    assert calibration.fixed == pytest.approx(30 - 392 / 300, abs=0.01)
    before = calibration.factor
    calibration.learn(1000, 50)  # a cut or prefix-cached prompt, not a tokenizer: ignored
    calibration.learn(0, 10)
    assert calibration.factor == before
    calibration.learn(300, 300)
    assert calibration.factor == pytest.approx((before + (300 - calibration.fixed) / 300) / 2)
    assert calibration.estimate(0) == 0


def test_a_format_schema_is_reserved_on_the_output_side() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}}}
    plain = plan_context(ask("hi"), CONFIG, ContextMemory())
    shaped = plan_context(ask("hi", format=schema), CONFIG, ContextMemory())
    assert shaped.estimate == plain.estimate  # the prompt itself is the same
    assert shaped.needed > plain.needed + 10
