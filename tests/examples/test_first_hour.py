"""A new user's first hour with the examples: against their own Ollama, which may lack a model or be down.

Every example runs as a subprocess against a loopback fake (tests/_first_hour_fake.py) or a closed port;
an expected failure must end in one line (plus a hint where there is advice), exit 1, and no traceback.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fakes.models_server import FakeOllama

from cb_ollama_integrations.errors import CircuitOpenError, LLMError, LLMTimeoutError, ModelNotFoundError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["failover.py", "lcel_chain.py", "llamaindex_query_engine.py", "ollama_provider_test.py",
            "rag_langchain.py", "tools_agent.py"]
USES_EMBEDDINGS = {"llamaindex_query_engine.py", "ollama_provider_test.py", "rag_langchain.py"}


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
    environ["COLUMNS"] = "120"
    return subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], capture_output=True, text=True,
                          timeout=120, env=environ, cwd=ROOT, check=False)


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was just released): connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_missing_model_is_named_in_one_line_before_any_request(example: str) -> None:
    with FakeOllama(installed={"all-minilm"}) as fake:
        result = run_example(example, "--base-url", fake.url, "--model", "tiny-chat:1b", "--embed-model", "all-minilm")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    models = "tiny-chat:1b and all-minilm" if example in USES_EMBEDDINGS else "tiny-chat:1b"
    assert first == f"[live] Ollama at {fake.url}, models {models}"
    assert result.stderr.splitlines() == [
        f"error: 'tiny-chat:1b' is not installed on {fake.url}: run again with --pull to download it "
        "(or `ollama pull tiny-chat:1b`)"
    ]
    assert not [r for r in fake.requests if r not in ("GET /", "POST /api/show")]  # nothing else was sent


def test_every_missing_model_is_named_at_once() -> None:
    with FakeOllama() as fake:
        result = run_example("rag_langchain.py", "--base-url", fake.url, "--model", "a:1b", "--embed-model", "b")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: 'a:1b' and 'b' are not installed on {fake.url}: run again with --pull to download them "
        "(or `ollama pull a:1b; ollama pull b`)"
    ]


@pytest.mark.parametrize("example", EXAMPLES)
def test_live_against_a_dead_port_is_one_line_and_a_hint(example: str) -> None:
    url = closed_port_url()
    result = run_example(example, "--live", "--base-url", url)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(f"[live] Ollama at {url}, models ")
    error, hint = result.stderr.splitlines()
    assert error == f"error: no Ollama answered at {url}"
    assert hint.startswith("hint: start it with `ollama serve`") and "without --live" in hint


def test_without_live_a_dead_port_replays_and_says_how_to_go_live() -> None:
    result = run_example("lcel_chain.py", "--base-url", closed_port_url())
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("[replay] no Ollama answered at http://127.0.0.1:")
    assert first.endswith("use --base-url (or OLLAMA_BASE_URL) to run against your own, --live to refuse the replay")


def test_pull_downloads_the_missing_model_with_progress_then_goes_on() -> None:
    with FakeOllama() as fake:
        result = run_example("lcel_chain.py", "--base-url", fake.url, "--model", "tiny-chat:1b", "--pull")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "pulling manifest" in out and "pulled tiny-chat:1b" in out  # the `cb-ollama pull` output
    assert fake.requests.index("POST /api/pull") < fake.requests.index("POST /api/chat")
    assert out.splitlines()[-2:] == ["Salt.", "usage (tiny-chat:1b): 5 input + 2 output = 7 tokens"]


def test_a_model_removed_mid_run_reads_cleanly() -> None:
    with FakeOllama(installed={"tiny-chat:1b"}, chat_says_missing=True) as fake:
        result = run_example("lcel_chain.py", "--base-url", fake.url, "--model", "tiny-chat:1b")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: model 'tiny-chat:1b' is not installed on the server",
        "hint: run again with --pull, or `ollama pull tiny-chat:1b`",
    ]


def test_debug_shows_the_traceback() -> None:
    with FakeOllama(installed={"tiny-chat:1b"}, chat_says_missing=True) as fake:
        result = run_example("lcel_chain.py", "--base-url", fake.url, "--model", "tiny-chat:1b", "--debug")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "ModelNotFoundError" in result.stderr.splitlines()[-1]


def failures_module() -> ModuleType:
    """examples/_failures.py, imported as the examples import it (they run with examples/ on sys.path)."""
    spec = importlib.util.spec_from_file_location("_example_failures", ROOT / "examples" / "_failures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("error", "said", "hint"), [
    (LLMTimeoutError("read timeout talking to http://127.0.0.1:1/api/chat", phase="read"),
     "read timeout talking to http://127.0.0.1:1/api/chat", "a first request can wait for the model to load"),
    (CircuitOpenError("circuit open for http://127.0.0.1:1", host="http://127.0.0.1:1", state="open",
                      retry_after=29.6), "circuit open for http://127.0.0.1:1", "it is tried again in 30s"),
    (ModelNotFoundError('model "m" not found, try pulling it first: pull it with `ollama pull m`', model="m",
                        status_code=404), "model 'm' is not installed on the server", "`ollama pull m`"),
])
def test_each_expected_failure_is_one_line_and_a_hint(error: LLMError, said: str, hint: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    failures = failures_module()

    def main() -> int:
        raise error

    assert failures.run(main, argv=[]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"error: {said}" and lines[1].startswith("hint: ") and hint in lines[1] and len(lines) == 2
    package_logger, root_handlers = logging.getLogger("cb_ollama_integrations"), list(logging.getLogger().handlers)
    try:
        with pytest.raises(type(error)):
            failures.run(main, argv=["--debug"])
    finally:  # --debug turned the package's DEBUG logs on: leave logging as the other tests expect it
        package_logger.setLevel(logging.NOTSET)
        logging.getLogger().handlers[:] = root_handlers
