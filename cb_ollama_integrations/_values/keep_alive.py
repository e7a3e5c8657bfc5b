"""Normalise keep_alive values to what Ollama's api.Duration accepts, rejecting the rest early."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["KeepAlive", "KeepAliveSetting", "normalize_keep_alive"]

KeepAlive = str | int | float
_GO_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


def normalize_keep_alive(value: object) -> KeepAlive:
    """Return keep_alive as Ollama parses it: an int/float of seconds, or a Go duration string.

    Numbers (and numeric strings such as "300" or "-1", which Ollama would reject as "missing unit") become
    seconds; a negative value keeps the model loaded forever and 0 unloads it after the request. Strings must be
    Go durations ("5m", "1h30m", "300ms"). A `timedelta` becomes seconds.

    Raises:
        ValueError: the value is neither, with a hint of the accepted forms.
    """
    if isinstance(value, bool):
        raise ValueError("keep_alive must be a duration like '5m', a number of seconds, or -1; got a bool")
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.match(text):
            number = float(text)
            return int(number) if number.is_integer() else number
        if _GO_DURATION.match(text):
            return text
    raise ValueError(
        f"invalid keep_alive {value!r}: use a Go duration ('5m', '1h', '30s'), a number of seconds "
        "(0 unloads right away, a negative number keeps the model loaded forever)"
    )


def _optional(value: object) -> KeepAlive | None:
    return None if value is None else normalize_keep_alive(value)


# The type of every keep_alive field (config, requests, adapters): None is "not set", anything else normalised.
KeepAliveSetting = Annotated[KeepAlive | None, BeforeValidator(_optional)]
