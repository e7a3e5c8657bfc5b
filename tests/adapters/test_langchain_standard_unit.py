"""langchain-tests standard unit suites for ChatCBOllama and CBOllamaEmbeddings (no network).

No test here is xfailed.
"""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama


class TestChatCBOllamaUnit(ChatModelUnitTests):
    """Standard unit tests of the chat model."""

    @property
    def chat_model_class(self) -> type[ChatCBOllama]:
        return ChatCBOllama

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "smollm2:135m", "base_url": "http://localhost:11434"}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        # OLLAMA_API_KEY equals the suite's standard api_key so that test_serdes can revive the secret.
        env = {"OLLAMA_DEFAULT_MODEL": "smollm2:135m", "OLLAMA_API_KEY": "test"}
        return env, {}, {"model": "smollm2:135m", "api_key": "test"}


class TestCBOllamaEmbeddingsUnit(EmbeddingsUnitTests):
    """Standard unit tests of the embeddings."""

    @property
    def embeddings_class(self) -> type[CBOllamaEmbeddings]:
        return CBOllamaEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "all-minilm", "base_url": "http://localhost:11434"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return {"OLLAMA_EMBEDDING_MODEL": "all-minilm"}, {}, {"model": "all-minilm"}
