"""Every httpx exception mapped to the package's error for it, in one place for every path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from .._protocol.status import error_for_status
from ..errors import LLMError, LLMTimeoutError, NetworkError, ParseError

__all__ = ["map_httpx_errors", "translate_httpx_error"]

_TIMEOUT_PHASES: list[tuple[type[httpx.TimeoutException], str]] = [
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
]


def _status_error(exc: httpx.HTTPStatusError, url: str) -> LLMError:
    response = exc.response
    try:
        body = response.content
    except httpx.ResponseNotRead:  # a streamed answer whose body nobody read
        body = b""
    return error_for_status(response.status_code, body, method=exc.request.method, url=url,
                            retry_after=response.headers.get("retry-after"))


def translate_httpx_error(exc: Exception, url: str, timeout_setting: str = "timeout_seconds") -> LLMError:
    """The package error for an httpx exception (the most specific class first).

    Timeouts -> LLMTimeoutError (with the phase), undecodable bodies -> ParseError, every other transport
    failure -> NetworkError, HTTPStatusError -> the ProviderError of its status; misuse of httpx itself
    (invalid URL, stream already consumed...) -> LLMError. `timeout_setting` is the setting the read
    timeout hint names (the field of the class the user holds).
    """
    if isinstance(exc, httpx.TimeoutException):
        phase = next((p for cls, p in _TIMEOUT_PHASES if isinstance(exc, cls)), "read")
        hint = f" (a cold model load can take minutes: raise {timeout_setting})" if phase == "read" else ""
        if phase == "pool" and str(exc):  # the client's own wait for a request slot says which setting
            hint = f": {exc}"
        return LLMTimeoutError(f"{phase} timeout talking to {url}{hint}", url=url, phase=phase)
    if isinstance(exc, httpx.DecodingError):
        return ParseError(f"could not decode the response body from {url}: {exc}", url=url)
    if isinstance(exc, httpx.ConnectError):
        reason = str(exc) or "connection failed"
        return NetworkError(f"cannot connect to {url}: {reason}; is `ollama serve` running?", url=url,
                            phase="connect")
    if isinstance(exc, httpx.HTTPStatusError):
        return _status_error(exc, url)
    if isinstance(exc, httpx.TransportError | httpx.TooManyRedirects):
        return NetworkError(f"network error talking to {url}: {type(exc).__name__}: {exc}", url=url)
    return LLMError(f"HTTP client error for {url}: {type(exc).__name__}: {exc}", url=url)


@contextmanager
def map_httpx_errors(url: str, timeout_setting: str = "timeout_seconds") -> Iterator[None]:
    """Re-raise any httpx exception as the package's error for it, chained (`from exc`)."""
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict) as exc:
        raise translate_httpx_error(exc, url, timeout_setting) from exc
