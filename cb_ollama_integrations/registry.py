"""The provider registry of the seed API: factories that build clients from a `ProviderConfig`.

    registry = create_default_registry()
    config = registry.factory(LLMProviderType.OLLAMA).default_config()
    client = registry.create_provider(LLMProviderType.OLLAMA, config.model_copy(update={"settings": {
        "base_urls": ["http://gpu-a:11434", "http://gpu-b:11434"], "routing_strategy": "load_balanced"}}))

Only Ollama ships a factory; the registry takes any object that satisfies `ProviderFactory`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalog import CATALOG
from .client import OllamaClient
from .config import DEFAULT_BASE_URL, OllamaConfig
from .model_info import ModelInfo
from .types import EmbeddingsRequest, EmbeddingsResponse, LLMRequest, LLMResponse, StreamingChunk

__all__ = [
    "LLMProviderClient",
    "LLMProviderType",
    "OllamaFactory",
    "ProviderConfig",
    "ProviderFactory",
    "ProviderRegistry",
    "create_default_registry",
]


class LLMProviderType(str, Enum):
    """Kinds of LLM provider a registry can build clients for."""

    OLLAMA = "ollama"


class ProviderConfig(BaseModel):
    """How to build one provider's client.

    `settings` holds the provider's other options by name (for Ollama: any `OllamaConfig` field except
    `base_url` and `default_model`, e.g. keep_alive, verify_ssl, timeout_seconds, max_retries, base_urls,
    routing_strategy). `priority`: lower comes first in `ProviderRegistry.get_available_providers()`.
    """

    model_config = ConfigDict(extra="forbid")

    provider_type: LLMProviderType
    base_url: str
    default_model: str
    models: list[ModelInfo] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    priority: int = 0


@runtime_checkable
class LLMProviderClient(Protocol):
    """What a provider client offers (OllamaClient satisfies it)."""

    def chat_completion(self, request: LLMRequest, api_key: str | None = None) -> LLMResponse:
        """One chat answer for `request`."""
        ...

    async def achat_completion(self, request: LLMRequest, api_key: str | None = None) -> LLMResponse:
        """Async twin of `chat_completion`."""
        ...

    def chat_completion_stream(self, request: LLMRequest, api_key: str | None = None) -> Iterator[StreamingChunk]:
        """The answer to `request` as it is generated, chunk by chunk."""
        ...

    def achat_completion_stream(
        self, request: LLMRequest, api_key: str | None = None
    ) -> AsyncIterator[StreamingChunk]:
        """Async twin of `chat_completion_stream`."""
        ...

    def embeddings(self, request: EmbeddingsRequest, api_key: str | None = None) -> EmbeddingsResponse:
        """One vector per input text of `request`."""
        ...

    def health_check(self, api_key: str | None = None, *, host: str | None = None) -> bool:
        """True when the server (or the given `host`) answers; never raises."""
        ...

    def get_available_models(self) -> list[ModelInfo]:
        """The models this provider knows of, without network I/O."""
        ...

    def supports_model(self, name: str) -> bool:
        """True when `name` is a model this provider knows of."""
        ...

    def close(self) -> None:
        """Release the client's connections."""
        ...


@runtime_checkable
class ProviderFactory(Protocol):
    """Builds clients of one provider type (OllamaFactory satisfies it)."""

    @property
    def provider_type(self) -> LLMProviderType:
        """The provider type this factory builds clients for."""
        ...

    def default_config(self) -> ProviderConfig:
        """The configuration used when the caller gives none."""
        ...

    def create_client(self, config: ProviderConfig) -> LLMProviderClient:
        """A new client for `config`."""
        ...


_NOT_SETTINGS = {"base_url", "default_model"}  # top-level fields of ProviderConfig


