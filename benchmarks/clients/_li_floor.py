"""The LlamaIndex floor: the thinnest CustomLLM around one raw httpx call (what any adapter must pay)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import PrivateAttr

from benchmarks.clients._llama_index import _LlamaIndexBench

__all__ = ["FloorBench", "FloorLLM"]


class FloorLLM(CustomLLM):
    """chat/stream_chat/achat each do one POST /api/chat (json in/out) inside LlamaIndex's callbacks."""

    url: str
    model: str
    num_predict: int | None = None
    timeout: float = 120.0
    _client: httpx.Client = PrivateAttr()
    _aclient: httpx.AsyncClient | None = PrivateAttr(None)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self._client = httpx.Client(base_url=self.url, timeout=self.timeout)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name=self.model, is_chat_model=True)

    def _body(self, messages: Sequence[ChatMessage], stream: bool) -> bytes:
        wire = [{"role": m.role.value, "content": m.content} for m in messages]
        body: dict[str, Any] = {"model": self.model, "messages": wire, "stream": stream}
        if self.num_predict is not None:
            body["options"] = {"num_predict": self.num_predict}
        return json.dumps(body).encode()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        response = self._client.post("/api/chat", content=self._body(messages, False))
        response.raise_for_status()
        data = json.loads(response.content)
        return ChatResponse(message=ChatMessage(role="assistant", content=data["message"]["content"]), raw=data)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(base_url=self.url, timeout=self.timeout)
        response = await self._aclient.post("/api/chat", content=self._body(messages, False))
        response.raise_for_status()
        data = json.loads(response.content)
        return ChatResponse(message=ChatMessage(role="assistant", content=data["message"]["content"]), raw=data)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def lines() -> ChatResponseGen:
            text = ""
            with self._client.stream("POST", "/api/chat", content=self._body(messages, True)) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if line:
                        delta = json.loads(line)["message"]["content"]
                        text += delta
                        yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=delta)

        return lines()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        raise NotImplementedError("the floor is benchmarked through chat")

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        raise NotImplementedError("the floor is benchmarked through stream_chat")

    def close(self) -> None:
        """Close the sync client."""
        self._client.close()

    async def aclose(self) -> None:
        """Close the async client."""
        if self._aclient is not None:
            await self._aclient.aclose()


class FloorBench(_LlamaIndexBench):
    """The LlamaIndex floor, called like every LlamaIndex client (chat, stream_chat, achat)."""

    def _build(self, tokens: int | None) -> Any:
        return FloorLLM(
            url=self.settings.url,
            model=self.settings.model,
            num_predict=tokens,
            timeout=self.settings.timeout or 120.0,
        )
