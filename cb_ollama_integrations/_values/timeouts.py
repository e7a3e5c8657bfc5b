"""How the call deadline relates to the read timeout (pure: no I/O)."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_DEADLINE_SECONDS", "deadline_covering_timeout"]

DEFAULT_DEADLINE_SECONDS = 600.0


def deadline_covering_timeout(data: Any) -> Any:
    """Config data whose unset `deadline_seconds` is at least `timeout_seconds`.

    Someone who raises the read timeout to 1,200 s for a slow CPU host means one call may take that long; the
    600 s default deadline would cut it short with a different error. An explicit deadline is kept as given.
    """
    if not isinstance(data, dict) or data.get("deadline_seconds") is not None:
        return data
    data = {key: value for key, value in data.items() if key != "deadline_seconds"}  # None: not set
    timeout = data.get("timeout_seconds")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > DEFAULT_DEADLINE_SECONDS:
        data["deadline_seconds"] = float(timeout)
    return data
