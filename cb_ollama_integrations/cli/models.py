"""`cb-ollama models` (the catalog merged with the live server) and `cb-ollama recommend` (no I/O)."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape
from rich.table import Table

from ..catalog import CATALOG, get_model_info, get_recommended_models, normalize_model_name
from ..model_info import ModelInfo
from ._common import EXIT_OK, CliContext, human_bytes

__all__ = ["CATEGORIES", "merged_models", "register", "run_models", "run_recommend"]

CATEGORIES = tuple(get_recommended_models())

# Cells a user copies (names, commands): never wrapped or cut, narrower columns give way instead.
_WHOLE = frozenset({"model", "install with", "setting"})


def register(commands: Any) -> None:
    """Add the `models` and `recommend` subcommands."""
    models = commands.add_parser("models", help="the model catalog merged with what the server has installed")
    models.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")
    models.set_defaults(run=run_models)
    recommend = commands.add_parser("recommend", help="recommended models per use case (no network I/O)")
    recommend.add_argument("category", nargs="?", choices=CATEGORIES, help="one category (default: all)")
    recommend.set_defaults(run=run_recommend)


def merged_models(live: list[ModelInfo] | None) -> list[ModelInfo]:
    """Installed models (server facts) first, then the catalog entries that are not installed."""
    installed = list(live or [])
    have = {normalize_model_name(m.id) for m in installed}
    return installed + [info for key, info in CATALOG.items() if normalize_model_name(key) not in have]


def _table(models: list[ModelInfo], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("model", "installed", "context", "capabilities", "params", "quant", "size"):
        table.add_column(column, no_wrap=column in _WHOLE)
    for m in models:
        table.add_row(escape(m.id), "[green]yes[/]" if m.installed else "no", str(m.context_window),
                      ", ".join(c.value for c in m.capabilities), m.parameter_size or "-",
                      m.quantization or "-", human_bytes(m.size_bytes))
    return table


def run_models(ctx: CliContext) -> int:
    """List models; without a reachable server, the catalog alone with a notice on stderr."""
    live: list[ModelInfo] | None = None
    with ctx.client() as client:
        if client.health_check():
            live = client.fetch_available_models()
    if live is None:
        ctx.err.print(f"[yellow]notice:[/] the server at {escape(ctx.config.base_url)} is unreachable: "
                      "showing the built-in catalog only")
    models = merged_models(live)
    if ctx.args.json:
        document = {
            "server": ctx.config.base_url,
            "reachable": live is not None,
            "models": [m.model_dump(mode="json") for m in models],
        }
        # print() rather than rich: JSON must reach pipes byte for byte, never wrapped or highlighted
        print(json.dumps(document, indent=2))
        return EXIT_OK
    installed = sum(m.installed for m in models)
    title = f"Models: {installed} installed, {len(models) - installed} more in the catalog"
    ctx.out.print(_table(models, title))
    return EXIT_OK


def run_recommend(ctx: CliContext) -> int:
    """Print the recommended models of one category, or of all, with their catalog facts."""
    recommended = get_recommended_models()
    categories = [ctx.args.category] if ctx.args.category else list(recommended)
    table = Table(title="Recommended models", title_justify="left")
    for column in ("use case", "model", "context", "capabilities"):
        table.add_column(column, no_wrap=column in _WHOLE)
    for category in categories:
        for rank, name in enumerate(recommended[category]):
            info = get_model_info(name)
            capabilities = ", ".join(c.value for c in info.capabilities) if info else "-"
            table.add_row(category if rank == 0 else "", name, str(info.context_window) if info else "-",
                          capabilities)
    ctx.out.print(table)
    ctx.out.print("Install one with `cb-ollama pull MODEL` (or `ollama pull MODEL`).")
    return EXIT_OK
