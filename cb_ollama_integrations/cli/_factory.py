"""The client factory type the CLI takes (tests pass one that replays cassettes or serves fakes)."""

from __future__ import annotations

from collections.abc import Callable

from ..client import OllamaClient
from ..config import OllamaConfig

__all__ = ["ClientFactory"]

ClientFactory = Callable[[OllamaConfig], OllamaClient]
