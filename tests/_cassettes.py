"""Cassette conventions: readable YAML, scrubbed headers, the recording host normalised to localhost:11434.

Cassettes are only ever written by vcrpy while a test talks to the real Ollama started by
scripts/ollama-server (`make record`); nothing here edits recorded bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
REPLAY_HOST = "localhost:11434"
SCRUBBED_REQUEST_HEADERS = ("authorization", "user-agent", "x-api-key", "api-key", "cookie", "host")
SCRUBBED_RESPONSE_HEADERS = ("date", "set-cookie")


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (NDJSON streams) as literal blocks, one line per chunk."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


class ReadableYamlSerializer:
    """vcrpy serializer: request and response bodies stored as text when they are UTF-8."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        for interaction in cassette.get("interactions", []):
            interaction["request"]["body"] = _text(interaction["request"].get("body"))
            body = interaction["response"].get("body") or {}
            if "string" in body:
                body["string"] = _text(body["string"])
        return yaml.dump(cassette, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=10_000)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(text)
        return data


def normalise_request(request: Any) -> Any:
    """Record every request as sent to localhost:11434, whatever port the recording server used."""
    parts = urlsplit(request.uri)
    request.uri = urlunsplit((parts.scheme, REPLAY_HOST, parts.path, parts.query, parts.fragment))
    for name in list(request.headers):
        if name.lower() in SCRUBBED_REQUEST_HEADERS:
            del request.headers[name]
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop headers that vary per run (dates) or could carry secrets."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SCRUBBED_RESPONSE_HEADERS:
            del headers[name]
    return response


def load_cassette(path: Path) -> dict[str, Any]:
    """A cassette file as data (for the checks that cassettes are genuine recordings)."""
    return ReadableYamlSerializer.deserialize(path.read_text(encoding="utf-8"))
