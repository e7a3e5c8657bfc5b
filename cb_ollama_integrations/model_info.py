"""Types that describe models: capabilities, catalog/server facts, and models loaded in memory."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from ._values.base import DeferredModel

__all__ = ["ModelCapability", "ModelInfo", "RunningModel"]


class ModelCapability(str, Enum):
    """What a model can do, from the catalog or the server's /api/show `capabilities`."""

    TEXT_GENERATION = "text_generation"
    CONVERSATIONAL_AI = "conversational_ai"
    CODE_GENERATION = "code_generation"
    REASONING = "reasoning"
    EMBEDDING = "embedding"
    VISION = "vision"
    TOOLS = "tools"
    THINKING = "thinking"


class ModelInfo(DeferredModel):
    """What is known about a model: catalog defaults, merged with the server's facts when fetched live."""

    id: str
    name: str
    provider: str = "ollama"
    context_window: int
    max_output_tokens: int
    supports_streaming: bool = True
    supports_function_calling: bool = False
    capabilities: list[ModelCapability] = Field(default_factory=list)
    embedding_dimension: int | None = None
    cost_per_input_token: float = 0.0
    cost_per_output_token: float = 0.0
    family: str | None = None
    parameter_size: str | None = None
    quantization: str | None = None
    size_bytes: int | None = None
    installed: bool = False
    source: Literal["catalog", "family", "server"] = "catalog"


class RunningModel(DeferredModel):
    """A model loaded in a server's memory, from GET /api/ps."""

    name: str
    host: str
    size_bytes: int = 0
    size_vram: int = 0
    context_length: int | None = None
    expires_at: str | None = None
    digest: str | None = None
