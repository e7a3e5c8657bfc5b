"""Every constructor argument of langchain-ollama's and llama-index's Ollama classes, walked from the installed
packages: our class sends it with the same meaning (seen on the wire through httpx.MockTransport), leaves it
to the framework base class both share, or refuses it at construction naming what to use instead.

A new argument in a future anchor release fails `test_every_anchor_argument_has_an_expectation` until it is
mapped here.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import ollama
import pytest
from fakes.anchor_wire import install
from langchain_ollama import ChatOllama, OllamaEmbeddings, OllamaLLM
from llama_index.embeddings.ollama import OllamaEmbedding
from llama_index.llms.ollama import Ollama

from cb_ollama_integrations.langchain import CBOllamaEmbeddings, CBOllamaLLM, ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Requests sent by the adapters' own clients (built from their fields) to a fake Ollama."""
    return install(monkeypatch).requests


def _use(obj: Any) -> None:
    """One ordinary call of the object (the call a user of the anchor class makes)."""
    if isinstance(obj, ChatCBOllama | CBOllamaLLM):
        obj.invoke("hi")
    elif isinstance(obj, CBOllamaEmbeddings):
        obj.embed_query("hi")
    elif isinstance(obj, CBOllama):
        obj.complete("hi")
    else:
        obj.get_text_embedding_batch(["a", "b", "c"])


Check = Callable[[Any, list[httpx.Request]], bool]


@dataclass(frozen=True)
class Sent:
    """The argument, with `value`, shows up on the wire as `check` says."""

    value: Any
    check: Check


@dataclass(frozen=True)
class Refused:
    """The argument, with `value`, is refused at construction by a message containing `names`."""

    value: Any
    names: str


FRAMEWORK = "inherited from the framework base class our class also derives from"


def body(requests: list[httpx.Request]) -> dict[str, Any]:
    calls = [r for r in requests if r.url.path != "/api/show"]
    return dict(json.loads(calls[-1].content))


def option(name: str, value: Any) -> Sent:
    return Sent(value, lambda _obj, seen: body(seen)["options"][name] == value)


def top(name: str, value: Any, wire_value: Any = None) -> Sent:
    expected = value if wire_value is None else wire_value
    return Sent(value, lambda _obj, seen: body(seen)[name] == expected)


def header(value: dict[str, Any]) -> Sent:
    return Sent(value, lambda _obj, seen: seen[-1].headers.get("x-test") == "yes")


def read_timeout(value: Any, seconds: float) -> Sent:
    return Sent(value, lambda _obj, seen: seen[-1].extensions["timeout"]["read"] == seconds)


HEADERS = {"headers": {"X-Test": "yes"}}
VALIDATE = Sent(True, lambda _obj, seen: seen[0].url.path == "/api/show")
BASE_URL = Sent("http://127.0.0.1:9", lambda _obj, seen: seen[-1].url.port == 9)
CLIENT_KWARGS = {
    "client_kwargs": header(HEADERS),
    "sync_client_kwargs": Refused(HEADERS, "client_kwargs"),
    "async_client_kwargs": Refused(HEADERS, "client_kwargs"),
}
OPTIONS = {name: option(name, value) for name, value in {
    "mirostat": 2, "mirostat_eta": 0.2, "mirostat_tau": 4.0, "num_ctx": 512, "num_gpu": 0, "num_thread": 2,
    "repeat_last_n": 32, "repeat_penalty": 1.2, "temperature": 0.3, "stop": ["x"], "tfs_z": 1.0, "top_k": 5,
    "top_p": 0.8,
}.items()}
LC_BASE = dict.fromkeys(("name", "cache", "verbose", "callbacks", "tags", "metadata", "custom_get_token_ids"),
                        FRAMEWORK)

