"""Pure building and parsing of POST /api/pull (used by `OllamaClient.pull_model` and its async twin)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StreamError
from .calls import Call
from .json_lines import parse_json
from .validators import reports_malformed, text

__all__ = ["PullUpdate", "build_pull_call", "parse_pull_line"]


@dataclass(frozen=True)
class PullUpdate:
    """One line of a pull stream: a status ("pulling manifest", "success"), or a layer's byte progress."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None

    @property
    def is_layer(self) -> bool:
        """True for a download progress line of one blob (it has a digest and a known size)."""
        return self.digest is not None and bool(self.total)

    @property
    def succeeded(self) -> bool:
        """True for the final line of a pull that worked."""
        return self.status == "success"


def build_pull_call(model: str, *, insecure: bool = False) -> Call:
    """The streamed POST /api/pull for `model` (`insecure` allows a registry without valid TLS)."""
    payload: dict[str, object] = {"model": model, "stream": True}
    if insecure:
        payload["insecure"] = True
    return Call("POST", "/api/pull", payload, model=model, resend=False)  # a pull is never started twice


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@reports_malformed("/api/pull line")
def parse_pull_line(line: bytes, *, model: str, url: str | None = None) -> PullUpdate:
    """Decode one NDJSON line of a pull; an `{"error": ...}` line raises StreamError with the server's text.

    Ollama answers 200 as soon as the pull starts, so failures (no registry access, unknown model) arrive
    as an error line inside the stream rather than as an HTTP status.
    """
    data = parse_json(line, url=url)
    if data.get("error") is not None:
        raise StreamError(f"pull of {model} failed: {data['error']}", url=url)
    digest = data.get("digest")
    return PullUpdate(
        status=text(data.get("status"), "status", url),
        digest=digest if isinstance(digest, str) and digest else None,
        total=_int(data.get("total")),
        completed=_int(data.get("completed")),
    )