class OllamaFactory:
    """Builds `OllamaClient`s; an unknown or invalid setting raises ValueError naming it."""

    @property
    def provider_type(self) -> LLMProviderType:
        """Always LLMProviderType.OLLAMA."""
        return LLMProviderType.OLLAMA

    def default_config(self) -> ProviderConfig:
        """Local Ollama, default model "llama2", the built-in catalog as `models`."""
        return ProviderConfig(provider_type=LLMProviderType.OLLAMA, base_url=DEFAULT_BASE_URL,
                              default_model="llama2", models=list(CATALOG.values()))

    def create_client(self, config: ProviderConfig) -> OllamaClient:
        """A client for `config`; ValueError for another provider type or any invalid setting."""
        if config.provider_type is not LLMProviderType.OLLAMA:
            raise ValueError(f"OllamaFactory cannot build a {config.provider_type.value!r} client")
        allowed = set(OllamaConfig.model_fields) - _NOT_SETTINGS
        misplaced = sorted(set(config.settings) & _NOT_SETTINGS)
        if misplaced:
            raise ValueError(f"set {', '.join(misplaced)} on ProviderConfig itself, not in settings")
        unknown = sorted(set(config.settings) - allowed)
        if unknown:
            raise ValueError(f"unknown Ollama setting(s) {unknown}; known settings: {sorted(allowed)}")
        values = {**config.settings, "base_url": config.base_url, "default_model": config.default_model}
        try:
            ollama = OllamaConfig(**values)
        except ValidationError as exc:  # the messages only: never echo values (they may be secrets)
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                                 for e in exc.errors())
            raise ValueError(f"invalid Ollama provider settings: {problems}") from None
        return OllamaClient(ollama)


class ProviderRegistry:
    """Factories by provider type, and the clients built through them (at most one per type)."""

    def __init__(self) -> None:
        self._factories: dict[LLMProviderType, ProviderFactory] = {}
        self._clients: dict[LLMProviderType, tuple[LLMProviderClient, int]] = {}

    def register_factory(self, factory: ProviderFactory) -> None:
        """Add a factory, replacing any factory of the same provider type."""
        self._factories[LLMProviderType(factory.provider_type)] = factory

    def factory(self, provider_type: LLMProviderType | str) -> ProviderFactory:
        """The registered factory of `provider_type` (ValueError if there is none)."""
        kind = LLMProviderType(provider_type)
        if kind not in self._factories:
            raise ValueError(f"no factory registered for provider: {kind.value}")
        return self._factories[kind]

    def create_provider(
        self, provider_type: LLMProviderType | str, config: ProviderConfig
    ) -> LLMProviderClient:
        """Build a client through the type's factory and keep it (closing the client it replaces)."""
        kind = LLMProviderType(provider_type)
        if config.provider_type is not kind:
            raise ValueError(f"config is for {config.provider_type.value!r}, not {kind.value!r}")
        if not config.enabled:
            raise ValueError(f"the {kind.value} provider config is disabled (enabled=False)")
        client = self.factory(kind).create_client(config)
        previous = self._clients.get(kind)
        self._clients[kind] = (client, config.priority)
        if previous is not None:
            previous[0].close()
        return client

    def get_provider(self, provider_type: LLMProviderType | str) -> LLMProviderClient | None:
        """The client built for `provider_type`, or None."""
        entry = self._clients.get(LLMProviderType(provider_type))
        return entry[0] if entry else None

    def get_available_providers(self) -> list[LLMProviderType]:
        """Provider types that have a client, by priority (lower first)."""
        return sorted(self._clients, key=lambda kind: self._clients[kind][1])

    def is_provider_available(self, provider_type: LLMProviderType | str) -> bool:
        """Whether a client was built for `provider_type`."""
        return LLMProviderType(provider_type) in self._clients

    def close(self) -> None:
        """Close every client and forget them."""
        clients, self._clients = list(self._clients.values()), {}
        for client, _ in clients:
            client.close()


def create_default_registry() -> ProviderRegistry:
    """A registry with the Ollama factory registered and no client built yet."""
    registry = ProviderRegistry()
    registry.register_factory(OllamaFactory())
    return registry
