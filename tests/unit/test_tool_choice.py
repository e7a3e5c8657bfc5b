"""The framework-free tool_choice helpers (pure functions, no I/O) that ChatCBOllama uses."""

from __future__ import annotations

import pytest

from cb_ollama_integrations.tool_choice import (
    forced_tool_format,
    forced_tool_names,
    parse_forced_tool_call,
    tool_name,
)

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": CITY}}
CLOCK = {"type": "function", "function": {"name": "get_time"}}
NAMES = ["get_weather", "get_time"]


@pytest.mark.parametrize(
    ("choice", "forced"),
    [
        (None, None),
        (False, None),
        ("auto", None),
        ("none", None),
        ("any", NAMES),
        ("required", NAMES),
        (True, NAMES),
        ("get_time", ["get_time"]),
        ({"type": "function", "function": {"name": "get_weather"}}, ["get_weather"]),
        ({"name": "get_time"}, ["get_time"]),
    ],
)
def test_forced_tool_names(choice: object, forced: list[str] | None) -> None:
    assert forced_tool_names(choice, NAMES) == forced


@pytest.mark.parametrize("choice", ["get_date", 3, {"function": {"name": "x"}}])
def test_forced_tool_names_rejects_unknown_choices(choice: object) -> None:
    with pytest.raises(ValueError, match="tool"):
        forced_tool_names(choice, NAMES)


def test_any_without_tools_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        forced_tool_names("any", [])


def test_one_tool_gives_an_object_schema_with_its_parameters() -> None:
    schema = forced_tool_format([WEATHER, CLOCK], ["get_weather"])
    assert schema == {
        "type": "object",
        "properties": {"name": {"type": "string", "enum": ["get_weather"]}, "arguments": CITY},
        "required": ["name", "arguments"],
    }


def test_several_tools_give_one_alternative_per_tool() -> None:
    schema = forced_tool_format([WEATHER, CLOCK], NAMES)
    alternatives = schema["anyOf"]
    assert [a["properties"]["name"]["enum"] for a in alternatives] == [["get_weather"], ["get_time"]]
    assert alternatives[1]["properties"]["arguments"] == {"type": "object", "properties": {}}


def test_tool_name_reads_both_tool_shapes() -> None:
    assert tool_name(WEATHER) == "get_weather"
    assert tool_name({"name": "flat"}) == "flat"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ('{"name": "get_weather", "arguments": {"city": "Oslo"}}', ("get_weather", {"city": "Oslo"})),
        ('{"name": "get_time"}', ("get_time", {})),
        ('{"name": "get_weather", "arguments": {"city": "Os', None),
        ('{"name": "delete_all", "arguments": {}}', None),
        ('{"name": "get_time", "arguments": [1]}', None),
        ("[1, 2]", None),
    ],
)
def test_parse_forced_tool_call(text: str, parsed: tuple[str, dict[str, object]] | None) -> None:
    assert parse_forced_tool_call(text, NAMES) == parsed
