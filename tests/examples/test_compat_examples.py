"""examples/fim.py replayed from its session recorded against the real server (cassettes/examples/fim.yaml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_fim_example_explains_the_refusal_and_completes_the_prefix() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
    result = subprocess.run([sys.executable, str(EXAMPLES / "fim.py"), "--replay"], capture_output=True, text=True,
                            timeout=120, env=environ, cwd=EXAMPLES.parent, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[replay] no Ollama answered")
    refusal = "fill-in-the-middle refused: registry.ollama.ai/library/smollm2:135m does not support insert"
    assert refusal in result.stdout
    assert "use a code model whose template inserts" in result.stdout
    assert "completion of the prefix alone:" in result.stdout
    assert result.stdout.rstrip().endswith("return cleaned == cleaned[::-1]")
