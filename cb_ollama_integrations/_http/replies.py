"""Checking and decoding one HTTP answer: status -> error, JSON body -> Reply, and request/answer logging."""

from __future__ import annotations

import logging
import time

import httpx

from .._protocol.calls import Call, Reply
from .._protocol.json_lines import parse_json
from .._protocol.status import error_for_status
from .._protocol.validators import check_answer
from ..errors import ParseError, StreamError

__all__ = ["check_response", "decode_reply", "log_request", "whole_last_line"]

logger = logging.getLogger("cb_ollama_integrations")
_BODY_LOG_LIMIT = 1000


def _excerpt(body: bytes) -> str:
    text = body[:_BODY_LOG_LIMIT].decode(errors="replace")
    return text + (f"... ({len(body)} bytes)" if len(body) > _BODY_LOG_LIMIT else "")


def log_request(call: Call, url: str, body: bytes | None, *, bodies: bool = False) -> float:
    """Log the request about to be sent (never its headers: they may hold secrets); returns its start time.

    With `bodies` (config.log_bodies / CB_OLLAMA_LOG_BODIES=1) the body is logged too, cut at 1,000 bytes.
    """
    logger.debug("%s %s model=%s body=%d bytes", call.method, url, call.model, len(body or b""))
    if bodies and body:
        logger.debug("request body: %s", _excerpt(body))
    return time.perf_counter()


def check_response(call: Call, url: str, response: httpx.Response, body: bytes, started: float) -> None:
    """Raise the package error for a non-2xx answer (`body`: what was read of it)."""
    logger.debug("%s %s -> %d (%.1f ms)", call.method, url, response.status_code,
                 (time.perf_counter() - started) * 1000)
    if response.status_code >= 400:
        raise error_for_status(response.status_code, body, method=call.method, url=url,
                               model=call.model, retry_after=response.headers.get("retry-after"))
    if response.status_code >= 300:  # redirects are never followed: the same error as a non-streamed one
        check_answer(response.status_code, body, url=url, location=response.headers.get("location"))


def decode_reply(
    call: Call, url: str, host: str, response: httpx.Response, *, body: bytes, started: float, bodies: bool = False
) -> Reply:
    """Check the status, then decode the JSON body (GET / answers plain text)."""
    if bodies:
        logger.debug("response body: %s", _excerpt(body))
    check_response(call, url, response, body, started)
    if call.path == "/":
        return Reply({"text": body.decode(errors="replace")}, host, body)
    data = check_answer(response.status_code, body, url=url, location=response.headers.get("location"))
    return Reply(data, host, body)


def whole_last_line(line: bytes, url: str) -> bytes:
    """The final bytes of a stream had no newline: they must still be a whole JSON object."""
    try:
        parse_json(line, url=url)
    except ParseError as exc:
        raise StreamError(f"the stream from {url} ended in the middle of a line", url=url) from exc
    return line
