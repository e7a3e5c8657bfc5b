"""Arguments of langchain-ollama's and llama-index's Ollama classes, mapped onto this package's settings.

Code ported from those classes passes their constructor arguments unchanged. Each is accepted with the same
meaning on the wire, or refused here at construction with a message naming what to use instead; none is
dropped silently. Framework-free: both adapters use it.

Refusals raise TypeError (a wrong argument), not ValueError: pydantic would wrap a ValueError from a model
validator with the whole input, and the input holds the raw headers (secrets) not yet made SecretStr.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ..types import GenerationMetrics, Logprobs, TokenUsage

__all__ = ["EXTRA_OPTION_NAMES", "EmbeddingOptionFields", "ExtraOptionFields", "LogprobFields",
           "client_kwargs_settings", "ollama_answer_fields", "rename_alias"]

# Ollama options the anchors expose as fields and this package had only through `options`.
EXTRA_OPTION_NAMES = ("mirostat", "mirostat_eta", "mirostat_tau", "num_gpu", "num_thread", "repeat_last_n", "tfs_z")
CLIENT_KWARGS = ("client_kwargs", "sync_client_kwargs", "async_client_kwargs")

# httpx/ollama client arguments with no field here, and what to do instead.
_REFUSED_CLIENT_KWARGS = {
    "proxy": "set HTTPS_PROXY / HTTP_PROXY in the environment (honoured)",
    "proxies": "set HTTPS_PROXY / HTTP_PROXY in the environment (honoured)",
    "auth": "pass api_key=... or headers={'Authorization': ...}",
    "transport": "pass client=OllamaClient(config, transport=...)",
    "host": "pass base_url=...",
    "follow_redirects": "point base_url at the final address (redirects are not followed: a POST must not "
                        "silently become a GET)",
}


class ExtraOptionFields(BaseModel):
    """Ollama options as fields, as langchain-ollama names them; each set one is sent in `options`."""

    mirostat: int | None = Field(None, description="Mirostat sampling: 0 off, 1 Mirostat, 2 Mirostat 2.0.")
    mirostat_eta: float | None = Field(None, description="Mirostat learning rate.")
    mirostat_tau: float | None = Field(None, description="Mirostat target entropy.")
    num_gpu: int | None = Field(None, description="Layers to offload to the GPU(s).")
    num_thread: int | None = Field(None, description="CPU threads for generation.")
    repeat_last_n: int | None = Field(None, description="How far back to look to penalise repeats.")
    tfs_z: float | None = Field(None, description="Tail-free sampling (ignored by recent servers).")

    def extra_options(self) -> dict[str, Any]:
        """The set options among these fields."""
        return {name: getattr(self, name) for name in EXTRA_OPTION_NAMES if getattr(self, name) is not None}


class EmbeddingOptionFields(ExtraOptionFields):
    """The model options langchain-ollama's OllamaEmbeddings takes as fields; each set one goes in `options`."""

    num_ctx: int | None = Field(None, description="Context window to allocate (tokens): longer texts fit.")
    repeat_penalty: float | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    top_k: int | None = None
    top_p: float | None = None

    def extra_options(self) -> dict[str, Any]:
        """The set options among these fields."""
        names = ("num_ctx", "repeat_penalty", "temperature", "stop", "top_k", "top_p")
        own = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        return super().extra_options() | own


class LogprobFields(BaseModel):
    """Log probabilities of the generated tokens (Ollama >= 0.12.11), sent as top-level keys."""

    logprobs: bool | None = Field(None, description="Return the log probability of each generated token.")
    top_logprobs: int | None = Field(None, ge=0, le=20, description="Also the N most likely tokens at each step.")

    @model_validator(mode="after")
    def _top_needs_logprobs(self) -> LogprobFields:
        if self.top_logprobs and self.logprobs is False:
            raise ValueError("top_logprobs needs logprobs: set logprobs=True (or leave it unset)")
        if self.top_logprobs and self.logprobs is None:
            self.logprobs = True
        return self


