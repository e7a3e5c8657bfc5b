"""The LangChain face of the shared connection: `timeout`, `client=`, and `api_key` from OLLAMA_API_KEY."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from langchain_core.utils import secret_from_env
from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from .._adapters.anchor_compat import rename_alias
from .._adapters.connection import Connection, check_timeout, with_default_model

if TYPE_CHECKING:
    from ..client import OllamaClient

__all__ = ["GenerationModelDefaults", "LangChainConnection"]


class LangChainConnection(Connection):
    """Connection fields named as LangChain's integrations name them (`timeout`, `client`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    read_timeout_field = "timeout"

    timeout: float | None = Field(None, description="Read timeout, seconds (cold model loads are slow).")
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("OLLAMA_API_KEY", default=None), exclude=True,
        description="Bearer token for a proxy in front of Ollama; default OLLAMA_API_KEY.",
    )
    # Any at run time, so importing the adapter does not import the client module (and httpx); checked below.
    if TYPE_CHECKING:
        client: OllamaClient | None = Field(None, exclude=True, description="A ready core client to use instead.")
    else:
        client: Any = Field(None, exclude=True, description="A ready core client to use instead.")

    @field_validator("client")
    @classmethod
    def _check_client(cls, value: object) -> object:
        # An OllamaClient exists only once its module was imported: no module, no instance of it.
        module = sys.modules.get("cb_ollama_integrations.client")
        if value is None or (module is not None and isinstance(value, module.OllamaClient)):
            return value
        raise ValueError(f"Input should be an instance of OllamaClient, not {type(value).__name__}")

    @field_validator("timeout")
    @classmethod
    def _check_read_timeout(cls, value: float | None) -> float | None:
        return check_timeout(value)

    @model_validator(mode="after")
    def _use_injected_client(self) -> LangChainConnection:
        self._injected_client = self.client
        self.check_model_on_init()
        return self

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variables that supply them when a serialized model is loaded."""
        return {"api_key": "OLLAMA_API_KEY"}


class GenerationModelDefaults(LangChainConnection):
    """What ChatCBOllama and CBOllamaLLM share: the model resolved at construction (explicit, else the given
    config's or client's default, else OLLAMA_DEFAULT_MODEL), `num_predict` read as `max_tokens`, and the
    model as the core client's default."""

    model: str

    @model_validator(mode="before")
    @classmethod
    def _default_model(cls, data: Any) -> Any:
        """Resolve the model now: explicit, else the given config's (or client's) default, else the environment."""
        return with_default_model(rename_alias(data, "num_predict", "max_tokens"), "default_model")

    def _config_overrides(self) -> dict[str, Any]:
        return {"default_model": self.model}
