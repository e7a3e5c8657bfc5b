"""OllamaClient's context windows over httpx.MockTransport fakes: what is sent, asked, told and raised, on the
sync, async, streaming and async-streaming paths alike."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from fakes.context_ollama import MODEL, PROSE, Server, embed_server

from cb_ollama_integrations import (
    ChatMessage,
    ContextWindowExceededError,
    EmbeddingsRequest,
    InvalidRequestError,
    LLMRequest,
    OllamaClient,
    OllamaConfig,
)


def ask(sentences: int, **fields: Any) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=PROSE * sentences)], **fields)


@pytest.fixture(params=["sync", "async", "stream", "astream"])
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def chat(client: OllamaClient, path: str, request: LLMRequest) -> Any:
    """One chat call on `path`; the final chunk of a stream stands for the answer."""
    if path == "sync":
        return client.chat_completion(request)
    if path == "async":
        return asyncio.run(client.achat_completion(request))
    if path == "stream":
        return list(client.chat_completion_stream(request))[-1]

    async def collect() -> Any:
        return [chunk async for chunk in client.achat_completion_stream(request)][-1]

    return asyncio.run(collect())


def test_a_short_prompt_gets_the_smallest_rung_and_no_extra_request(path: str) -> None:
    server = Server()
    with server.client() as client:
        chat(client, path, ask(3))
    assert server.paths() == ["/api/chat"]
    assert server.sizes() == [None]  # the smallest rung is the server's default: nothing to send


def test_a_long_prompt_asks_the_trained_context_once_and_sizes_only_grow(path: str) -> None:
    server = Server(prompt_eval_count=6100)
    with server.client() as client:
        chat(client, path, ask(600))  # ~6,000 tokens + the 1,024 reserve: the 8,192 rung
        chat(client, path, ask(550))
        chat(client, path, ask(3))  # short, but the runner is loaded at 8,192: no reload
    assert server.paths() == ["/api/show", "/api/chat", "/api/chat", "/api/chat"]
    assert server.sizes() == [8192, 8192, 8192]


def test_an_explicit_size_wins_and_none_sends_nothing(path: str) -> None:
    server = Server()
    with server.client() as client:
        chat(client, path, ask(600, num_ctx=16000))
        chat(client, path, ask(600, num_ctx=None))
        chat(client, path, ask(3, options={"num_ctx": 3000}))
    with server.client(num_ctx=None) as client:
        chat(client, path, ask(600))
    assert server.paths() == ["/api/chat"] * 4
    assert server.sizes() == [16000, None, 3000, None]


def test_a_prompt_longer_than_the_model_can_hold_is_refused_before_sending(path: str) -> None:
    server = Server()
    with server.client() as client, pytest.raises(ContextWindowExceededError) as caught:
        chat(client, path, ask(2000))  # ~20,000 tokens for a model trained on 8,192
    assert server.paths() == ["/api/show"]  # no chat reached the server
    error = caught.value
    assert isinstance(error, InvalidRequestError)
    assert (error.context_window, error.model_max, error.model, error.status_code) == (8192, 8192, MODEL, 0)
    assert error.estimated_tokens is not None and error.estimated_tokens > 19000
    assert "trim_messages" in error.message and "ChatMemoryBuffer" in error.message
    assert "nothing was sent" in error.message and "max_tokens" not in error.message


def test_without_api_show_the_catalog_caps_the_size() -> None:
    server = Server(trained=None)
    with server.client() as client:
        client.chat_completion(ask(600))
        client.chat_completion(ask(600))
        with pytest.raises(ContextWindowExceededError):
            client.chat_completion(ask(2000))
    assert server.paths() == ["/api/show", "/api/chat", "/api/chat"]  # asked once, not on every call
    assert server.sizes() == [8192, 8192]


def test_a_model_nobody_knows_climbs_the_ladder_uncapped() -> None:
    server = Server(trained=None)
    with server.client(default_model="private/model:7b") as client:
        client.chat_completion(ask(2000))
    assert server.sizes() == [32768]  # the server caps it at the model's own maximum


def test_the_size_follows_a_runner_the_server_loaded_larger() -> None:
    server = Server()
    with server.client() as client:
        client.list_running()
        client.chat_completion(ask(3))
    assert server.sizes() == [16384]


def test_each_host_gets_its_own_size() -> None:
    failures = iter([httpx.ConnectError("down")])

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a" and request.url.path == "/api/chat":
            raise next(failures, httpx.ConnectError("down"))
        return server(request)

    server = Server(prompt_eval_count=6100)
    client = OllamaClient(OllamaConfig(base_urls=("http://a:1", "http://b:1"), default_model=MODEL, max_retries=0,
                                       breaker_failure_threshold=1), transport=httpx.MockTransport(flaky))
    client._context.grown[("http://b:1", MODEL)] = 16384  # b already runs the model at 16k
    client.chat_completion(ask(600))
    assert server.sizes() == [16384]  # failover to b: b's runner is not shrunk to a's 8,192


def test_a_cut_prompt_is_told_in_words_on_every_path(path: str, caplog: pytest.LogCaptureFixture) -> None:
    server = Server(prompt_eval_count=4096)
    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"), server.client(num_ctx=None) as client:
        chat(client, path, ask(600))
    text = caplog.text
    assert "did not fit the context window" in text and "num_ctx=4096" in text and "cut the prompt" in text
    assert "leave num_ctx='auto'" in text and "raise max_tokens" not in text


def test_a_cut_prompt_raises_when_asked_to(path: str) -> None:
    server = Server(prompt_eval_count=4096)
    with server.client(num_ctx=None) as client, pytest.raises(ContextWindowExceededError) as caught:
        chat(client, path, ask(600, on_context_overflow="raise"))
    error = caught.value
    assert (error.context_window, error.model_max, error.status_code) == (4096, 8192, 200)
    assert error.estimated_tokens is not None and error.estimated_tokens > 5000
    assert error.url == "http://localhost:11434"


def test_an_explicit_window_that_is_too_small_is_told_even_when_old_messages_were_dropped() -> None:
    server = Server(prompt_eval_count=465)  # Ollama dropped whole messages: the count stays below num_ctx
    with server.client(on_context_overflow="raise") as client, pytest.raises(ContextWindowExceededError) as caught:
        client.chat_completion(ask(100, num_ctx=512))
    assert "raise num_ctx" in caught.value.message and "maximum is 8,192" in caught.value.message


def test_the_servers_own_refusal_is_the_same_error(path: str) -> None:
    def refuse(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(400, json={"error": "the prompt is longer than the context length (5000 > 4096)"})

    with Server(chat=refuse).client() as client, pytest.raises(ContextWindowExceededError) as caught:
        chat(client, path, ask(3))
    assert caught.value.status_code == 400 and "trim_messages" in caught.value.message


def test_why_an_answer_stopped_at_a_limit_is_said_correctly(caplog: pytest.LogCaptureFixture) -> None:
    def stopped(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"model": MODEL, "message": {"role": "assistant", "content": "x"},
                                         "done": True, "done_reason": "length", "prompt_eval_count": 10,
                                         "eval_count": 5})

    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"):
        with Server(chat=stopped).client() as client:
            client.chat_completion(ask(1, max_tokens=5))
        with Server(chat=stopped).client() as client:
            client.chat_completion(ask(1))
    assert "reached max_tokens=5" in caplog.text
    assert "context window filled up" in caplog.text and "4096-token window" in caplog.text


def test_answers_calibrate_the_estimate() -> None:
    server = Server(prompt_eval_count=1300)
    with server.client() as client:
        before = client.estimate_tokens(ask(100).messages)
        client.chat_completion(ask(100))
        after = client.estimate_tokens(ask(100).messages)
    assert before < 1100 and abs(after - 1300) <= 2


def test_the_window_the_frameworks_are_told() -> None:
    with Server().client() as client:
        assert client.context_window() == 8192
        assert client.context_window("gemma3:270m") == 32768
        assert client.context_window("private/model:7b") == 4096
        assert client.context_window(num_ctx=None) == 4096
        assert client.context_window(num_ctx=2048) == 2048
        client.list_running()
        assert client.context_window(num_ctx=None) == 4096  # several hosts may differ: the documented default


TEXTS = ["short one", PROSE * 80, "another", PROSE * 90]  # two texts far past all-minilm's 512 tokens


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_embedding_truncation_is_told_once_per_model(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    request = EmbeddingsRequest(model="all-minilm", input=TEXTS)
    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"), embed_server(False).client() as client:
        for _ in range(2):
            client.embeddings(request) if mode == "sync" else asyncio.run(client.aembeddings(request))
    assert caplog.text.count("truncated 2 of 4 input(s)") == 1
    assert "512-token context" in caplog.text and "index 1" in caplog.text and "truncate=False" in caplog.text


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_embedding_input_too_long_names_its_index(mode: str) -> None:
    request = EmbeddingsRequest(model="all-minilm", input=TEXTS, truncate=False)
    with embed_server(True).client(embed_batch_size=2) as client, pytest.raises(ContextWindowExceededError) as caught:
        client.embeddings(request) if mode == "sync" else asyncio.run(client.aembeddings(request))
    error = caught.value
    assert error.input_indexes in ([1], [3])  # the failing batch's own long text
    assert f"input {error.input_indexes[0]} is longer than all-minilm's 512-token context" in error.message
    assert error.status_code == 400 and "split the text" in error.message


def test_auto_heals_a_prompt_it_underestimated(caplog: pytest.LogCaptureFixture) -> None:
    server = Server(prompt_eval_count=4096)  # the text was far denser than the estimate thought
    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"), server.client() as client:
        client.chat_completion(ask(200))
        client.chat_completion(ask(200))
    assert server.sizes() == [None, 8192]
    assert "the next request to this host gets num_ctx=8192" in caplog.text


def test_a_chat_refused_with_truncate_false_is_the_same_error() -> None:
    def refuse(body: dict[str, Any]) -> httpx.Response:
        assert body["truncate"] is False
        return httpx.Response(400, json={"error": "the input length exceeds the context length"})

    with Server(chat=refuse).client() as client, pytest.raises(ContextWindowExceededError) as caught:
        client.chat_completion(ask(3, truncate=False))
    assert caught.value.model == MODEL and caught.value.server_message.startswith("the input length")


def test_an_unknown_embedding_model_gets_no_guess(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"), embed_server(False).client() as client:
        client.embeddings(EmbeddingsRequest(model="private/embedder", input=TEXTS))
    assert "truncated" not in caplog.text  # nobody knows its context: no notice rather than a wrong one
