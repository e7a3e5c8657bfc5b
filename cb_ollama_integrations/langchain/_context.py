"""ChatCBOllama's context windows: the token counts LangChain asks for, and the window its profile reports.

`get_num_tokens_from_messages` uses the very estimate `num_ctx="auto"` sizes the window with (calibrated by
the model's earlier answers), so `trim_messages(messages, max_tokens=..., token_counter=llm)` trims to what
the window will hold, with no tokenizer download (LangChain's default would fetch GPT-2's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from ..model_info import ModelInfo

if TYPE_CHECKING:
    from ..client import OllamaClient
from ._convert import to_core_messages

__all__ = ["ContextWindowCounting", "window_for"]

SERVER_DEFAULT_WINDOW = 4096  # what Ollama allocates when no num_ctx is sent (the core's assumption too)


def window_for(num_ctx: int | str | None, info: ModelInfo | None) -> int | None:
    """The window a prompt really gets: an int num_ctx itself; None the server's default; "auto" the model's
    trained context (auto never sizes past it); None when auto meets a model nobody knows."""
    if isinstance(num_ctx, int):
        return num_ctx
    if num_ctx is None:
        return SERVER_DEFAULT_WINDOW
    return info.context_window if info else None


class ContextWindowCounting:
    """Token counting with the core's estimator (a base of ChatCBOllama)."""

    model: str
    custom_get_token_ids: Callable[[str], list[int]] | None

    if TYPE_CHECKING:
        def core_client(self) -> OllamaClient: ...  # the connection's

    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens of `text` for this model (no tokenizer download); `custom_get_token_ids` wins."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return self.core_client().estimate_tokens(text, model=self.model)

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Estimated prompt tokens of a conversation (with its tools), as `num_ctx="auto"` estimates them."""
        schemas = [convert_to_openai_tool(tool) for tool in tools] if tools else None
        return self.core_client().estimate_tokens(to_core_messages(messages), schemas, model=self.model)