def ollama_answer_fields(
    *, model: str, created_at: str | None, done: bool, done_reason: str | None, usage: TokenUsage | None,
    metrics: GenerationMetrics | None, logprobs: Logprobs | None = None,
) -> dict[str, Any]:
    """The fields of Ollama's answer under Ollama's names, as langchain-ollama's `response_metadata` and
    llama-index's `raw` carry them (code reading `["eval_count"]` keeps working). Unknown values are None."""
    timings = metrics or GenerationMetrics()
    fields = {
        "model": model, "created_at": created_at, "done": done, "done_reason": done_reason,
        "total_duration": timings.total_duration, "load_duration": timings.load_duration,
        "prompt_eval_count": usage.prompt_tokens if usage else None,
        "prompt_eval_duration": timings.prompt_eval_duration,
        "eval_count": usage.completion_tokens if usage else None, "eval_duration": timings.eval_duration,
    }
    return fields | ({"logprobs": logprobs} if logprobs is not None else {})


def rename_alias(data: Any, alias: str, name: str) -> Any:
    """Constructor data with the anchor's `alias` (e.g. num_predict) moved to our field `name` (max_tokens)."""
    if not isinstance(data, Mapping) or alias not in data:
        return data
    values = dict(data)
    value = values.pop(alias)
    if values.get(name) is not None and value is not None and values[name] != value:
        raise TypeError(f"{alias}={value!r} and {name}={values[name]!r} say the same thing: pass only {name}")
    if values.get(name) is None:
        values[name] = value
    return values


def _timeout_settings(value: Any, read_field: str) -> dict[str, Any]:
    """A client `timeout` (seconds, or an httpx.Timeout) as our read/connect timeout fields."""
    if value is None:
        raise TypeError("client_kwargs timeout=None (wait forever) is refused: a hung server would block the "
                         f"call forever; pass {read_field}=<seconds> (default 300)")
    if isinstance(value, int | float):
        return {read_field: float(value)}
    read, connect = getattr(value, "read", None), getattr(value, "connect", None)
    if read is None and connect is None:
        raise TypeError(f"client_kwargs timeout={value!r}: pass {read_field}=<seconds> and connect_timeout=<seconds>")
    settings = {read_field: read} if read is not None else {}
    return settings | ({"connect_timeout": connect} if connect is not None else {})


def _merged(data: Mapping[str, Any]) -> dict[str, Any]:
    shared = dict(data.get("client_kwargs") or {})
    sync = {**shared, **(data.get("sync_client_kwargs") or {})}
    async_ = {**shared, **(data.get("async_client_kwargs") or {})}
    for key in sync.keys() | async_.keys():
        if sync.get(key, math.nan) != async_.get(key, math.nan):
            raise TypeError(f"sync_client_kwargs and async_client_kwargs differ on {key!r}: one setting serves "
                             "both here; pass it once in client_kwargs")
    return sync


def client_kwargs_settings(data: Any, read_field: str) -> Any:
    """Constructor data with `client_kwargs`/`sync_client_kwargs`/`async_client_kwargs` turned into our fields.

    `headers` join `headers` (explicit ones win), `timeout` becomes the read (and connect) timeout, `verify`
    (a bool) becomes `verify_ssl`; any other key is refused by name, with what to do instead.
    """
    if not isinstance(data, Mapping) or not any(key in data for key in CLIENT_KWARGS):
        return data
    kwargs = _merged(data)
    values = {key: value for key, value in data.items() if key not in CLIENT_KWARGS}
    unknown = sorted(set(kwargs) - {"headers", "timeout", "verify"})
    if unknown:
        hints = "; ".join(f"{key}: {_REFUSED_CLIENT_KWARGS.get(key, 'not supported')}" for key in unknown)
        raise TypeError(f"client_kwargs {unknown} have no equivalent here ({hints}); headers, timeout and verify "
                         "are mapped")
    if "headers" in kwargs:
        values["headers"] = {**dict(kwargs["headers"] or {}), **dict(values.get("headers") or {})}
    if "timeout" in kwargs:
        values = _timeout_settings(kwargs["timeout"], read_field) | values
    if "verify" in kwargs:
        if not isinstance(kwargs["verify"], bool):
            raise TypeError("client_kwargs verify must be True/False here (verify_ssl); for a private CA set "
                             "SSL_CERT_FILE to its bundle")
        values.setdefault("verify_ssl", kwargs["verify"])
    return values
