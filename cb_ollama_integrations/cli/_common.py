"""What every subcommand shares: the run context, error reporting and small formatters."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from rich.console import Console
from rich.markup import escape

from ..client import OllamaClient
from ..config import OllamaConfig
from ..errors import CircuitOpenError, LLMError, LLMTimeoutError, NetworkError, StreamError
from ._factory import ClientFactory

__all__ = [
    "EXIT_CANCELLED",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliContext",
    "describe_expiry",
    "human_bytes",
    "report_error",
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130



@dataclass
class CliContext:
    """Everything a subcommand needs: its parsed arguments, the resolved config and the two consoles."""

    args: argparse.Namespace
    config: OllamaConfig
    out: Console
    err: Console
    client_factory: ClientFactory

    def client(self) -> OllamaClient:
        """A new client for the resolved config (use it in a `with` block so its sockets close)."""
        return self.client_factory(self.config)


def _hint(exc: LLMError, config: OllamaConfig) -> str | None:
    if isinstance(exc, NetworkError):
        return (f"is Ollama running at {config.base_url}? Start it with `ollama serve`, or point --base-url "
                "(or OLLAMA_BASE_URL / OLLAMA_HOST) at it")
    if isinstance(exc, LLMTimeoutError):
        return "the server did not answer in time; a cold model load can be slow: raise --timeout"
    if isinstance(exc, CircuitOpenError):
        return f"too many recent failures; retry in {exc.retry_after:.0f}s"
    if isinstance(exc, StreamError) and exc.partial_content:
        return f"received before the failure: {exc.partial_content[:80]!r}"
    return None


def report_error(ctx: CliContext, exc: LLMError) -> int:
    """Print a core error as one line (plus a hint line when there is advice), no traceback; return 1."""
    ctx.err.print(f"[bold red]error:[/] {escape(exc.message)}")
    hint = _hint(exc, ctx.config)
    if hint:
        ctx.err.print(f"[yellow]hint:[/] {escape(hint)}")
    return EXIT_ERROR


def human_bytes(size: int | None) -> str:
    """1536 -> '1.5 KB' (decimal units, as Ollama prints sizes); None -> '-'."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - the loop always returns


_ISO_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def describe_expiry(expires_at: str | None, now: datetime | None = None) -> str:
    """An /api/ps `expires_at` (RFC 3339 with nanoseconds) as 'in 4m 10s', 'never' or 'expired'.

    Python 3.10's fromisoformat reads neither nanoseconds nor 'Z', so the fraction is dropped first.
    """
    match = _ISO_PREFIX.match(expires_at or "")
    if not match:
        return expires_at or "-"
    zone = match.group(2) or "Z"
    when = datetime.fromisoformat(match.group(1) + ("+00:00" if zone == "Z" else zone))
    seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds > 50 * 365 * 86400:  # keep_alive -1 sets the expiry centuries ahead
        return "never (kept loaded)"
    if seconds <= 0:
        return "expired"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"in {hours}h {minutes}m" if hours else f"in {minutes}m {secs}s"
