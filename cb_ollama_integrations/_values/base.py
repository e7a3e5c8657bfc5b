"""The base class of the package's pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["DeferredModel"]


class DeferredModel(BaseModel):
    """A pydantic model whose validator is built on first use, not at import (keeps `import` cheap)."""

    model_config = ConfigDict(defer_build=True)
