"""`cb-ollama doctor`: is the server reachable; which models are installed, loaded, missing; the config."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from pydantic import SecretStr
from rich.markup import escape
from rich.table import Table

from ..catalog import get_recommended_models, normalize_model_name
from ..config import OllamaConfig, config_values_from_env
from ..model_info import ModelInfo, RunningModel
from ._common import EXIT_ERROR, EXIT_OK, CliContext, describe_expiry, human_bytes

__all__ = ["config_rows", "register", "run"]

_ENV_NAMES = {
    "default_model": "OLLAMA_DEFAULT_MODEL", "embedding_model": "OLLAMA_EMBEDDING_MODEL",
    "keep_alive": "OLLAMA_KEEP_ALIVE", "api_key": "OLLAMA_API_KEY", "verify_ssl": "OLLAMA_VERIFY_SSL",
    "timeout_seconds": "OLLAMA_TIMEOUT_SECONDS", "max_retries": "OLLAMA_MAX_RETRIES",
}
_FLAGS = {"base_url": "base_url", "timeout_seconds": "timeout"}

# Cells a user copies (names, commands): never wrapped or cut, narrower columns give way instead.
_WHOLE = frozenset({"model", "install with", "setting"})


def register(commands: Any) -> None:
    """Add the `doctor` subcommand."""
    parser = commands.add_parser("doctor", help="check the server, installed/loaded/missing models, config")
    parser.set_defaults(run=run)


def _shown(value: object) -> str:
    """A setting as text, secrets masked (they are SecretStr in the config)."""
    if isinstance(value, SecretStr):
        return "**** (set)"
    if isinstance(value, dict):
        return ", ".join(f"{name}: ****" for name in value) or "{}"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(getattr(value, "value", value))


def _source(field: str, args: argparse.Namespace, env_fields: set[str]) -> str:
    flag = _FLAGS.get(field)
    if flag and getattr(args, flag, None) is not None:
        return f"--{flag.replace('_', '-')}"
    if field in env_fields:
        if field == "base_url":
            return "OLLAMA_BASE_URL" if (os.environ.get("OLLAMA_BASE_URL") or "").strip() else "OLLAMA_HOST"
        return _ENV_NAMES.get(field, "environment")
    return "default"


def config_rows(config: OllamaConfig, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(setting, value, where it came from) for every config field; secrets are masked."""
    env_fields = set(config_values_from_env(os.environ))
    return [(name, _shown(getattr(config, name)), _source(name, args, env_fields))
            for name in OllamaConfig.model_fields]


def _config_table(ctx: CliContext) -> Table:
    table = Table(title="Configuration in effect", title_justify="left")
    for column in ("setting", "value", "source"):
        table.add_column(column, no_wrap=column in _WHOLE)
    for name, value, source in config_rows(ctx.config, ctx.args):
        table.add_row(name, escape(value), source)
    return table


def _installed_table(models: list[ModelInfo]) -> Table:
    table = Table(title=f"Installed models ({len(models)})", title_justify="left")
    for column in ("model", "parameters", "quantization", "size", "context", "capabilities"):
        table.add_column(column, no_wrap=column in _WHOLE)
    for m in models:
        table.add_row(m.id, m.parameter_size or "-", m.quantization or "-", human_bytes(m.size_bytes),
                      str(m.context_window), ", ".join(c.value for c in m.capabilities))
    return table


def _running_table(running: list[RunningModel]) -> Table:
    table = Table(title=f"Loaded in memory ({len(running)})", title_justify="left")
    for column in ("model", "size", "in VRAM", "context", "unloads"):
        table.add_column(column, no_wrap=column in _WHOLE)
    for m in running:
        table.add_row(m.name, human_bytes(m.size_bytes), human_bytes(m.size_vram),
                      str(m.context_length or "-"), describe_expiry(m.expires_at))
    return table


def missing_recommendations(installed: list[ModelInfo]) -> dict[str, list[str]]:
    """Recommended models that are not installed, each with the categories recommending it."""
    have = {normalize_model_name(m.id) for m in installed}
    missing: dict[str, list[str]] = {}
    for category, names in get_recommended_models().items():
        for name in names:
            if normalize_model_name(name) not in have:
                missing.setdefault(name, []).append(category)
    return missing


def run(ctx: CliContext) -> int:
    """Print the health report; exit 1 when the server cannot be reached."""
    out = ctx.out
    with ctx.client() as client:
        started = time.perf_counter()
        reachable = client.health_check()
        latency_ms = (time.perf_counter() - started) * 1000
        if not reachable:
            out.print(_config_table(ctx))
            ctx.err.print(f"[bold red]unhealthy:[/] the Ollama server at {escape(ctx.config.base_url)} is "
                          "unreachable")
            ctx.err.print("[yellow]hint:[/] start it with `ollama serve`, or point --base-url (or "
                          "OLLAMA_BASE_URL / OLLAMA_HOST) at it")
            return EXIT_ERROR
        version = client.version()
        installed = client.fetch_available_models()
        running = client.list_running()
    out.print(f"[bold]Server[/] {escape(ctx.config.base_url)}: [green]reachable[/], "
              f"Ollama {escape(version)}, {latency_ms:.1f} ms")
    out.print(_installed_table(installed))
    missing = missing_recommendations(installed)
    if missing:
        table = Table(title=f"Recommended but not installed ({len(missing)})", title_justify="left")
        for column in ("model", "recommended for", "install with"):
            table.add_column(column, no_wrap=column in _WHOLE)
        for name, categories in missing.items():
            table.add_row(name, ", ".join(categories), f"ollama pull {name}")
        out.print(table)
    out.print(_running_table(running))
    out.print(_config_table(ctx))
    out.print("[bold green]healthy[/]")
    return EXIT_OK
