"""How an example ends when something expected goes wrong: one line saying what, one line saying what helps.

`run(main)` wraps an example's `main`: the errors of cb_ollama_integrations.errors (server down, model
missing, circuit open, timeout, ...) become `error: ...` and `hint: ...` on stderr and exit code 1, with no
traceback unless `--debug` is given. `require_models` checks, before the first request, that the models an
example needs are installed, and pulls them with the `cb-ollama pull` progress bars when `--pull` is given.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from cb_ollama_integrations import OllamaClient, OllamaConfig
from cb_ollama_integrations.errors import (
    CircuitOpenError,
    LLMError,
    LLMTimeoutError,
    ModelNotFoundError,
    NetworkError,
)

EXIT_FAILED, EXIT_CANCELLED = 1, 130


class ExampleStop(Exception):
    """An expected end of an example: `message` says what happened, `hint` (may be empty) what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def missing_models(base_url: str, models: Sequence[str]) -> list[str]:
    """The models of `models` that the server at `base_url` does not have (asked with POST /api/show)."""
    missing = []
    with OllamaClient(OllamaConfig(base_url=base_url, max_retries=0)) as client:
        for model in dict.fromkeys(models):
            try:
                client.show_model(model)
            except ModelNotFoundError:
                missing.append(model)
    return missing


def require_models(base_url: str, models: Sequence[str], *, pull: bool) -> None:
    """Return when every model is installed; pull the missing ones if `pull`, else stop naming them."""
    missing = missing_models(base_url, models)
    if missing and not pull:
        names = " and ".join(f"'{m}'" for m in missing)
        verb = "is" if len(missing) == 1 else "are"
        pulls = "; ".join(f"ollama pull {m}" for m in missing)
        # One line on purpose: it is the whole answer (what is missing, and the two ways to get it).
        raise ExampleStop(f"{names} {verb} not installed on {base_url}: run again with --pull to download "
                          f"{'it' if len(missing) == 1 else 'them'} (or `{pulls}`)")
    if missing:
        from cb_ollama_integrations.cli import main as cb_ollama  # noqa: PLC0415 - needs rich: only when pulling

        for model in missing:
            if cb_ollama(["--base-url", base_url, "pull", model]) != 0:
                raise ExampleStop(f"could not pull '{model}' onto {base_url}", "see the reason above")


def describe(exc: LLMError) -> tuple[str, str]:
    """The error line and the hint line for an error of this package."""
    if isinstance(exc, ModelNotFoundError) and exc.model:
        # Not exc.message: that is the server's "... not found, try pulling it first" plus our own advice.
        return (f"model '{exc.model}' is not installed on the server",
                f"run again with --pull, or `ollama pull {exc.model}`")
    if isinstance(exc, NetworkError):
        return exc.message, "start Ollama with `ollama serve`, or point --base-url (or OLLAMA_BASE_URL) at it"
    if isinstance(exc, LLMTimeoutError):
        return (exc.message, "a first request can wait for the model to load: try again, or load it first "
                             "with `cb-ollama warm MODEL`")
    if isinstance(exc, CircuitOpenError):
        return exc.message, f"the server failed several times in a row; it is tried again in {exc.retry_after:.0f}s"
    return exc.message, "run again with --debug to see the traceback"


def _say(message: str, hint: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


def run(main: Callable[[], int], argv: Sequence[str] | None = None) -> int:
    """Call `main` and return its exit code; an expected failure prints one line and a hint and returns 1."""
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    if debug:
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("cb_ollama_integrations").setLevel(logging.DEBUG)
    try:
        return main()
    except (ExampleStop, LLMError) as exc:
        if debug:
            raise
        _say(*(describe(exc) if isinstance(exc, LLMError) else (exc.message, exc.hint)))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED
