"""`cb-ollama` without a recording: unreachable servers, usage errors, no-I/O commands, and fault injection.

Pull progress, Ctrl-C and thinking output are driven by fakes (httpx.MockTransport): the real test server
cannot pull (no registry access) and has no thinking model.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from fakes import FakeOllama, chat_object, ndjson

from cb_ollama_integrations import OllamaClient, OllamaConfig
from cb_ollama_integrations import _model_management as model_api
from cb_ollama_integrations.cli import main
from cb_ollama_integrations.cli._common import describe_expiry, human_bytes

Capture = pytest.CaptureFixture[str]
MB = 1_000_000


@pytest.fixture
def closed_url() -> str:
    """A loopback URL nobody listens on: an ephemeral port, bound then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables laid out 160 columns wide whatever the terminal running the tests, so rows stay on one line."""
    monkeypatch.setenv("COLUMNS", "160")

def no_client(config: OllamaConfig) -> OllamaClient:
    """A client factory for commands that must not touch the network."""
    raise AssertionError("this command must not create a client")


class FakePullBody(httpx.SyncByteStream):
    """A fake streamed pull body; raises KeyboardInterrupt after `interrupt_after` frames (Ctrl-C)."""

    def __init__(self, frames: list[bytes], interrupt_after: int | None = None) -> None:
        self.frames = frames
        self.interrupt_after = interrupt_after
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for sent, frame in enumerate(self.frames):
            if sent == self.interrupt_after:
                raise KeyboardInterrupt
            yield frame

    def close(self) -> None:
        self.closed = True


def layer(digest: str, total: int, completed: int) -> dict[str, Any]:
    """One fake /api/pull progress line, shaped like Ollama's."""
    return {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}", "total": total,
            "completed": completed}


PULL_LINES = [
    {"status": "pulling manifest"},
    layer("a" * 64, 2 * MB, 0), layer("a" * 64, 2 * MB, MB), layer("a" * 64, 2 * MB, 2 * MB),
    layer("b" * 64, 500, 500),
    {"status": "verifying sha256 digest"}, {"status": "writing manifest"}, {"status": "success"},
]


def fake_pull(body: FakePullBody) -> FakeOllama:
    """A fake server whose /api/pull answers with `body`, one frame per network read."""
    return FakeOllama(handler=lambda request: httpx.Response(200, stream=body))


def factory(fake: FakeOllama) -> Any:
    """A client factory that keeps the resolved config but sends everything to the fake."""
    return lambda config: OllamaClient(config, transport=httpx.MockTransport(fake))


def test_doctor_on_a_closed_port_is_unhealthy(closed_url: str, capsys: Capture) -> None:
    assert main(["--base-url", closed_url, "doctor"]) == 1
    captured = capsys.readouterr()
    assert f"unhealthy: the Ollama server at {closed_url} is unreachable" in captured.err
    assert "ollama serve" in captured.err and "Traceback" not in captured.err
    assert "Configuration in effect" in captured.out
    assert "healthy" not in captured.out


def test_models_without_a_server_lists_the_catalog_with_a_notice(closed_url: str, capsys: Capture) -> None:
    assert main(["--base-url", closed_url, "models", "--json"]) == 0
    captured = capsys.readouterr()
    assert "unreachable: showing the built-in catalog only" in captured.err
    document = json.loads(captured.out)  # the notice went to stderr, so stdout is pure JSON
    assert document["reachable"] is False
    ids = [m["id"] for m in document["models"]]
    assert "qwen2.5-coder:3b" in ids and "nomic-embed-text:latest" in ids
    assert not any(m["installed"] for m in document["models"])


