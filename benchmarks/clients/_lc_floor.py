"""The LangChain floor: the thinnest BaseChatModel around one raw httpx call (what any adapter must pay)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from benchmarks.clients._langchain import _LangChainBench

__all__ = ["FloorBench", "FloorChatModel"]


class FloorChatModel(BaseChatModel):
    """One POST /api/chat per call: non-streaming for invoke, NDJSON lines for stream; json in/out."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    url: str
    model: str
    num_predict: int | None = None
    timeout: float = 120.0
    _client: httpx.Client | None = PrivateAttr(None)
    _aclient: httpx.AsyncClient | None = PrivateAttr(None)

    @property
    def _llm_type(self) -> str:
        return "floor"

    def _body(self, messages: list[BaseMessage], stream: bool) -> bytes:
        wire = [{"role": "user" if m.type == "human" else m.type, "content": m.content} for m in messages]
        body: dict[str, Any] = {"model": self.model, "messages": wire, "stream": stream}
        if self.num_predict is not None:
            body["options"] = {"num_predict": self.num_predict}
        return json.dumps(body).encode()

    def _sync(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=self.timeout)
        return self._client

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self._sync().post("/api/chat", content=self._body(messages, False))
        response.raise_for_status()
        content = json.loads(response.content)["message"]["content"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(base_url=self.url, timeout=self.timeout)
        response = await self._aclient.post("/api/chat", content=self._body(messages, False))
        response.raise_for_status()
        content = json.loads(response.content)["message"]["content"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._sync().stream("POST", "/api/chat", content=self._body(messages, True)) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line:
                    text = json.loads(line)["message"]["content"]
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk

    def close(self) -> None:
        """Close the sync client."""
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the async client."""
        if self._aclient is not None:
            await self._aclient.aclose()


class FloorBench(_LangChainBench):
    """The LangChain floor, called like every LangChain client (invoke, stream, ainvoke)."""

    def _build(self, tokens: int | None) -> Any:
        return FloorChatModel(
            url=self.settings.url,
            model=self.settings.model,
            num_predict=tokens,
            timeout=self.settings.timeout or 120.0,
        )

    async def aclose(self) -> None:
        for model in self._models.values():
            await model.aclose()

    def close(self) -> None:
        for model in self._models.values():
            model.close()
