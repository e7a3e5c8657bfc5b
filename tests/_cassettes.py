"""Where the cassettes live, and a loader for the checks that they are genuine recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cb_ollama_integrations.testing import ReadableYamlSerializer

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"


def load_cassette(path: Path) -> dict[str, Any]:
    """A cassette file as data."""
    return ReadableYamlSerializer.deserialize(path.read_text(encoding="utf-8"))