def test_chat_on_a_closed_port_is_one_error_line_with_a_hint(
    closed_url: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_MAX_RETRIES", "0")
    assert main(["--base-url", closed_url, "chat", "--model", "m", "--once", "hi"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: ") and err[1].startswith("hint: is Ollama running at")
    assert len(err) == 2


def test_recommend_one_category_without_io(capsys: Capture) -> None:
    assert main(["recommend", "code"], client_factory=no_client) == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("│")]
    rows = [[cell.strip() for cell in line.split("│")[1:3]] for line in table]
    assert rows == [
        ["code", "qwen2.5-coder:3b"], ["", "codellama"], ["", "phi"]]


def test_recommend_all_categories(capsys: Capture) -> None:
    assert main(["recommend"], client_factory=no_client) == 0
    out = capsys.readouterr().out
    for category in ("chat", "code", "reasoning", "fast", "quality", "embeddings"):
        assert f"│ {category} " in out


def test_an_unknown_category_is_a_usage_error(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["recommend", "poetry"], client_factory=no_client)
    assert exit_info.value.code == 2
    assert "invalid choice: 'poetry'" in capsys.readouterr().err


def test_invalid_configuration_exits_2_in_one_line(capsys: Capture) -> None:
    assert main(["--base-url", "ftp://nowhere", "doctor"], client_factory=no_client) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration: base_url:") and err.count("\n") == 1


def test_invalid_keep_alive_is_rejected_before_anything_is_sent(capsys: Capture) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(500))
    assert main(["warm", "m", "--keep-alive", "10x"], client_factory=factory(fake)) == 2
    assert "invalid keep_alive '10x'" in capsys.readouterr().err
    assert fake.requests == []


def test_without_rich_the_command_names_the_extra(capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # what `import rich` sees when it is not installed
    assert main(["recommend"], client_factory=no_client) == 2
    assert "pip install 'cb-ollama-integrations[cli]'" in capsys.readouterr().err


def test_pull_renders_progress_until_success(capsys: Capture) -> None:
    body = FakePullBody([ndjson(line) for line in PULL_LINES])
    fake = fake_pull(body)
    assert main(["pull", "tiny:1m"], client_factory=factory(fake)) == 0
    out = capsys.readouterr().out
    assert json.loads(fake.requests[0].content) == {"model": "tiny:1m", "stream": True}
    assert fake.requests[0].url.path == "/api/pull"
    lines = out.splitlines()
    statuses = [s for s in ("pulling manifest", "verifying sha256 digest", "writing manifest") if s in lines]
    assert statuses == ["pulling manifest", "verifying sha256 digest", "writing manifest"]
    bar = next(line for line in lines if line.startswith(f"pulling {'a' * 12}"))
    assert "100%" in bar and "2.0/2.0 MB" in bar
    assert any(line.startswith(f"pulling {'b' * 12}") and "100%" in line for line in lines)
    assert lines[-1] == "pulled tiny:1m"
    assert body.closed


def test_ctrl_c_during_pull_closes_the_stream_and_exits_130(capsys: Capture) -> None:
    body = FakePullBody([ndjson(line) for line in PULL_LINES], interrupt_after=2)
    assert main(["pull", "tiny:1m"], client_factory=factory(fake_pull(body))) == 130
    captured = capsys.readouterr()
    assert captured.err == "pull of tiny:1m cancelled; run the same command again to resume\n"
    assert body.closed
    assert "pulled" not in captured.out


def test_a_pull_stream_that_stops_short_is_an_error(capsys: Capture) -> None:
    body = FakePullBody([ndjson(line) for line in PULL_LINES[:3]])
    assert main(["pull", "tiny:1m"], client_factory=factory(fake_pull(body))) == 1
    assert "error: the pull of tiny:1m ended before the server reported success" in capsys.readouterr().err


def test_chat_shows_thinking_dim_and_apart_from_the_answer(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # keep rich's styles in captured output
    lines = [chat_object("", thinking="Hmm, fruit."),
             chat_object("Apple."), chat_object("", done=True)]
    fake = FakeOllama(handler=lambda request: httpx.Response(200, content=ndjson(*lines)))
    assert main(["chat", "--model", "m", "--think", "--once", "Fruit?"], client_factory=factory(fake)) == 0
    out = capsys.readouterr().out
    assert json.loads(fake.requests[0].content)["think"] is True
    dim = "\x1b[2m"
    thinking_at, answer_at = out.index("Hmm, fruit."), out.index("Apple.")
    assert thinking_at < answer_at
    assert out.rfind(dim, 0, thinking_at) > out.rfind("\n", 0, thinking_at)  # dim style on the thinking line
    assert "\n" in out[thinking_at:answer_at]  # the answer starts on its own line
    assert dim not in out[out.rfind("\n", 0, answer_at):answer_at]


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "cb_ollama_integrations", "recommend", "embeddings"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "│ embeddings │ nomic-embed-text:latest │" in result.stdout


def test_sizes_and_expiry_are_human_readable() -> None:
    assert [human_bytes(n) for n in (None, 512, 45_949_702, 3 * 10**9)] == ["-", "512 B", "45.9 MB", "3.0 GB"]
    now = datetime(2026, 11, 24, 22, 38, 0, tzinfo=timezone.utc)
    assert describe_expiry("2026-11-24T22:43:00.048978491Z", now) == "in 5m 0s"
    assert describe_expiry("2026-11-25T00:40:00+00:00", now) == "in 2h 2m"
    assert describe_expiry("2026-11-24T22:30:00Z", now) == "expired"
    assert describe_expiry("2318-01-01T00:00:00.5Z", now) == "never (kept loaded)"
    assert describe_expiry(None, now) == "-"


def test_ctrl_c_between_lines_also_closes_the_stream(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[bytes] = []

    def interrupted_on_third_line(line: bytes, **where: Any) -> Any:
        parsed.append(line)
        if len(parsed) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the CLI renders, with the server's stream still open
        return real_parse(line, **where)

    real_parse = model_api.parse_pull_line
    monkeypatch.setattr(model_api, "parse_pull_line", interrupted_on_third_line)
    body = FakePullBody([ndjson(line) for line in PULL_LINES])
    assert main(["pull", "tiny:1m"], client_factory=factory(fake_pull(body))) == 130
    assert body.closed and len(parsed) == 3
    assert "cancelled" in capsys.readouterr().err
