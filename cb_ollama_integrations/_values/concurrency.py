"""`max_concurrency_per_host`: its default, the 'num_parallel' value, its check and its resolution to a number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .env import num_parallel_from_env

__all__ = ["DEFAULT_CONCURRENCY_PER_HOST", "NUM_PARALLEL", "check_concurrency_setting", "check_fits_pool",
           "resolve_concurrency"]

# Requests one host gets at once; the rest wait in the client, where routing can still send them to a host
# that frees up. 4: what older Ollama servers ran per model, and room for a chat and an embedding model
# loaded side by side on a current one (OLLAMA_NUM_PARALLEL=1 each); set it to the server's setting.
DEFAULT_CONCURRENCY_PER_HOST = 4
# The `max_concurrency_per_host` value meaning "the server's OLLAMA_NUM_PARALLEL", read from this process's
# environment when the client is built (unset: 1, the server's own default): no endpoint reports the value.
NUM_PARALLEL = "num_parallel"


def check_concurrency_setting(value: Any) -> Any:
    """A `max_concurrency_per_host` value as given (None, a whole number >= 1, 'num_parallel'), else ValueError
    saying what to use (True is not 1 here: a flag where a count belongs is a mistake)."""
    if value is None or value == NUM_PARALLEL or (isinstance(value, int) and not isinstance(value, bool)
                                                 and value >= 1):
        return value
    raise ValueError(f"max_concurrency_per_host must be a whole number >= 1 (requests one host runs at once: "
                     f"its OLLAMA_NUM_PARALLEL) or {NUM_PARALLEL!r} to read OLLAMA_NUM_PARALLEL; got {value!r}")


def check_fits_pool(setting: int | str | None, max_connections: int) -> None:
    """ValueError when an explicit number is above `max_connections` (a host cannot run more than its pool)."""
    if isinstance(setting, int) and setting > max_connections:
        raise ValueError(f"max_concurrency_per_host={setting} is above max_connections={max_connections}: a host "
                         "cannot run more requests than it has connections; raise max_connections too")


def resolve_concurrency(setting: int | str | None, max_connections: int,
                        environ: Mapping[str, str] | None = None) -> int:
    """The number a `max_concurrency_per_host` setting stands for: None: the default, never above
    `max_connections`; an int as is; 'num_parallel': OLLAMA_NUM_PARALLEL from `environ` (default: this
    process's; unset: 1), refused when above `max_connections`."""
    if setting is None:
        return min(DEFAULT_CONCURRENCY_PER_HOST, max_connections)
    if isinstance(setting, int):
        return setting
    value = num_parallel_from_env(environ)
    if value > max_connections:
        raise ValueError(f"OLLAMA_NUM_PARALLEL={value} (max_concurrency_per_host='num_parallel') is above "
                         f"max_connections={max_connections}: raise max_connections too")
    return value
