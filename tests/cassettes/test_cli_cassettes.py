"""`cb-ollama` subcommands against a real Ollama v0.24.0 (replayed from cassettes/test_cli_cassettes/).

Each test runs `main([...])` in-process, as the console script does, and checks what a user would see.
"""

from __future__ import annotations

import io
import json
import re
import sys
from typing import Any

import pytest

from cb_ollama_integrations.cli import main

pytestmark = pytest.mark.vcr

CHAT = "smollm2:135m"
SPARE_CHAT = "gemma3:270m"  # warmed and unloaded here, so the chat model other tests use stays loaded
EMBED = "all-minilm:latest"
Capture = pytest.CaptureFixture[str]
STATS_LINE = re.compile(r"^\[(\d+) tokens(, [\d.]+ tok/s)?, (stop|length)\]$", re.MULTILINE)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables laid out 160 columns wide whatever the terminal running the tests, so rows stay on one line."""
    monkeypatch.setenv("COLUMNS", "160")

def cli(ollama_url: str, *argv: str) -> int:
    """Run the command against the server under test; returns the exit code."""
    return main(["--base-url", ollama_url, *argv])


def section(text: str, start: str, end: str) -> str:
    """The part of `text` between two headings."""
    return text.split(start, 1)[1].split(end, 1)[0]


def sent_bodies(vcr: Any) -> list[dict[str, Any]]:
    """The JSON bodies of the requests this test made (from the cassette in play)."""
    return [json.loads(r.body) for r in vcr.requests if r.body]


def test_doctor_reports_server_models_loaded_and_masked_config(
    ollama_url: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_API_KEY", "sk-cli-secret-123")
    assert cli(ollama_url, "warm", CHAT, "--keep-alive", "10m") == 0
    capsys.readouterr()

    assert cli(ollama_url, "doctor") == 0
    out = capsys.readouterr().out
    assert re.search(r"reachable, Ollama \S+, \d+\.\d ms", out)
    installed = section(out, "Installed models (3)", "Recommended but not installed")
    for name in (CHAT, SPARE_CHAT, EMBED):
        assert name in installed
    assert re.search(r"all-minilm:latest\s*│[^\n]*F16[^\n]*│\s*512\s*│\s*embedding", installed)
    missing = section(out, "Recommended but not installed", "Loaded in memory")
    assert "ollama pull qwen2.5-coder:3b" in missing and "ollama pull nomic-embed-text:latest" in missing
    assert CHAT not in missing
    assert CHAT in section(out, "Loaded in memory", "Configuration in effect")
    config = out.split("Configuration in effect", 1)[1]
    assert re.search(r"base_url\s*│[^\n]*│\s*--base-url", config)
    assert re.search(r"api_key\s*│\s*\*\*\*\* \(set\)\s*│\s*OLLAMA_API_KEY", config)
    assert "sk-cli-secret-123" not in out
    assert out.rstrip().endswith("healthy")


def test_models_table_merges_the_server_with_the_catalog(ollama_url: str, capsys: Capture) -> None:
    assert cli(ollama_url, "models") == 0
    out = capsys.readouterr().out
    assert "Models: 3 installed" in out
    row = next(line for line in out.splitlines() if f" {CHAT} " in line)
    assert "yes" in row and "Q4_1" in row and "134.52M" in row and "tools" in row
    catalog_row = next(line for line in out.splitlines() if " qwen2.5-coder:3b " in line)
    assert "│ no " in catalog_row and "32768" in catalog_row


def test_models_json_is_machine_readable(ollama_url: str, capsys: Capture) -> None:
    assert cli(ollama_url, "models", "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["reachable"] is True
    models = {m["id"]: m for m in document["models"]}
    installed = [m["id"] for m in document["models"] if m["installed"]]
    assert sorted(installed) == sorted([EMBED, SPARE_CHAT, CHAT])
    assert [m["installed"] for m in document["models"]][:3] == [True, True, True]  # installed ones first
    embed = models[EMBED]
    assert embed["embedding_dimension"] == 384 and embed["context_window"] == 512
    assert embed["capabilities"] == ["embedding"] and embed["source"] == "server"
    assert models["llama2:latest"]["installed"] is False and models["llama2:latest"]["source"] == "catalog"


def test_pull_reports_the_servers_failure_in_one_line(ollama_url: str, capsys: Capture) -> None:
    # The recording server has no route to the registry: Ollama answers 200, then an error line.
    assert cli(ollama_url, "pull", CHAT) == 1
    captured = capsys.readouterr()
    assert "pulling manifest" in captured.out
    error_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert f"pull of {CHAT} failed: pull model manifest" in error_lines[0]
    assert "registry" in captured.err and "Traceback" not in captured.err


def test_chat_once_streams_the_answer(ollama_url: str, capsys: Capture, vcr: Any) -> None:
    code = cli(ollama_url, "chat", "--model", CHAT, "--once", "Name a fruit.", "--max-tokens", "12",
               "--seed", "7", "--temperature", "0")
    assert code == 0
    out = capsys.readouterr().out
    stats = STATS_LINE.findall(out)
    assert len(stats) == 1 and 0 < int(stats[0][0]) <= 12
    answer = out.split("[", 1)[0].strip()
    assert answer
    [body] = sent_bodies(vcr)
    assert body["stream"] is True and body["options"] == {"num_predict": 12, "seed": 7, "temperature": 0.0}
    assert body["messages"] == [{"role": "user", "content": "Name a fruit."}]


def test_chat_repl_reads_stdin_until_exit_and_keeps_the_conversation(
    ollama_url: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch, vcr: Any
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Name a fruit.\n\nAnd a colour?\n/exit\nNever sent.\n"))
    code = cli(ollama_url, "chat", "--model", CHAT, "--system", "Answer in five words.", "--max-tokens", "10")
    assert code == 0
    out = capsys.readouterr().out
    assert len(STATS_LINE.findall(out)) == 2
    first, second = sent_bodies(vcr)
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    first_answer = second["messages"][2]["content"]
    assert first_answer and first_answer in out  # what was streamed to the screen is what the model said
    assert all("Never sent." not in json.dumps(b) for b in (first, second))


def test_chat_with_a_missing_model_prints_the_pull_hint(ollama_url: str, capsys: Capture) -> None:
    assert cli(ollama_url, "chat", "--model", "no-such-model:1b", "--once", "hi", "--max-tokens", "8") == 1
    err = capsys.readouterr().err
    assert "ollama pull no-such-model:1b" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_warm_then_unload(ollama_url: str, capsys: Capture, vcr: Any) -> None:
    assert cli(ollama_url, "warm", SPARE_CHAT, "--keep-alive", "15m") == 0
    loaded = capsys.readouterr().out
    assert re.search(rf"loaded {re.escape(SPARE_CHAT)} in [\d.]+s \(keep-alive 15m, unloads ", loaded)
    assert cli(ollama_url, "unload", SPARE_CHAT) == 0
    assert f"unloaded {SPARE_CHAT}" in capsys.readouterr().out
    warm, unload = sent_bodies(vcr)
    assert warm == {"model": SPARE_CHAT, "messages": [], "stream": False, "keep_alive": "15m"}
    assert unload["keep_alive"] == 0 and unload["model"] == SPARE_CHAT


def test_warm_a_missing_model_fails_with_the_pull_hint(
    ollama_url: str, capsys: Capture
) -> None:
    assert cli(ollama_url, "warm", "no-such-model:1b") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: model 'no-such-model:1b' not found")
    assert "ollama pull no-such-model:1b" in err
