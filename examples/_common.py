"""What every example shares: its command-line options and the live-or-replay switch.

Each example talks to a live Ollama when one answers; otherwise it replays the session recorded against the
real server (cassettes/examples/<example>.yaml) and says so in one line. `--record` re-records that session
(run it against scripts/ollama-server with the recording models); `--live` refuses to fall back to the replay.
Live, the first line names the server and the models, and a model that is not installed is named before any
request is sent (`--pull` downloads it, then the example goes on). Expected failures end in one line and a
hint (see _failures.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _failures import ExampleStop, require_models

from cb_ollama_integrations import OllamaConfig, check_availability
from cb_ollama_integrations.testing import REPLAY_BASE_URL, cassette

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "examples"
REPLAY_HINT = "use --base-url (or OLLAMA_BASE_URL) to run against your own, --live to refuse the replay"


@dataclass(frozen=True)
class Session:
    """Where the example sends its requests, which models it uses, and whether this is a replay."""

    base_url: str
    model: str
    embed_model: str
    replay: bool


def parser(description: str, *, model: str, embed_model: str = "all-minilm") -> argparse.ArgumentParser:
    """Options common to all examples; defaults come from OLLAMA_* variables, then the given models."""
    args = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--model", default=os.environ.get("OLLAMA_DEFAULT_MODEL") or model, help="chat model")
    args.add_argument("--embed-model", default=os.environ.get("OLLAMA_EMBEDDING_MODEL") or embed_model,
                      help="embedding model")
    args.add_argument("--base-url", default=None, help="Ollama URL (default: OLLAMA_BASE_URL / OLLAMA_HOST)")
    args.add_argument("--pull", action="store_true", help="pull the models the example needs if they are missing")
    args.add_argument("--debug", action="store_true", help="show the traceback of a failure, and debug logs")
    mode = args.add_mutually_exclusive_group()
    mode.add_argument("--replay", action="store_true", help="replay the recorded session, even if Ollama answers")
    mode.add_argument("--record", action="store_true", help="re-record the session from a live Ollama")
    mode.add_argument("--live", action="store_true", help="fail instead of replaying when no Ollama answers")
    return args


@contextmanager
def session(name: str, options: argparse.Namespace, *, recorded_model: str, embeddings: bool = True,
            recorded_embed_model: str = "all-minilm", ignore_hosts: tuple[str, ...] = ()) -> Iterator[Session]:
    """Run the body live, or inside the replay of cassettes/examples/<name>.yaml.

    `embeddings` says whether the example uses the embedding model (only the models used are checked).
    """
    base_url = OllamaConfig.from_env(base_url=options.base_url).base_url
    path = CASSETTES / f"{name}.yaml"
    answers = not options.replay and check_availability(base_url, timeout=1.0)
    if options.record or options.live or answers:
        models = [options.model, options.embed_model] if embeddings else [options.model]
        print(f"[live] Ollama at {base_url}, models {' and '.join(models)}", flush=True)
        if not answers:
            raise ExampleStop(f"no Ollama answered at {base_url}",
                              "start it with `ollama serve`, or point --base-url (or OLLAMA_BASE_URL) at it; "
                              "without --live or --record the example replays its recording")
        # Checked before recording starts, so the cassette holds only the example's own requests.
        require_models(base_url, models, pull=options.pull)
        with cassette(path, record=True, ignore_hosts=ignore_hosts) if options.record else _nothing():
            yield Session(base_url, options.model, options.embed_model, replay=False)
        return
    models = f"{recorded_model} and {recorded_embed_model}" if embeddings else recorded_model
    print(f"[replay] no Ollama answered at {base_url}: replaying the session recorded against a real server "
          f"({path.relative_to(CASSETTES.parent.parent)}, models {models}); {REPLAY_HINT}", flush=True)
    with cassette(path, record=False, ignore_hosts=ignore_hosts):
        yield Session(REPLAY_BASE_URL, recorded_model, recorded_embed_model, replay=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
