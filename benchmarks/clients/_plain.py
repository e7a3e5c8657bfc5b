"""Clients without a framework: raw httpx (the baseline), ollama-python and the project's OllamaClient."""

# ruff: noqa: PLC0415  (each client imports its packages lazily: a missing one makes only it "not available")

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks.clients import PROMPT, BenchClient, options

if TYPE_CHECKING:
    from benchmarks.workloads import Settings

__all__ = ["CoreClient", "OllamaPython", "RawHttpx"]


class RawHttpx(BenchClient):
    """The floor: one reused httpx.Client, the stdlib json module in and out, nothing else."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout = settings.timeout if settings.timeout is not None else 120.0
        self.client = httpx.Client(base_url=settings.url, timeout=self.timeout)
        self.aclient: httpx.AsyncClient | None = None

    def _chat_body(self, stream: bool, tokens: int | None) -> bytes:
        body = {"model": self.settings.model, "messages": [{"role": "user", "content": PROMPT}], "stream": stream}
        if tokens is not None:
            body["options"] = {"num_predict": tokens}
        return json.dumps(body).encode()

    def chat(self) -> str:
        response = self.client.post("/api/chat", content=self._chat_body(False, self.settings.chat_tokens))
        response.raise_for_status()
        return str(json.loads(response.content)["message"]["content"])

    def stream(self, tokens: int) -> int:
        chunks = 0
        with self.client.stream("POST", "/api/chat", content=self._chat_body(True, tokens)) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if line:
                    chunks += bool(json.loads(line)["message"]["content"] is not None)
        return chunks

    def embed(self, texts: list[str]) -> list[list[float]]:
        body: dict[str, Any] = {"model": self.settings.embed_model, "input": texts}
        if self.settings.dimensions is not None:
            body["dimensions"] = self.settings.dimensions
        response = self.client.post("/api/embed", content=json.dumps(body).encode())
        response.raise_for_status()
        return list(json.loads(response.content)["embeddings"])

    async def achat(self) -> str:
        if self.aclient is None:
            self.aclient = httpx.AsyncClient(base_url=self.settings.url, timeout=self.timeout)
        response = await self.aclient.post("/api/chat", content=self._chat_body(False, self.settings.chat_tokens))
        response.raise_for_status()
        return str(json.loads(response.content)["message"]["content"])

    async def aclose(self) -> None:
        if self.aclient is not None:
            await self.aclient.aclose()

    def close(self) -> None:
        self.client.close()


class OllamaPython(BenchClient):
    """ollama-python's Client/AsyncClient (pydantic responses)."""

    def __init__(self, settings: Settings) -> None:
        import ollama

        self.settings = settings
        self.client = ollama.Client(host=settings.url, timeout=settings.timeout)
        self.aclient = ollama.AsyncClient(host=settings.url, timeout=settings.timeout)
        self.messages = [{"role": "user", "content": PROMPT}]

    def chat(self) -> str:
        reply = self.client.chat(
            self.settings.model, messages=self.messages, options=options(self.settings.chat_tokens)
        )
        return str(reply.message.content)

    def stream(self, tokens: int) -> int:
        parts = self.client.chat(self.settings.model, messages=self.messages, stream=True, options=options(tokens))
        return sum(1 for part in parts if part.message.content is not None)

    def embed(self, texts: list[str]) -> list[list[float]]:
        reply = self.client.embed(self.settings.embed_model, input=texts, dimensions=self.settings.dimensions)
        return [list(vector) for vector in reply.embeddings]

    async def achat(self) -> str:
        reply = await self.aclient.chat(
            self.settings.model, messages=self.messages, options=options(self.settings.chat_tokens)
        )
        return str(reply.message.content)

    async def aclose(self) -> None:
        await self.aclient._client.aclose()  # ollama's AsyncClient has no public close

    def close(self) -> None:
        self.client._client.close()


class CoreClient(BenchClient):
    """This project's OllamaClient, default settings; requests are built per call, as a user would."""

    has_breaker = True

    def __init__(self, settings: Settings) -> None:
        from cb_ollama_integrations import OllamaClient, OllamaConfig

        overrides: dict[str, Any] = {}
        if settings.timeout is not None:
            overrides.update(timeout_seconds=settings.timeout, connect_timeout_seconds=settings.timeout)
        if settings.max_retries is not None:
            overrides["max_retries"] = settings.max_retries
        self.settings = settings
        self.client = OllamaClient(
            OllamaConfig(
                base_url=settings.url,
                default_model=settings.model,
                embedding_model=settings.embed_model,
                **overrides,
            )
        )

    def _request(self, tokens: int | None) -> Any:
        from cb_ollama_integrations import ChatMessage, LLMRequest

        return LLMRequest(messages=[ChatMessage(role="user", content=PROMPT)], max_tokens=tokens)

    def chat(self) -> str:
        return self.client.chat_completion(self._request(self.settings.chat_tokens)).choices[0].message.content

    def stream(self, tokens: int) -> int:
        return sum(1 for _ in self.client.chat_completion_stream(self._request(tokens)))

    def embed(self, texts: list[str]) -> list[list[float]]:
        from cb_ollama_integrations import EmbeddingsRequest

        reply = self.client.embeddings(EmbeddingsRequest(input=texts, dimensions=self.settings.dimensions))
        return [item.embedding for item in reply.data]

    async def achat(self) -> str:
        reply = await self.client.achat_completion(self._request(self.settings.chat_tokens))
        return reply.choices[0].message.content

    async def aclose(self) -> None:
        await self.client.aclose()

    def close(self) -> None:
        self.client.close()
