"""`with_structured_output` for ChatCBOllama: json_schema (Ollama `format`), function_calling, json_mode."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.base import OutputParserLike
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

__all__ = ["StructuredMethod", "structured_runnable"]

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def _json_parser(schema: Any) -> OutputParserLike[Any]:
    if _is_pydantic(schema):
        return PydanticOutputParser(pydantic_object=schema)
    return JsonOutputParser()


def _bound_model(
    model: BaseChatModel, schema: Any, method: StructuredMethod
) -> tuple[Runnable[Any, Any], OutputParserLike[Any]]:
    """The model bound for `method`, and the parser of its output."""
    if method == "function_calling":
        tool = convert_to_openai_tool(schema)
        name = tool["function"]["name"]
        hint = {"kwargs": {"method": method}, "schema": tool}
        bound = model.bind_tools([tool], tool_choice=name, ls_structured_output_format=hint)
        parser: OutputParserLike[Any] = (
            PydanticToolsParser(tools=[schema], first_tool_only=True) if _is_pydantic(schema)
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
        return bound, parser
    if method == "json_schema":
        json_schema = convert_to_json_schema(schema)
        hint = {"kwargs": {"method": method}, "schema": json_schema}
        return model.bind(format=json_schema, ls_structured_output_format=hint), _json_parser(schema)
    if method == "json_mode":
        hint = {"kwargs": {"method": method}, "schema": schema}
        return model.bind(format="json", ls_structured_output_format=hint), _json_parser(schema)
    raise ValueError(f"unknown method {method!r}: use json_schema, function_calling or json_mode")


def structured_runnable(
    model: BaseChatModel, schema: Any, method: StructuredMethod, include_raw: bool
) -> Runnable[LanguageModelInput, Any]:
    """The runnable `with_structured_output` returns (with {raw, parsed, parsing_error} when include_raw)."""
    if schema is None:
        raise ValueError("with_structured_output needs a schema: a pydantic model, TypedDict or JSON schema")
    bound, parser = _bound_model(model, schema, method)
    if not include_raw:
        chain: Runnable[LanguageModelInput, Any] = bound | parser
        return chain
    parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | parse.with_fallbacks([no_parse], exception_key="parsing_error")
