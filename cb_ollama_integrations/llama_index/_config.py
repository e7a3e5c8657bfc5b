"""The LlamaIndex face of the shared connection: `request_timeout`, and `client=` as a constructor argument."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from .._adapters.connection import Connection, check_timeout, with_default_model
from ._compat import check_arguments, check_client

if TYPE_CHECKING:
    from ..client import OllamaClient

__all__ = ["LlamaIndexConnection"]


class LlamaIndexConnection(Connection):
    """Connection fields named as LlamaIndex's integrations name them (`request_timeout`).

    `client=OllamaClient(...)` is a constructor argument (its settings then apply); it is not a field, so
    `client` stays the property that returns the core client in use.
    """

    read_timeout_field = "request_timeout"

    request_timeout: float | None = Field(None, description="Read timeout in seconds (cold loads are slow).")

    def __init__(self, *, client: OllamaClient | None = None, **data: Any) -> None:
        # the LLM names its model `model`, the embedding `model_name` (LlamaIndex's own names)
        key = "model_name" if "model_name" in type(self).model_fields else "model"
        config_field = "embedding_model" if key == "model_name" else "default_model"
        client = check_client(client)
        data = check_arguments(type(self), data)
        super().__init__(**with_default_model(data, config_field, key=key, client=client))
        self._injected_client = client
        self.check_model_on_init()

    @field_validator("request_timeout")
    @classmethod
    def _check_read_timeout(cls, value: float | None) -> float | None:
        return check_timeout(value)

    def _restore_injected_client(self, state: dict[str, Any]) -> None:
        """After LlamaIndex's unpickling (which runs `__init__` on the fields only): the injected client too."""
        self._injected_client = (state.get("__pydantic_private__") or {}).get("_injected_client")

    @property
    def client(self) -> OllamaClient:
        """The core client: the one passed as `client=`, else one built on first use (no I/O before)."""
        return self.core_client()
