"""Record and replay Ollama traffic with vcrpy, with this project's cassette conventions.

Used by the test suite and the examples; usable by applications that want offline tests of their own code
built on this package (needs `vcrpy` and `PyYAML`, both in the `[dev]` extra; imported lazily):

    with cassette("cassettes/my_app/answer.yaml", record=False):
        ...  # calls to http://localhost:11434 are answered from the cassette

Conventions: requests are matched on method, path, query and exact body; the recording host is normalised to
localhost:11434 (so the port used while recording does not matter); Authorization, cookies, user-agent, host
and date headers are dropped; bodies are stored as readable text and NDJSON streams as one line per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["REPLAY_BASE_URL", "ReadableYamlSerializer", "cassette", "normalise_request", "scrub_response",
           "vcr_config"]

REPLAY_BASE_URL = "http://localhost:11434"
_REPLAY_HOST = "localhost:11434"
_SCRUBBED_REQUEST = ("authorization", "user-agent", "x-api-key", "api-key", "cookie", "host")
_SCRUBBED_RESPONSE = ("date", "set-cookie")


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


class ReadableYamlSerializer:
    """vcrpy serializer: UTF-8 bodies as text, multi-line bodies (NDJSON streams) as YAML literal blocks."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        """Dump a cassette as readable YAML."""
        import yaml  # noqa: PLC0415 - optional dependency, loaded only when cassettes are used

        class BlockDumper(yaml.SafeDumper):
            pass

        def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

        BlockDumper.add_representer(str, represent_str)
        for interaction in cassette_dict.get("interactions", []):
            interaction["request"]["body"] = _text(interaction["request"].get("body"))
            body = interaction["response"].get("body") or {}
            if "string" in body:
                body["string"] = _text(body["string"])
        text: str = yaml.dump(cassette_dict, Dumper=BlockDumper, sort_keys=False, allow_unicode=True, width=10_000)
        return text

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        """Load a cassette."""
        import yaml  # noqa: PLC0415 - optional dependency, loaded only when cassettes are used

        data: dict[str, Any] = yaml.safe_load(cassette_string)
        return data


def normalise_request(request: Any) -> Any:
    """Record a request as sent to localhost:11434 and without identifying or secret headers."""
    parts = urlsplit(request.uri)
    request.uri = urlunsplit((parts.scheme, _REPLAY_HOST, parts.path, parts.query, parts.fragment))
    for name in list(request.headers):
        if name.lower() in _SCRUBBED_REQUEST:
            del request.headers[name]
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop response headers that vary per run or could carry secrets."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in _SCRUBBED_RESPONSE:
            del headers[name]
    return response


def vcr_config() -> dict[str, Any]:
    """Keyword arguments for `vcr.VCR(...)` / pytest-recording's `vcr_config` fixture."""
    return {
        "match_on": ["method", "path", "query", "body"],
        "before_record_request": normalise_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "serializer": "yaml",
        "allow_playback_repeats": False,
    }


@contextmanager
def cassette(path: str | Path, *, record: bool, ignore_hosts: tuple[str, ...] = ()) -> Iterator[Any]:
    """Replay `path` (record=False: any request not in it fails) or record it anew from a live server.

    Requests to `ignore_hosts` bypass the cassette and really go out (e.g. a deliberately dead loopback
    address, so a failover demo meets a genuine refused connection).
    """
    try:
        import vcr  # type: ignore[import-untyped]  # noqa: PLC0415 - optional dependency
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("replaying cassettes needs vcrpy: pip install 'cb-ollama-integrations[dev]'") from exc
    config = vcr_config()
    repeats = config.pop("allow_playback_repeats")
    recorder = vcr.VCR(**config, ignore_hosts=ignore_hosts)
    recorder.register_serializer("yaml", ReadableYamlSerializer)
    target = Path(path)
    if record:
        target.unlink(missing_ok=True)
    mode = "all" if record else "none"
    with recorder.use_cassette(str(target), record_mode=mode, allow_playback_repeats=repeats) as tape:
        yield tape
