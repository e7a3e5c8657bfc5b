"""Every cassette must carry the marks of a real Ollama recording, and nothing the scrubbing should remove.

A hand-written cassette is caught here: real servers stamp nanosecond timestamps and durations, count the
tokens they evaluated, and answer in their own key order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from _cassettes import CASSETTES, load_cassette

FILES = sorted(CASSETTES.rglob("*.yaml"))
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}(Z|[+-]\d\d:\d\d)$")


def interactions(path: Path) -> list[dict[str, Any]]:
    return list(load_cassette(path).get("interactions") or [])


def objects(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_there_are_cassettes() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CASSETTES)) for p in FILES])
def test_cassette_is_a_genuine_scrubbed_recording(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "127.0.0.1" not in text and ":11435" not in text, "recording host/port must be normalised"
    for item in interactions(path):
        request, response = item["request"], item["response"]
        assert request["uri"].startswith("http://localhost:11434/")
        assert not {h.lower() for h in request["headers"]} & {"authorization", "user-agent", "host", "cookie"}
        assert "date" not in {h.lower() for h in response["headers"]}
        path_only = request["uri"].split("11434", 1)[1]
        body = response["body"]["string"]
        if response["status"]["code"] != 200 or path_only not in ("/api/chat", "/api/embed"):
            continue
        answers = objects(body)
        final = answers[-1]
        if path_only == "/api/embed":
            assert isinstance(final.get("total_duration"), int) and final["total_duration"] > 10_000, "nanoseconds"
            sent = json.loads(request["body"])["input"]
            assert final["model"] == json.loads(request["body"])["model"]
            if sent:
                assert final["prompt_eval_count"] > 0 and len(final["embeddings"]) == len(sent)
            continue
        assert all(CREATED_AT.match(a["created_at"]) for a in answers), "RFC 3339 timestamps with fractions"
        assert final["done"] is True and final.get("done_reason") in ("stop", "length", "load", "unload")
        if final["done_reason"] in ("stop", "length"):
            assert isinstance(final.get("total_duration"), int) and final["total_duration"] > 10_000, "nanoseconds"
            assert final["eval_count"] > 0 and final["eval_duration"] > 0
            assert list(final)[:3] == ["model", "created_at", "message"], "Ollama's own key order"
