"""The `cb-ollama` command: check, list, pull, warm and chat with the models of an Ollama server.

    cb-ollama doctor                 is the server healthy, what is installed, loaded and missing
    cb-ollama models [--json]        the catalog merged with the live server
    cb-ollama recommend [CATEGORY]   recommended models (no I/O)
    cb-ollama pull MODEL             download a model, with a progress bar (Ctrl-C cancels cleanly)
    cb-ollama chat [--once PROMPT]   a small streaming chat for smoke tests
    cb-ollama warm MODEL / unload MODEL

The command needs the `[cli]` extra (rich); the core package never imports rich.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence

from ..client import OllamaClient
from ..config import OllamaConfig
from ..errors import LLMError
from ._factory import ClientFactory

__all__ = ["ClientFactory", "main"]

_INSTALL_HINT = "cb-ollama needs the 'cli' extra: pip install 'cb-ollama-integrations[cli]'"


def _rich_available() -> bool:
    try:
        return importlib.util.find_spec("rich") is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, or a broken install
        return False


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (each module registers its own)."""
    from . import chat, doctor, lifecycle, models, pull  # noqa: PLC0415 - they import rich: only after the check

    parser = argparse.ArgumentParser(
        prog="cb-ollama", description="Check, list, pull, warm and chat with the models of an Ollama server."
    )
    parser.add_argument("--base-url", help="Ollama server URL (default: OLLAMA_BASE_URL, else OLLAMA_HOST, "
                                           "else http://localhost:11434)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="read timeout in seconds (default: OLLAMA_TIMEOUT_SECONDS, else 300)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (doctor, models, pull, chat, lifecycle):
        module.register(commands)
    return parser


def _console_width() -> int | None:
    """Rich assumes 80 columns when output is not a terminal; tables of models need more."""
    return None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140


def main(argv: Sequence[str] | None = None, *, client_factory: ClientFactory | None = None) -> int:
    """Run `cb-ollama` with `argv` (default: the process arguments) and return the exit code.

    Exit codes: 0 success, 1 a server or network error (printed as one line with a hint), 2 bad usage or
    configuration, 130 cancelled with Ctrl-C. `client_factory` builds the client from the resolved config;
    tests pass one whose client talks to a fake transport.
    """
    if not _rich_available():
        print(_INSTALL_HINT, file=sys.stderr)
        return 2
    from rich.console import Console  # noqa: PLC0415 - rich is optional: imported once known present

    from ._common import EXIT_CANCELLED, EXIT_USAGE, CliContext, report_error  # noqa: PLC0415

    args = build_parser().parse_args(argv)
    width = _console_width()
    out = Console(highlight=False, width=width)
    err = Console(stderr=True, highlight=False, width=width, soft_wrap=True)  # one error, one line
    try:
        config = OllamaConfig.from_env(base_url=args.base_url, timeout_seconds=args.timeout)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        err.print(f"[bold red]error:[/] invalid configuration: {_first_line(exc)}", markup=True)
        return EXIT_USAGE
    factory = client_factory or OllamaClient
    ctx = CliContext(args=args, config=config, out=out, err=err, client_factory=factory)
    try:
        code: int = args.run(ctx)
    except LLMError as exc:
        return report_error(ctx, exc)
    except ValueError as exc:  # e.g. an invalid --keep-alive, rejected before anything is sent
        err.print(f"[bold red]error:[/] {_first_line(exc)}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("cancelled.")
        return EXIT_CANCELLED
    return code


def _first_line(exc: Exception) -> str:
    """A config error in one line: pydantic's per-field messages without their type and URL footers."""
    from pydantic import ValidationError  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    else:
        text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return escape(text)