EXPECTED: dict[type, tuple[type, dict[str, Any]]] = {
    ChatOllama: (ChatCBOllama, {
        **LC_BASE, **dict.fromkeys(("rate_limiter", "disable_streaming", "output_version", "profile"), FRAMEWORK),
        "model": top("model", "mymodel"), "reasoning": top("think", True), "validate_model_on_init": VALIDATE,
        **OPTIONS, "num_predict": option("num_predict", 9), "seed": option("seed", 7),
        "logprobs": top("logprobs", True), "top_logprobs": top("top_logprobs", 2),
        "format": top("format", "json"), "keep_alive": top("keep_alive", "10m"), "base_url": BASE_URL,
        **CLIENT_KWARGS,
    }),
    OllamaLLM: (CBOllamaLLM, {
        **LC_BASE, "model": top("model", "mymodel"), "reasoning": top("think", True),
        "validate_model_on_init": VALIDATE, **OPTIONS, "num_predict": option("num_predict", 9),
        "seed": option("seed", 7), "format": top("format", "json"), "keep_alive": top("keep_alive", "10m"),
        "base_url": BASE_URL, **CLIENT_KWARGS,
    }),
    OllamaEmbeddings: (CBOllamaEmbeddings, {
        "model": top("model", "mymodel"), "dimensions": top("dimensions", 64), "validate_model_on_init": VALIDATE,
        **OPTIONS, "keep_alive": top("keep_alive", 30), "base_url": BASE_URL, **CLIENT_KWARGS,
    }),
    Ollama: (CBOllama, {
        **dict.fromkeys(("callback_manager", "rate_limiter", "system_prompt", "messages_to_prompt",
                         "completion_to_prompt", "output_parser", "pydantic_program_mode", "query_wrapper_prompt"),
                        FRAMEWORK),
        "model": top("model", "mymodel"), "base_url": BASE_URL, "temperature": option("temperature", 0.3),
        "context_window": option("num_ctx", 2048), "request_timeout": read_timeout(12.0, 12.0),
        "prompt_key": Refused("prompt", "drop it"), "json_mode": top("format", True, "json"),
        "additional_kwargs": Sent({"mirostat": 2, "num_gpu": 0},
                                  lambda _o, seen: body(seen)["options"] == {"mirostat": 2, "num_gpu": 0}),
        "client": Refused(ollama.Client(), "OllamaClient"),
        "async_client": Refused(ollama.AsyncClient(), "client=OllamaClient"),
        "is_function_calling_model": Sent(False, lambda obj, _s: obj.metadata.is_function_calling_model is False),
        "keep_alive": top("keep_alive", "1h"), "thinking": top("think", True), "headers": header({"X-Test": "yes"}),
    }),
    OllamaEmbedding: (CBOllamaEmbedding, {
        **dict.fromkeys(("callback_manager", "num_workers", "embeddings_cache", "rate_limiter"), FRAMEWORK),
        "model_name": top("model", "mymodel"), "base_url": BASE_URL,
        "embed_batch_size": Sent(2, lambda _o, seen: [len(json.loads(r.content)["input"]) for r in seen] == [2, 1]),
        "ollama_additional_kwargs": Sent({"num_ctx": 256}, lambda _o, seen: body(seen)["options"] == {"num_ctx": 256}),
        "query_instruction": Sent("query:", lambda obj, seen: bool(obj.get_query_embedding("q"))
                                  and body(seen)["input"] == ["query: q"]),
        "text_instruction": Sent("passage:", lambda _o, seen: body(seen)["input"] == ["passage: a", "passage: b",
                                                                                    "passage: c"]),
        "client_kwargs": header(HEADERS), "keep_alive": top("keep_alive", "1h"),
    }),
}


def anchor_arguments(anchor: type) -> set[str]:
    """The constructor arguments of an installed anchor class: its pydantic fields and explicit parameters."""
    params = inspect.signature(anchor.__init__).parameters
    explicit = {name for name, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD and name != "self"}
    return set(anchor.model_fields) | explicit


CASES = [(anchor, name) for anchor, (_, table) in EXPECTED.items() for name in sorted(anchor_arguments(anchor))]


@pytest.mark.parametrize("anchor", list(EXPECTED), ids=lambda c: c.__name__)
def test_every_anchor_argument_has_an_expectation(anchor: type) -> None:
    assert anchor_arguments(anchor) == set(EXPECTED[anchor][1])


def _base(ours: type) -> dict[str, Any]:
    return {"model_name": "mymodel"} if ours is CBOllamaEmbedding else {"model": "mymodel"}


@pytest.mark.parametrize(("anchor", "name"), CASES, ids=[f"{a.__name__}.{n}" for a, n in CASES])
def test_anchor_argument_is_honoured_or_refused(anchor: type, name: str, wire: list[httpx.Request]) -> None:
    ours, table = EXPECTED[anchor]
    expectation = table[name]
    if expectation is FRAMEWORK:
        assert name in ours.model_fields  # the same framework field, handled by the framework
        return
    kwargs = {**_base(ours), name: expectation.value}
    if isinstance(expectation, Refused):
        with pytest.raises((TypeError, ValueError), match=expectation.names):
            ours(**kwargs)
        return
    obj = ours(**kwargs)
    _use(obj)
    assert expectation.check(obj, wire), [r.content for r in wire]


def test_query_instruction_is_joined_with_a_space_like_the_anchor(wire: list[httpx.Request]) -> None:
    CBOllamaEmbedding(model_name="m", query_instruction="query:").get_query_embedding("q")
    assert body(wire)["input"] == ["query: q"]
