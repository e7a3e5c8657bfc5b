"""`cb-ollama pull MODEL`: stream POST /api/pull with per-layer progress bars; Ctrl-C cancels cleanly."""

from __future__ import annotations

from contextlib import closing
from typing import Any

from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ..errors import StreamError
from ._common import EXIT_CANCELLED, EXIT_OK, CliContext, report_error

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    """Add the `pull` subcommand."""
    parser = commands.add_parser("pull", help="download a model onto the server, with a progress bar")
    parser.add_argument("model", help="model name, e.g. llama3.2:3b")
    parser.add_argument("--insecure", action="store_true", help="allow a registry without valid TLS")
    parser.set_defaults(run=run)


def _progress(ctx: CliContext) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), DownloadColumn(),
        TransferSpeedColumn(), TimeRemainingColumn(), console=ctx.out,
    )


def _stream_pull(ctx: CliContext, model: str) -> None:
    """Render the pull until the server says "success"; StreamError if it fails or stops short."""
    with ctx.client() as client, _progress(ctx) as progress:
        layers: dict[str, TaskID] = {}
        last_status = ""
        with closing(client.pull_model(model, insecure=ctx.args.insecure)) as updates:
            for update in updates:
                if update.is_layer and update.digest is not None:
                    if update.digest not in layers:
                        layers[update.digest] = progress.add_task(escape(update.status), total=update.total)
                    task = layers[update.digest]
                    progress.update(task, total=update.total, completed=update.completed or 0)
                elif update.status and update.status != last_status:
                    progress.console.print(escape(update.status))
                last_status = update.status



def run(ctx: CliContext) -> int:
    """Pull the model; exit 1 with the server's reason when it fails, 130 when cancelled with Ctrl-C."""
    model = ctx.args.model
    try:
        _stream_pull(ctx, model)
    except KeyboardInterrupt:
        # Leaving the `with` blocks closed the stream (the server stops this pull) and the client.
        ctx.err.print(f"pull of {escape(model)} cancelled; run the same command again to resume")
        return EXIT_CANCELLED
    except StreamError as exc:
        code = report_error(ctx, exc)
        ctx.err.print("[yellow]hint:[/] the Ollama server downloads models itself: it needs access to its "
                      "registry (registry.ollama.ai); also check the model name at https://ollama.com/library")
        return code
    ctx.out.print(f"[green]pulled[/] {escape(model)}")
    return EXIT_OK
