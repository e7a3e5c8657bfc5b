"""OllamaClient over httpx.MockTransport fakes: each behaviour asserted once for the sync and async paths."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fakes import FakeFrames, FakeOllama, chat_object, ndjson, run, stream

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    InvalidRequestError,
    LLMRequest,
    ModelNotFoundError,
    NetworkError,
    OllamaClient,
    OllamaConfig,
    ParseError,
    ProviderError,
    ServerError,
    StreamError,
)

HI = LLMRequest(messages=[ChatMessage(role="user", content="hi")])


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def json_reply(body: dict[str, object], status: int = 200) -> FakeOllama:
    return FakeOllama(handler=lambda request: httpx.Response(status, json=body))


def test_chat_sends_the_exact_body_and_parses_the_answer(mode: str) -> None:
    fake = json_reply(chat_object("hello", done=True))
    with fake.client(default_model="m") as client:
        response = run(client, mode, "chat_completion", HI)
    assert fake.requests[0].url == "http://localhost:11434/api/chat"
    assert fake.requests[0].content == (b'{"model":"m","messages":[{"role":"user","content":"hi"}],'
                                        b'"stream":false,"keep_alive":"5m"}')
    assert response.choices[0].message.content == "hello" and response.usage.total_tokens == 10


def test_api_key_and_headers_are_sent_but_never_shown(mode: str) -> None:
    fake = json_reply(chat_object("ok", done=True))
    with fake.client(default_model="m", custom_headers={"X-Team": "blue"}) as client:
        run(client, mode, "chat_completion", HI, "sk-secret")
        assert "sk-secret" not in repr(client)
    headers = fake.requests[0].headers
    assert headers["authorization"] == "Bearer sk-secret" and headers["x-team"] == "blue"
    assert headers["user-agent"].startswith("cb-ollama-integrations/")


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (404, b'{"error":"model \\"m\\" not found, try pulling it first"}', ModelNotFoundError, "ollama pull m"),
        (400, b'{"error":"registry.ollama.ai/library/m does not support tools"}', InvalidRequestError, "tools"),
        (500, b'{"error":"llama runner process has terminated"}', ServerError, "runner"),
        (404, b"404 page not found", ProviderError, "endpoint does not exist"),
    ],
)
def test_error_statuses_map_to_classes_with_facts(mode: str, status: int, body: bytes, error: type, text: str) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(status, content=body))
    with fake.client(default_model="m") as client, pytest.raises(error, match=text) as info:
        run(client, mode, "chat_completion", HI)
    assert info.value.status_code == status and info.value.url == "http://localhost:11434/api/chat"
    assert info.value.method == "POST" and info.value.server_message
    assert len(fake.requests) == 1  # caller errors and a plain 500 are not retried


def test_the_same_error_class_on_the_stream_path(mode: str) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(404, json={"error": "model 'm' not found"}))
    with fake.client(default_model="m") as client, pytest.raises(ModelNotFoundError):
        stream(client, mode, HI)


def test_malformed_json_is_a_parse_error(mode: str) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(200, content=b'{"model": "m", "mess'))
    with fake.client(default_model="m") as client, pytest.raises(ParseError) as info:
        run(client, mode, "chat_completion", HI)
    assert info.value.body.startswith('{"model"')


def test_stream_lines_and_utf8_split_anywhere_decode(mode: str) -> None:
    body = ndjson(chat_object("héllo "), chat_object("wörld 🎉"), chat_object("", done=True))
    frames = [body[i:i + 7] for i in range(0, len(body), 7)]  # cuts lines and multi-byte characters
    fake = FakeOllama(handler=lambda request: httpx.Response(200, stream=FakeFrames(frames)))
    with fake.client(default_model="m") as client:
        chunks = stream(client, mode, HI)
    assert "".join(c.choices[0].delta.content for c in chunks) == "héllo wörld 🎉"
    assert {c.host for c in chunks} == {"http://localhost:11434"}
    assert fake.bodies[0]["stream"] is True


def test_a_line_of_several_megabytes_is_parsed(mode: str) -> None:
    big = "x" * (9 * 1024 * 1024)
    body = ndjson(chat_object(big), chat_object("", done=True, context=list(range(1000))))
    frames = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    fake = FakeOllama(handler=lambda request: httpx.Response(200, stream=FakeFrames(frames)))
    with fake.client(default_model="m") as client:
        chunks = stream(client, mode, HI)
    assert len(chunks[0].choices[0].delta.content) == len(big)


def test_error_line_mid_stream_raises_stream_error_with_partial_text(mode: str) -> None:
    body = ndjson(chat_object("part one "), {"error": "an error was encountered while running the model"})
    fake = FakeOllama(handler=lambda request: httpx.Response(200, stream=FakeFrames([body])))
    with fake.client(default_model="m") as client, pytest.raises(StreamError, match="while running the model") as info:
        stream(client, mode, HI)
    assert info.value.partial_content == "part one "


def test_stream_cut_before_done_raises_stream_error(mode: str) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(200, stream=FakeFrames([ndjson(chat_object("half"))])))
    with fake.client(default_model="m") as client, pytest.raises(StreamError, match="done=true") as info:
        stream(client, mode, HI)
    assert info.value.partial_content == "half"


def test_embeddings_are_batched_and_kept_in_order(mode: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        return httpx.Response(200, json={"model": "e", "embeddings": [[float(t)] for t in texts],
                                         "prompt_eval_count": len(texts)})

    fake = FakeOllama(handler=answer)
    texts = [str(i) for i in range(25)]
    with fake.client(default_model="m", embed_batch_size=10) as client:
        response = run(client, mode, "embeddings", EmbeddingsRequest(model="e", input=texts))
    assert [len(b["input"]) for b in fake.bodies] == [10, 10, 5]
    assert [d.embedding[0] for d in response.data] == [float(t) for t in texts]
    assert [d.index for d in response.data] == list(range(25)) and response.usage.prompt_tokens == 25


def test_an_embedding_count_mismatch_is_a_parse_error(mode: str) -> None:
    fake = json_reply({"model": "e", "embeddings": [[0.1]]})
    with fake.client(default_model="m") as client, pytest.raises(ParseError, match="expected 2 embeddings"):
        run(client, mode, "embeddings", EmbeddingsRequest(input=["a", "b"]))


def test_empty_embedding_input_sends_nothing(mode: str) -> None:
    fake = json_reply({})
    with fake.client(default_model="m") as client:
        assert run(client, mode, "embeddings", EmbeddingsRequest(input=[])).data == []
    assert fake.requests == []


def test_health_check_is_false_when_the_host_is_down(mode: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with FakeOllama(handler=refuse).client(default_model="m") as client:
        assert run(client, mode, "health_check") is False
        with pytest.raises(NetworkError, match="is `ollama serve` running"):
            run(client, mode, "chat_completion", HI)


def test_load_and_unload_send_empty_chats_with_keep_alive(mode: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        reason = "unload" if json.loads(request.content)["keep_alive"] == 0 else "load"
        return httpx.Response(200, json={"model": "m", "message": {"role": "assistant", "content": ""},
                                         "done": True, "done_reason": reason})

    fake = FakeOllama(handler=answer)
    with fake.client(default_model="m") as client:
        assert run(client, mode, "load_model", "m", "30m") == "load"
        assert run(client, mode, "unload_model", "m") == "unload"
    assert fake.bodies == [{"model": "m", "messages": [], "stream": False, "keep_alive": "30m"},
                             {"model": "m", "messages": [], "stream": False, "keep_alive": 0}]


def test_debug_logs_say_what_happened_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    fake = json_reply(chat_object("ok", done=True, done_reason="length"))
    with caplog.at_level(logging.DEBUG, logger="cb_ollama_integrations"), fake.client(
            default_model="m", api_key="sk-hidden") as client:
        client.chat_completion(HI, api_key="sk-call")
    text = caplog.text
    assert "POST http://localhost:11434/api/chat model=m" in text and "-> 200" in text
    assert "done_reason=length" in text and "context window filled up" in text
    assert "sk-hidden" not in text and "sk-call" not in text


def test_bodies_are_logged_only_when_enabled_and_cut(caplog: pytest.LogCaptureFixture) -> None:
    fake = json_reply(chat_object("y" * 3000, done=True))
    long_request = LLMRequest(messages=[ChatMessage(role="user", content="x" * 3000)])
    with caplog.at_level(logging.DEBUG, logger="cb_ollama_integrations"):
        with fake.client(default_model="m") as client:
            client.chat_completion(long_request)
        assert "request body" not in caplog.text and "xxxx" not in caplog.text
        config = OllamaConfig.from_env({"CB_OLLAMA_LOG_BODIES": "1"}, default_model="m", max_retries=0)
        with OllamaClient(config, transport=httpx.MockTransport(fake)) as client:
            client.chat_completion(long_request, api_key="sk-body-test")
    assert "request body: {\"model\":\"m\"" in caplog.text and "response body: {\"model\"" in caplog.text
    assert "... (" in caplog.text and "x" * 1001 not in caplog.text
    assert "sk-body-test" not in caplog.text


def test_health_check_sends_the_api_key(mode: str) -> None:
    fake = FakeOllama(handler=lambda request: httpx.Response(200, text="Ollama is running"))
    with fake.client(default_model="m") as client:
        assert run(client, mode, "health_check", "sk-proxy") is True
    assert fake.requests[0].headers["authorization"] == "Bearer sk-proxy"


def test_length_warning_is_said_once_per_model_on_every_path(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        last = chat_object("", done=True, done_reason="length", prompt_eval_count=4096)
        if json.loads(request.content)["stream"]:
            return httpx.Response(200, stream=FakeFrames([ndjson(chat_object("cut"), last)]))
        return httpx.Response(200, json=last)

    small_context = LLMRequest(messages=[ChatMessage(role="user", content="hi")], num_ctx=4096)
    with caplog.at_level(logging.WARNING, logger="cb_ollama_integrations"), FakeOllama(
            handler=answer).client(default_model="m") as client:
        for _ in range(2):
            run(client, mode, "chat_completion", small_context)
            stream(client, mode, small_context)
    assert caplog.text.count("done_reason=length") == 1
    assert caplog.text.count("num_ctx=4096") == 4  # a possibly truncated prompt is worth saying every time


def test_a_501_capability_refusal_is_a_caller_error_that_spares_the_breaker(mode: str) -> None:
    body = b'{"error":"this model does not support embeddings"}'
    fake = FakeOllama(handler=lambda request: httpx.Response(501, content=body))
    with fake.client(default_model="m", breaker_failure_threshold=1) as client:
        for _ in range(2):
            with pytest.raises(InvalidRequestError, match="501"):
                run(client, mode, "embeddings", EmbeddingsRequest(model="gemma3:270m", input="x"))
        assert client.circuit_state()["http://localhost:11434"].state == "closed"
    assert len(fake.requests) == 2


def test_every_request_carries_split_finite_timeouts(mode: str) -> None:
    fake = json_reply(chat_object("ok", done=True))
    with fake.client(default_model="m", timeout_seconds=120, connect_timeout_seconds=2) as client:
        run(client, mode, "chat_completion", HI)
    timeouts = fake.requests[0].extensions["timeout"]
    assert timeouts["connect"] == 2 and timeouts["read"] == 120 and timeouts["write"] == 120
    assert None not in timeouts.values()


def test_an_empty_chat_is_refused_before_anything_is_sent(mode: str) -> None:
    fake = json_reply(chat_object("", done=True, done_reason="load"))
    with fake.client(default_model="m") as client, pytest.raises(ValueError, match="load_model"):
        run(client, mode, "chat_completion", LLMRequest(messages=[]))
    assert fake.requests == []
