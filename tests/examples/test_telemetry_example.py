"""examples/telemetry.py replays its recorded session and prints the spans, attempt events and metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "telemetry.py"


def test_the_telemetry_example_prints_spans_attempts_and_metrics() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OLLAMA_", "OTEL_"))}
    result = subprocess.run([sys.executable, str(EXAMPLE), "--replay"], capture_output=True, text=True,
                            timeout=120, env=environ, cwd=EXAMPLE.parent.parent, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("[replay] no Ollama answered")
    spans = [line for line in out.splitlines() if line.startswith("span ")]
    assert [line.split("'")[1] for line in spans] == ["embeddings all-minilm"] * 2 + ["chat smollm2:135m"]
    assert all('"server.port": 11434' in line and "CLIENT status=UNSET" in line for line in spans)
    assert '"gen_ai.embeddings.dimension.count": 384' in spans[0]
    events = [line.strip() for line in out.splitlines() if line.startswith("    event cb_ollama.attempt")]
    outcomes = [line.split('"cb_ollama.attempt.outcome": "')[1].split('"')[0] for line in events]
    assert outcomes == ["failover", "ok", "circuit_open", "ok", "circuit_open", "ok"]
    assert "sources: lighthouse-keepers.md" in out
    metrics = {line.split()[1] for line in out.splitlines() if line.startswith("metric ")}
    assert metrics >= {"gen_ai.client.operation.duration", "gen_ai.client.token.usage", "cb_ollama.client.attempts",
                       "cb_ollama.client.failovers", "cb_ollama.circuit.rejections", "cb_ollama.circuit.state"}
    assert 'metric cb_ollama.circuit.state {"cb_ollama.host": "http://127.0.0.9:9"} 2' in out
    assert "messages" not in out  # content capture is off unless the environment asks
