"""Read the real Ollama traffic other projects recorded (../shared/reference/recordings) into uniform exchanges.

Nothing is copied into this repository: the files are read in place, and tests skip when they are absent.
Formats: vcrpy YAML, Ruby VCR YAML, langchaingo httprr, R httptest2 captures, and Prism's bare bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "recordings"
ENDPOINTS = ("/api/chat", "/api/generate", "/api/embed", "/api/show", "/api/tags")


@dataclass(frozen=True)
class Exchange:
    """One recorded answer: the file it came from, the endpoint (None when the file is a bare body)."""

    source: str
    path: str | None
    status: int
    body: bytes


def _endpoint(uri: str) -> str | None:
    path = re.sub(r"^[a-z]+://[^/]+", "", uri).split("?")[0]
    return path if path in ENDPOINTS else None


def _from_yaml(path: Path) -> Iterator[Exchange]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data.get("interactions") or data.get("http_interactions") or []:
        endpoint = _endpoint(item["request"]["uri"])
        response = item.get("response") or {}
        body = (response.get("body") or {}).get("string")
        status = response.get("status") or {}
        code = status.get("code") if isinstance(status, dict) else status
        if endpoint and isinstance(body, str | bytes) and isinstance(code, int):
            yield Exchange(path.name, endpoint, code, body.encode() if isinstance(body, str) else body)


def _from_httprr(path: Path) -> Iterator[Exchange]:
    raw = path.read_bytes()
    pos = raw.index(b"\n") + 1
    while pos < len(raw):
        end = raw.index(b"\n", pos)
        req_len, resp_len = (int(n) for n in raw[pos:end].split())
        request = raw[end + 1:end + 1 + req_len]
        response = raw[end + 1 + req_len:end + 1 + req_len + resp_len]
        pos = end + 1 + req_len + resp_len
        endpoint = _endpoint(request.split(b" ", 2)[1].decode())
        head, _, body = response.partition(b"\r\n\r\n") if b"\r\n\r\n" in response else response.partition(b"\n\n")
        status = int(head.split(b" ", 2)[1])
        if endpoint:
            yield Exchange(path.name, endpoint, status, _unchunk(head, body))


def _unchunk(head: bytes, body: bytes) -> bytes:
    if b"chunked" not in head.lower():
        return body
    out, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2:]
    return bytes(out)


def _from_r(path: Path) -> Iterator[Exchange]:
    text = path.read_text(encoding="utf-8")
    endpoint = _endpoint(re.search(r'url = "([^"]+)"', text).group(1))  # type: ignore[union-attr]
    status = int(re.search(r"status_code = (\d+)L", text).group(1))  # type: ignore[union-attr]
    match = re.search(r'charToRaw\("((?:[^"\\]|\\.)*)"\)', text, re.S)
    if endpoint and match:
        body = match.group(1).encode().decode("unicode_escape").encode("latin-1")
        yield Exchange(path.name, endpoint, status, body)


def exchanges() -> list[Exchange]:
    """Every recorded answer of the endpoints the client parses."""
    found: list[Exchange] = []
    for path in sorted(RECORDINGS.glob("*")):
        if path.suffix in (".yaml", ".yml"):
            found += _from_yaml(path)
        elif path.suffix == ".httprr":
            found += _from_httprr(path)
        elif path.suffix == ".R":
            found += _from_r(path)
        elif path.suffix in (".json", ".sse"):
            found.append(Exchange(path.name, None, 200, path.read_bytes()))
    return found
