"""Each example runs offline by replaying its session recorded against the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, str(EXAMPLES / name), "--replay", *args], capture_output=True,
                          text=True, timeout=120, env=environ, cwd=EXAMPLES.parent, check=False)


def test_provider_walkthrough_replays_every_step() -> None:
    result = run_example("ollama_provider_test.py", env={"TEST_STREAMING": "true"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("[replay] no Ollama answered")
    assert "Ollama 0.0.0 is running" in out
    assert "installed: smollm2:135m (context 8192" in out
    assert "qwen2.5-coder:3b has a 32768-token context window" in out
    assert "Tokens used: " in out and "cost: $0.000000" in out
    assert "4. Streaming" in out
    assert out.count("384 dimensions") == 3
    assert "pull it with `ollama pull no-such-model:7b`" in out


@pytest.mark.parametrize("flag", ["--record", "--replay"])
def test_examples_share_the_same_options(flag: str) -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "ollama_provider_test.py"), "--help"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert flag in result.stdout and "--model" in result.stdout and "--base-url" in result.stdout
