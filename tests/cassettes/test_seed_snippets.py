"""Every code block of the seed README (../shared/seed/ollama-provider-README.md), written in Python.

Network snippets replay cassettes recorded against the real Ollama v0.24.0; the seed's models
(qwen2.5-coder:3b, nomic-embed-text) are swapped for the tiny recording models (smollm2:135m, all-minilm).
Values the seed states (default URL, env names, "5m", recommendations, context windows) are asserted as given.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    LLMError,
    LLMProviderClient,
    LLMProviderType,
    LLMRequest,
    LLMTimeoutError,
    MessageRole,
    ModelCapability,
    ModelNotFoundError,
    NetworkError,
    OllamaClient,
    OllamaConfig,
    OllamaFactory,
    ProviderError,
    ProviderFactory,
    ProviderRegistry,
    RoutingStrategy,
    check_availability,
    create_client_from_env,
    create_default_registry,
    get_model_info,
    get_recommended_models,
)

MODEL, EMBED = "smollm2:135m", "all-minilm"


@pytest.fixture
def client(ollama_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[OllamaClient]:
    monkeypatch.setenv("OLLAMA_BASE_URL", ollama_url)
    monkeypatch.setenv("OLLAMA_DEFAULT_MODEL", MODEL)
    monkeypatch.setenv("OLLAMA_EMBEDDING_MODEL", EMBED)
    with create_client_from_env() as client:
        yield client


def hello(model: str = MODEL, **fields: object) -> LLMRequest:
    return LLMRequest(model=model, messages=[ChatMessage(role=MessageRole.USER,
                                                         content="Hello! What can you help me with?")], **fields)


@pytest.mark.vcr
def test_quick_start(client: OllamaClient, ollama_url: str) -> None:
    config = OllamaConfig(base_url=ollama_url, default_model="llama2")
    assert OllamaClient(config).config.default_model == "llama2"
    response = client.chat_completion(hello(temperature=0.7, max_tokens=100), "")
    assert response.choices[0].message.content.strip()
    assert response.choices[0].message.role is MessageRole.ASSISTANT


@pytest.mark.vcr
def test_provider_registry(ollama_url: str) -> None:
    registry = create_default_registry()
    assert registry.get_provider(LLMProviderType.OLLAMA) is None  # factories only, no client yet
    registry = ProviderRegistry()
    registry.register_factory(OllamaFactory())
    config = OllamaFactory().default_config()
    assert (config.base_url, config.default_model) == ("http://localhost:11434", "llama2")
    registry.create_provider(LLMProviderType.OLLAMA, config.model_copy(update={"base_url": ollama_url}))
    provider = registry.get_provider(LLMProviderType.OLLAMA)
    assert provider is not None and isinstance(provider, LLMProviderClient)
    assert isinstance(OllamaFactory(), ProviderFactory)
    try:
        response = provider.chat_completion(hello(max_tokens=8), "")
    finally:
        registry.close()
    assert response.choices[0].message.content.strip()


def test_environment_variables_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = OllamaConfig.from_env()
    assert (defaults.base_url, defaults.default_model, defaults.keep_alive, defaults.verify_ssl) == (
        "http://localhost:11434", "llama2", "5m", True)
    for name, value in {"OLLAMA_BASE_URL": "http://gpu:11434", "OLLAMA_DEFAULT_MODEL": "mistral",
                        "OLLAMA_KEEP_ALIVE": "10m", "OLLAMA_VERIFY_SSL": "false"}.items():
        monkeypatch.setenv(name, value)
    config = create_client_from_env().config
    assert (config.base_url, config.default_model, config.keep_alive, config.verify_ssl) == (
        "http://gpu:11434", "mistral", "10m", False)


def test_ollama_config_structure() -> None:
    config = OllamaConfig(base_url="http://localhost:11434", default_model="llama2", timeout_seconds=60,
                          max_retries=2, verify_ssl=True, custom_headers={"X-Trace": "1"}, keep_alive="5m")
    assert config.timeout_seconds == 60 and config.max_retries == 2 and "X-Trace" in config.custom_headers


@pytest.mark.vcr
def test_getting_available_models(client: OllamaClient) -> None:
    predefined = client.get_available_models()
    assert {"qwen2.5-coder:3b", "gemma3:4b", "nomic-embed-text:latest", "llama2:latest"} <= {m.id for m in predefined}
    available = client.fetch_available_models()
    for model in available:
        assert model.name and model.id and model.context_window > 0 and model.capabilities
    assert MODEL in [m.id for m in available]


@pytest.mark.vcr
def test_embeddings_single_and_batch(client: OllamaClient) -> None:
    response = client.embeddings(EmbeddingsRequest(model=EMBED, input="Your text to embed"), "")
    assert len(response.data[0].embedding) == 384
    batch = client.embeddings(EmbeddingsRequest(model=EMBED, input=["First text", "Second text", "Third text"]), "")
    assert [(i + 1, len(d.embedding)) for i, d in enumerate(batch.data)] == [(1, 384), (2, 384), (3, 384)]


@pytest.mark.vcr
def test_streaming(client: OllamaClient) -> None:
    request = hello(max_tokens=16)
    request.stream = True
    text = "".join(chunk.choices[0].delta.content for chunk in client.chat_completion_stream(request, ""))
    assert text.strip()


@pytest.mark.vcr
def test_health_checks(client: OllamaClient, ollama_url: str) -> None:
    assert client.health_check("") is True
    assert check_availability(ollama_url) is True


def test_check_availability_without_a_server_is_false_and_quick() -> None:
    assert check_availability("http://127.0.0.1:9", timeout=1.0) is False


def test_checking_model_availability() -> None:
    client = OllamaClient()
    assert client.supports_model("llama2")
    info = get_model_info("codellama")
    assert info is not None and info.name == "Code Llama 7B"
    assert info.context_window == 16384 and info.supports_streaming is True
    assert get_model_info("qwen2.5-coder:3b").context_window == 32768  # type: ignore[union-attr]
    assert get_model_info("gemma2:4b").context_window == 8192  # type: ignore[union-attr]


def test_model_recommendations() -> None:
    recommendations = get_recommended_models()
    assert recommendations["chat"] and recommendations["reasoning"]
    assert recommendations["code"][0] == "qwen2.5-coder:3b"
    assert recommendations["embeddings"] == ["nomic-embed-text:latest"]


@pytest.mark.vcr
def test_error_handling_model_not_found(client: OllamaClient) -> None:
    with pytest.raises(ProviderError) as info:
        client.chat_completion(hello(model="llama2"), "")
    message = str(info.value)
    assert isinstance(info.value, ModelNotFoundError) and "model" in message and "not found" in message
    assert "ollama pull llama2" in message


def test_error_handling_network_and_timeout() -> None:
    with OllamaClient(OllamaConfig(base_url="http://127.0.0.1:9", max_retries=0)) as client, \
            pytest.raises(NetworkError):
        client.chat_completion(hello(), "")

    def hang(request: httpx.Request) -> httpx.Response:  # a fake server that times out
        raise httpx.ReadTimeout("timed out", request=request)

    with OllamaClient(OllamaConfig(max_retries=0), transport=httpx.MockTransport(hang)) as client, \
            pytest.raises(LLMTimeoutError, match="model load"):
        client.chat_completion(hello(), "")
    assert issubclass(LLMTimeoutError, LLMError) and not issubclass(LLMTimeoutError, TimeoutError)


@pytest.mark.vcr
def test_model_loading_keep_alive(ollama_url: str) -> None:
    config = OllamaConfig(base_url=ollama_url, default_model=MODEL, keep_alive="10m")
    with OllamaClient(config) as client:
        assert client.load_model(MODEL) == "load"
        running = {m.name: m for m in client.list_running()}
    assert MODEL in running and running[MODEL].expires_at


@pytest.mark.vcr
def test_cost_tracking(client: OllamaClient) -> None:
    response = client.chat_completion(hello(max_tokens=8), "")
    assert response.usage.estimated_cost == 0.0
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens > 0


def test_routing_strategies_fail_over_to_the_next_host() -> None:
    def healthy(request: httpx.Request) -> httpx.Response:  # a fake: the first host is down
        if request.url.host == "down":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"model": MODEL, "message": {"role": "assistant", "content": "hi"},
                                         "done": True, "done_reason": "stop"})

    for strategy in (RoutingStrategy.FAILOVER_CHAIN, RoutingStrategy.COST_OPTIMIZED):
        config = OllamaConfig(base_urls=["http://down:11434", "http://up:11434"], routing_strategy=strategy,
                              max_retries=0)
        with OllamaClient(config, transport=httpx.MockTransport(healthy)) as client:
            response = client.chat_completion(hello(), "")
        assert response.choices[0].message.content == "hi" and response.host == "http://up:11434"


def test_debug_mode_logs_requests(caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"version": "0.24.0"})

    with caplog.at_level(logging.DEBUG, logger="cb_ollama_integrations"), \
            OllamaClient(transport=httpx.MockTransport(answer)) as client:
        assert client.version() == "0.24.0"
    assert "GET http://localhost:11434/api/version" in caplog.text


def test_capabilities_are_typed() -> None:
    nomic = get_model_info("nomic-embed-text:latest")
    assert nomic is not None and nomic.capabilities == [ModelCapability.EMBEDDING]
