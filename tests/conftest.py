"""Shared fixtures: clean environment, the cassette configuration, and the base URL of the Ollama under test.

Replay (the default): cassette tests talk to http://localhost:11434 and vcrpy answers from cassettes/; a
request that is not in its cassette fails. Recording (`make record`): CB_OLLAMA_RECORD_URL points at the real
server from scripts/ollama-server and `--record-mode=rewrite` rewrites the cassettes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cassettes import CASSETTES

from cb_ollama_integrations.testing import ReadableYamlSerializer
from cb_ollama_integrations.testing import vcr_config as project_vcr_config

RECORD_URL_ENV = "CB_OLLAMA_RECORD_URL"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OLLAMA_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("OLLAMA_", "CB_OLLAMA_LOG")) or name in ("TEST_STREAMING",):
            monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(scope="session")
def recording(request: pytest.FixtureRequest) -> bool:
    """True when this run records cassettes against a real server."""
    mode = request.config.getoption("--record-mode") or "none"
    return mode != "none"


@pytest.fixture(scope="session")
def ollama_url(recording: bool) -> str:
    """Base URL of the Ollama the cassette tests talk to (the recorder's real server, or the replay host)."""
    if not recording:
        return "http://localhost:11434"
    url = os.environ.get(RECORD_URL_ENV)
    if not url:
        pytest.exit(f"recording needs {RECORD_URL_ENV}: run `make record` (it starts scripts/ollama-server)", 2)
    return url


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """cassettes/<test module>/<test name>.yaml"""
    return str(CASSETTES / Path(request.node.fspath).stem)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Match on method, path, query and the exact body; scrub headers; readable YAML."""
    return project_vcr_config()


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Use the readable serializer for every cassette."""
    vcr.register_serializer("yaml", ReadableYamlSerializer)


@pytest.fixture
def otel() -> Iterator[Any]:
    """A real OpenTelemetry SDK recording into memory (`_otel.Otel`), shut down after the test."""
    from _otel import Otel  # noqa: PLC0415 - the SDK loads only for the tests that ask for it

    recorder = Otel()
    yield recorder
    recorder.shutdown()
