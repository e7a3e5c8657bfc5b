"""The provider registry: factories, configs, clients, and settings that are refused instead of ignored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cb_ollama_integrations import OllamaClient, RoutingStrategy
from cb_ollama_integrations.catalog import CATALOG
from cb_ollama_integrations.registry import (
    LLMProviderClient,
    LLMProviderType,
    OllamaFactory,
    ProviderConfig,
    ProviderFactory,
    ProviderRegistry,
    create_default_registry,
)


@pytest.fixture
def registry() -> Iterator[ProviderRegistry]:
    """The default registry, its clients closed afterwards."""
    registry = create_default_registry()
    yield registry
    registry.close()


def ollama_config(**settings: Any) -> ProviderConfig:
    """The factory's default config with these settings."""
    return OllamaFactory().default_config().model_copy(update={"settings": settings})


def test_provider_type_is_a_string_enum() -> None:
    assert LLMProviderType.OLLAMA == "ollama" and LLMProviderType("ollama") is LLMProviderType.OLLAMA


def test_default_config_is_local_ollama_with_the_catalog() -> None:
    config = OllamaFactory().default_config()
    assert (config.provider_type, config.base_url, config.default_model) == (
        LLMProviderType.OLLAMA, "http://localhost:11434", "llama2")
    assert [m.id for m in config.models] == [m.id for m in CATALOG.values()] and config.models
    assert config.enabled is True and config.settings == {}


def test_factory_and_client_satisfy_the_protocols() -> None:
    factory = OllamaFactory()
    assert isinstance(factory, ProviderFactory) and factory.provider_type is LLMProviderType.OLLAMA
    with factory.create_client(factory.default_config()) as client:
        assert isinstance(client, LLMProviderClient) and isinstance(client, OllamaClient)


def test_settings_reach_the_client_config() -> None:
    settings = {"keep_alive": "10m", "verify_ssl": False, "timeout_seconds": 12, "max_retries": 4,
                "base_urls": ["http://127.0.0.1:1", "http://127.0.0.1:2"],
                "routing_strategy": "load_balanced"}
    with OllamaFactory().create_client(ollama_config(**settings)) as client:
        config = client.config
    assert (config.keep_alive, config.verify_ssl) == ("10m", False)
    assert (config.timeout_seconds, config.max_retries) == (12.0, 4)
    assert config.hosts == ("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert config.routing_strategy is RoutingStrategy.LOAD_BALANCED


@pytest.mark.parametrize(("settings", "message"), [
    ({"timeout_seconds": "soon"}, "timeout_seconds"),
    ({"verify_ssl": "perhaps"}, "verify_ssl"),
    ({"max_retries": -1}, "max_retries"),
    ({"routing_strategy": "random"}, "routing_strategy"),
    ({"base_urls": ["ftp://x"]}, "base_urls"),
    ({"keep_alive": "forever-ish"}, "keep_alive"),
    ({"timeout": 30}, "unknown Ollama setting"),
    ({"base_url": "http://127.0.0.1:1"}, "on ProviderConfig itself"),
])
def test_invalid_settings_raise_a_clear_value_error(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OllamaFactory().create_client(ollama_config(**settings))


def test_a_secret_in_an_invalid_setting_is_not_echoed() -> None:
    with pytest.raises(ValueError, match="api_key") as raised:
        OllamaFactory().create_client(ollama_config(api_key=["sk-do-not-print"]))
    assert "sk-do-not-print" not in str(raised.value) and raised.value.__cause__ is None


def test_the_default_registry_has_the_factory_and_no_client(registry: ProviderRegistry) -> None:
    assert registry.get_available_providers() == []
    assert registry.get_provider(LLMProviderType.OLLAMA) is None
    assert not registry.is_provider_available("ollama")
    assert isinstance(registry.factory("ollama"), OllamaFactory)


def test_create_provider_keeps_one_client_per_type(registry: ProviderRegistry) -> None:
    first = registry.create_provider(LLMProviderType.OLLAMA, ollama_config())
    assert registry.get_provider("ollama") is first and registry.is_provider_available(LLMProviderType.OLLAMA)
    assert registry.get_available_providers() == [LLMProviderType.OLLAMA]
    second = registry.create_provider("ollama", ollama_config(max_retries=0))
    assert registry.get_provider("ollama") is second is not first


def test_create_provider_refuses_what_it_cannot_build(registry: ProviderRegistry) -> None:
    with pytest.raises(ValueError, match="disabled"):
        registry.create_provider("ollama", ollama_config().model_copy(update={"enabled": False}))
    with pytest.raises(ValueError, match="no factory registered for provider: ollama"):
        ProviderRegistry().create_provider("ollama", ollama_config())
    with pytest.raises(ValueError, match="not a valid LLMProviderType"):
        registry.get_provider("openai")
    assert registry.get_available_providers() == []


def test_register_factory_replaces_the_factory_of_the_same_type(registry: ProviderRegistry) -> None:
    class LocalOnlyFactory(OllamaFactory):
        def default_config(self) -> ProviderConfig:
            return super().default_config().model_copy(update={"base_url": "http://127.0.0.1:11435"})

    registry.register_factory(LocalOnlyFactory())
    config = registry.factory("ollama").default_config()
    assert config.base_url == "http://127.0.0.1:11435"
    client = registry.create_provider("ollama", config)
    assert isinstance(client, OllamaClient) and client.config.base_url == "http://127.0.0.1:11435"


def test_provider_config_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="colour"):
        ProviderConfig(provider_type="ollama", base_url="http://x", default_model="m", colour="red")  # type: ignore[call-arg]
