"""Pure building and parsing for POST /api/generate (whole answers and streams), shared by every path."""

from __future__ import annotations

import uuid
from typing import Any

from ..config import OllamaConfig
from ..errors import StreamError
from ..generation import GenerateRequest, GenerateResponse
from .calls import Call, bearer
from .chat_request import put_common_fields
from .partial_text import PartialText

__all__ = ["GenerateStream", "build_generate_call", "build_generate_payload", "parse_generate"]

_TEXT_FIELDS = ("suffix", "system", "template")


def build_generate_payload(request: GenerateRequest, config: OllamaConfig, *, stream: bool) -> dict[str, Any]:
    """The exact /api/generate body for `request`: unset values are left out, `stream` is always explicit."""
    payload: dict[str, Any] = {"model": request.model or config.default_model, "prompt": request.prompt,
                               "stream": stream}
    for key in _TEXT_FIELDS:
        value = getattr(request, key)
        if value is not None:
            payload[key] = value
    for key, value in (("raw", request.raw), ("images", request.images), ("context", request.context)):
        if value is not None:
            payload[key] = value
    put_common_fields(payload, request, config)
    return payload


def build_generate_call(request: GenerateRequest, config: OllamaConfig, *, stream: bool,
                        api_key: str | None) -> Call:
    """The POST /api/generate call for `request`.

    Raises:
        ValueError: `raw` with `system`/`template`/`context` (the server refuses that mix), or
            `request.stream` contradicting the method called.
    """
    if request.raw and (request.system is not None or request.template is not None or request.context):
        raise ValueError("raw=True sends the prompt untemplated, so it cannot take system, template or context: "
                         "put them into the prompt yourself, or drop raw")
    if request.stream is not None and request.stream is not stream:
        method = "generate_stream" if request.stream else "generate"
        raise ValueError(f"GenerateRequest.stream={request.stream} contradicts the method called: use "
                         f"{method}() (or leave stream unset)")
    payload = build_generate_payload(request, config, stream=stream)
    return Call("POST", "/api/generate", payload, model=payload["model"], headers=bearer(api_key))


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    done = bool(data.get("done"))
    fields: dict[str, Any] = {
        "model": str(data.get("model", "")),
        "response": str(data.get("response") or ""),
        "thinking": data.get("thinking") or None,
        "done": done,
        "created_at": data.get("created_at"),
        "logprobs": data.get("logprobs"),
    }
    if done:
        prompt, completion = int(data.get("prompt_eval_count") or 0), int(data.get("eval_count") or 0)
        fields.update(
            finish_reason=str(data.get("done_reason") or "stop"),
            context=data.get("context"),
            usage={"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
            metrics={key: data.get(key) for key in
                     ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")},
        )
    return fields


def parse_generate(data: dict[str, Any], *, response_id: str, host: str | None = None) -> GenerateResponse:
    """One /api/generate object (a whole answer or a stream line) as a GenerateResponse."""
    return GenerateResponse.model_validate({"id": response_id, "host": host, **_fields(data)})


class GenerateStream:
    """The state of one /api/generate stream: a shared id, the text so far, and whether `done` arrived."""

    def __init__(self, *, keep_chars: int = 1_000_000) -> None:
        self.id = f"gen-{uuid.uuid4().hex[:24]}"
        self._partial = PartialText(keep_chars)  # config.stream_keep_chars: what partial_content may hold
        self.done = False
        self.host: str | None = None

    @property
    def partial_content(self) -> str:
        """The text received so far (its first `keep_chars` characters)."""
        return self._partial.text

    def feed(self, data: dict[str, Any]) -> GenerateResponse:
        """Parse one stream line; raise StreamError for an `{"error": ...}` line."""
        if "error" in data:
            raise StreamError(f"the server reported an error mid-stream: {data['error']}", url=self.host,
                              partial_content=self.partial_content)
        chunk = parse_generate(data, response_id=self.id, host=self.host)
        self._partial.add(chunk.response)
        self.done = chunk.done
        return chunk

    def finish(self) -> None:
        """Raise StreamError if the stream ended without its `done: true` line."""
        if not self.done:
            raise StreamError("the stream ended before the server sent done=true (connection lost or server "
                              "stopped)", url=self.host, partial_content=self.partial_content)
