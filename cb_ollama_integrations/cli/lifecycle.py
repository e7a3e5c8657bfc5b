"""`cb-ollama warm MODEL` and `cb-ollama unload MODEL`: load a model into memory ahead of use, or free it."""

from __future__ import annotations

import time
from typing import Any

from rich.markup import escape

from ..catalog import normalize_model_name
from ..config import normalize_keep_alive
from ._common import EXIT_OK, CliContext, describe_expiry

__all__ = ["register", "run_unload", "run_warm"]


def register(commands: Any) -> None:
    """Add the `warm` and `unload` subcommands."""
    warm = commands.add_parser("warm", help="load a model into memory now (no generation)")
    warm.add_argument("model")
    warm.add_argument("--keep-alive", default="30m", metavar="DURATION",
                      help="how long it stays loaded: '30m', '1h', seconds, or -1 for ever (default: 30m)")
    warm.set_defaults(run=run_warm)
    unload = commands.add_parser("unload", help="unload a model from memory now")
    unload.add_argument("model")
    unload.set_defaults(run=run_unload)


def run_warm(ctx: CliContext) -> int:
    """Load the model with the given keep-alive; report the load time and when it will be unloaded."""
    model = ctx.args.model
    keep_alive = normalize_keep_alive(ctx.args.keep_alive)  # ValueError (exit 2) before anything is sent
    with ctx.client() as client:
        started = time.perf_counter()
        client.load_model(model, keep_alive)
        seconds = time.perf_counter() - started
        running = [m for m in client.list_running()
                   if normalize_model_name(m.name) == normalize_model_name(model)]
    expiry = f", unloads {describe_expiry(running[0].expires_at)}" if running else ""
    ctx.out.print(f"[green]loaded[/] {escape(model)} in {seconds:.1f}s (keep-alive {keep_alive}{expiry})")
    return EXIT_OK


def run_unload(ctx: CliContext) -> int:
    """Unload the model right away (keep_alive 0)."""
    model = ctx.args.model
    with ctx.client() as client:
        client.unload_model(model)
    ctx.out.print(f"[green]unloaded[/] {escape(model)}")
    return EXIT_OK
