"""The exceptions this package raises, one hierarchy for every path.

The same failure raises the same class whether the call was sync or async, streaming or not, and whatever
framework adapter sits on top::

    LLMError                          base of everything raised here
    ├── NetworkError                  connection refused, DNS failure, reset, TLS failure
    ├── LLMTimeoutError               connect, read, write or pool timeout (not the builtin TimeoutError)
    ├── ProviderError                 the server answered with an error status
    │   ├── InvalidRequestError       400/501: bad request, or "model does not support tools/embeddings/..."
    │   │   └── ContextWindowExceededError  the prompt does not fit the context window (refused before sending,
    │   │                             the server's 400, or an answer showing the server cut the prompt)
    │   ├── ModelNotFoundError        404: the model is not installed (the message says which `ollama pull`)
    │   ├── RateLimitedError          429: the server is busy; carries `retry_after` when the server sent one
    │   └── ServerError               5xx: runner crash, out of memory, option type error, overload
    ├── StreamError                   a 200 stream that carried an {"error": ...} line or ended before done=true
    ├── ParseError                    a body that is not the JSON Ollama sends
    └── CircuitOpenError              the host's circuit breaker is open: failed fast, nothing was sent

`ProviderError` keeps the facts: `status_code`, the server's `error` text as `server_message`, `method` and `url`.
Every error raised from an httpx exception chains it (`raise ... from exc`).
"""

from __future__ import annotations

__all__ = [
    "CircuitOpenError",
    "ContextWindowExceededError",
    "InvalidRequestError",
    "LLMError",
    "LLMTimeoutError",
    "ModelNotFoundError",
    "NetworkError",
    "ParseError",
    "ProviderError",
    "RateLimitedError",
    "ServerError",
    "StreamError",
]


class LLMError(Exception):
    """Base class of every error raised by cb_ollama_integrations.

    `url` names the endpoint involved when there was one (credentials are never part of it).
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class NetworkError(LLMError):
    """The server could not be reached: connection refused or reset, DNS or TLS failure.

    Usually Ollama is not running (`ollama serve`) or `base_url` points at the wrong host or port. `phase` is
    "connect" when no connection was made (nothing was sent), else "transfer".
    """

    def __init__(self, message: str, *, url: str | None = None, phase: str = "transfer") -> None:
        super().__init__(message, url=url)
        self.phase = phase


class LLMTimeoutError(LLMError):
    """A timeout expired: `phase` is "connect", "read", "write", "pool", or "deadline" (the call's total
    `deadline_seconds` passed, retries and body included).

    A read timeout on the first request to a model is often a cold model load: raise `timeout_seconds`.
    """

    def __init__(self, message: str, *, url: str | None = None, phase: str = "read") -> None:
        super().__init__(message, url=url)
        self.phase = phase


class ProviderError(LLMError):
    """The server answered with an error status (4xx or 5xx).

    Attributes: `status_code`, `server_message` (the `error` field of the body, or the plain-text body),
    `method`, `url`, and `retry_after` (seconds, from a Retry-After header, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        server_message: str = "",
        method: str = "",
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code
        self.server_message = server_message
        self.method = method
        self.retry_after = retry_after


class InvalidRequestError(ProviderError):
    """400 or 501: the server rejected the request, e.g. tools for a model without the "tools" capability, or
    embeddings from a chat-only model (501). Never retried, and it does not count against the host."""


class ContextWindowExceededError(InvalidRequestError):
    """The prompt does not fit the context window, so the model would not see all of it.

    Raised before sending (nothing reaches the server) when even the model's trained context cannot hold the
    estimated prompt (`status_code` is then 0), for the server's own 400 ("the prompt is longer than the
    context length", "the input length exceeds the context length"), and, with `on_context_overflow="raise"`,
    for an answer whose `prompt_eval_count` shows the server cut the prompt (`status_code` 200).

    Facts (None when unknown): `estimated_tokens` (this package's estimate of the prompt), `context_window`
    (the num_ctx in effect), `model_max` (the model's trained context), `model`, and for embeddings
    `input_indexes` (the positions of the texts that are too long).
    """

    def __init__(
        self,
        message: str,
        *,
        estimated_tokens: int | None = None,
        context_window: int | None = None,
        model_max: int | None = None,
        model: str | None = None,
        input_indexes: list[int] | None = None,
        **facts: object,
    ) -> None:
        facts.setdefault("status_code", 0)
        super().__init__(message, **facts)  # type: ignore[arg-type]
        self.estimated_tokens = estimated_tokens
        self.context_window = context_window
        self.model_max = model_max
        self.model = model
        self.input_indexes = input_indexes


class ModelNotFoundError(ProviderError):
    """404: the model is not installed on the server; the message carries the `ollama pull` line."""

    def __init__(self, message: str, *, model: str | None = None, **facts: object) -> None:
        super().__init__(message, **facts)  # type: ignore[arg-type]
        self.model = model


class RateLimitedError(ProviderError):
    """429: the server (or a proxy in front of it) asks the caller to slow down."""


class ServerError(ProviderError):
    """5xx: the server failed (runner crash, out of memory, bad option type, overloaded)."""


class StreamError(LLMError):
    """A stream failed after it started: an `{"error": ...}` line, or the stream ended before `done: true`.

    `partial_content` holds the text received before the failure, so nothing is silently lost.
    """

    def __init__(self, message: str, *, url: str | None = None, partial_content: str = "") -> None:
        super().__init__(message, url=url)
        self.partial_content = partial_content


class ParseError(LLMError):
    """The server's body could not be parsed as the JSON Ollama sends; `body` holds its start."""

    def __init__(self, message: str, *, url: str | None = None, body: str = "") -> None:
        super().__init__(message, url=url)
        self.body = body


class CircuitOpenError(LLMError):
    """The circuit breaker of `host` is open (or of every host in the pool): the call failed fast.

    `state` is "open" or "half_open" (a probe is already in flight); `retry_after` is the number of seconds
    until the breaker lets a probe through.
    """

    def __init__(self, message: str, *, host: str, state: str, retry_after: float) -> None:
        super().__init__(message, url=host)
        self.host = host
        self.state = state
        self.retry_after = retry_after
