"""The one place values parsed from a server's body are checked: anything malformed is a ParseError with facts.

The parsers call these instead of trusting decoded JSON: counters must be finite whole numbers, texts
strings, tool calls a list of objects, vectors lists of finite numbers of one length. `reports_malformed`
wraps each parser, so a shape nobody foresaw still ends as ParseError naming the endpoint, never a raw
TypeError or pydantic ValidationError.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from pydantic import ValidationError
from pydantic_core import from_json

from ..errors import LLMError, ParseError
from .json_lines import parse_json

__all__ = [
    "MAX_COUNT",
    "check_answer",
    "count",
    "json_arguments",
    "object_list",
    "optional_count",
    "optional_text",
    "reports_malformed",
    "text",
    "text_list",
    "vectors",
]

MAX_COUNT = 2**63 - 1  # Go's int64: no honest counter is larger
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _bad(what: str, value: object, url: str | None) -> ParseError:
    shown = repr(value)
    return ParseError(f"malformed answer from the server: {what}, got {shown[:80]}", url=url, body=shown[:200])


def reports_malformed(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a parser of `what` so that any unforeseen shape raises ParseError (LLMErrors pass through)."""

    def decorate(parse: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(parse)
        def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return parse(*args, **kwargs)
            except LLMError:
                raise
            except (ValidationError, ValueError, TypeError, AttributeError, KeyError, IndexError,
                    OverflowError) as exc:
                url = kwargs.get("url") or kwargs.get("host")
                if url is None and args:  # a method: its object knows where the answer came from
                    url = getattr(args[0], "host", None) or getattr(args[0], "url", None)
                raise ParseError(f"malformed {what} from the server: {type(exc).__name__}: {str(exc)[:300]}",
                                 url=url if isinstance(url, str) else None) from exc

        return checked

    return decorate


def check_answer(status: int, body: bytes, *, url: str, location: str | None = None) -> dict[str, Any]:
    """The JSON object of a successful non-streamed answer; ParseError for anything that is not one.

    A redirect (never followed: the credentials must not go elsewhere), an empty body (200 or 204), and a 2xx
    carrying {"error": ...} are all errors, never an empty "successful" answer.
    """
    if 300 <= status < 400:
        raise ParseError(f"{url} answered {status} redirecting to {location!r}; redirects are not followed: "
                         "point base_url at the Ollama server itself", url=url)
    if not body.strip():
        raise ParseError(f"{url} answered {status} with an empty body where Ollama sends JSON", url=url)
    data = parse_json(body, url=url)
    if "error" in data:
        raise ParseError(f"{url} answered {status} with an error: {str(data['error'])[:300]}", url=url,
                         body=body[:200].decode(errors="replace"))
    return data


def count(data: dict[str, Any], key: str, url: str | None = None) -> int:
    """A token counter or duration: absent/null is 0; else a finite whole number in 0..2**63-1."""
    value = data.get(key)
    if value is None:
        return 0
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _bad(f"`{key}` must be a whole number from 0 to 2**63-1", value, url)
    return value


def optional_count(data: dict[str, Any], key: str, url: str | None = None) -> int | None:
    """Like `count`, but absent/null stays None."""
    return None if data.get(key) is None else count(data, key, url)


def text(value: object, field: str, url: str | None = None) -> str:
    """A string field: null is ""; anything else that is not a string is an error."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(f"`{field}` must be a string", value, url)
    return value


def optional_text(value: object, field: str, url: str | None = None) -> str | None:
    """A string field that may be absent: null and "" are None."""
    return text(value, field, url) or None


def text_list(value: object, field: str, url: str | None = None) -> list[str] | None:
    """A list of strings (images), or None when absent/empty."""
    if value is None or value == []:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _bad(f"`{field}` must be a list of strings", value, url)
    return value


def object_list(value: object, field: str, url: str | None = None) -> list[dict[str, Any]]:
    """A list of JSON objects (tool calls, models); null is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _bad(f"`{field}` must be a list of objects", value, url)
    return value


def json_arguments(value: object, url: str | None = None) -> dict[str, Any]:
    """Tool-call arguments: an object, or a JSON string holding one (some servers send that); null is {}."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = from_json(value)
        except ValueError as exc:
            raise _bad(f"tool-call `arguments` is a string that is not valid JSON ({exc})", value, url) from None
    if not isinstance(value, dict):
        raise _bad("tool-call `arguments` must be a JSON object", value, url)
    return value


_NUMBER = frozenset({float, int})


def _finite_numbers(vector: list[Any]) -> bool:
    # C-speed checks (a batch holds millions of floats): only floats and ints (no bools, strings, lists), and
    # a finite sum, which NaN or an infinity would make NaN or infinite
    if not set(map(type, vector)) <= _NUMBER:
        return False
    try:
        return math.isfinite(math.fsum(vector))
    except (OverflowError, ValueError):
        return False


def vectors(value: object, *, expected: int, dimensions: int | None, url: str | None = None) -> list[list[float]]:
    """Embedding vectors: `expected` lists of finite numbers, all one length (`dimensions` when requested)."""
    if not isinstance(value, list) or len(value) != expected:
        got = len(value) if isinstance(value, list) else "no"
        raise ParseError(f"expected {expected} embeddings from the server, got {got}", url=url)
    width = None
    for position, vector in enumerate(value):
        if not isinstance(vector, list) or not vector:
            raise _bad(f"embedding {position} must be a non-empty list of numbers", vector, url)
        if not _finite_numbers(vector):
            bad = next(x for x in vector if not (type(x) in _NUMBER and math.isfinite(x)))
            raise _bad(f"embedding {position} holds a value that is not a finite number", bad, url)
        if width is not None and len(vector) != width:
            raise _bad(f"embedding {position} has {len(vector)} numbers where the others have {width}",
                       len(vector), url)
        width = len(vector)
    if dimensions is not None and width is not None and width != dimensions:
        raise _bad(f"dimensions={dimensions} was requested but the vectors have {width} numbers", width, url)
    return value
