"""What the frameworks' own tracers read, and our spans under the adapters (replayed from a real Ollama v0.24.0).

Cassettes: cassettes/test_telemetry_frameworks/. A LangChain callback handler reads the LangSmith params,
`response_metadata` and `usage_metadata`; a LlamaIndex event handler on the root dispatcher sees the chat,
stream, embedding and exception events and `raw["usage"]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _otel import Otel
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.llms import ChatMessage as LIMessage

from cb_ollama_integrations import ModelNotFoundError, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import ChatCBOllama
from cb_ollama_integrations.langchain._convert import ChunkConverter
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding
from cb_ollama_integrations.types import StreamingChunk

CHAT = "smollm2:135m"
EMBED = "all-minilm"
pytestmark = pytest.mark.vcr


class Handler(BaseCallbackHandler):
    """Keeps what LangChain hands a tracer: the run's metadata and the final message."""

    def __init__(self) -> None:
        self.metadata: list[dict[str, Any]] = []
        self.results: list[LLMResult] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, **kwargs: Any) -> None:
        self.metadata.append(kwargs.get("metadata") or {})

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.results.append(response)


def test_a_langchain_tracer_reads_ls_params_finish_reason_and_usage(otel: Otel, ollama_url: str) -> None:
    client = OllamaClient(OllamaConfig(base_url=ollama_url, max_retries=0), **otel.providers)
    llm = ChatCBOllama(model=CHAT, client=client, temperature=0.1, max_tokens=6, stop=["\n\n"])
    handler = Handler()
    llm.invoke("Say hello.", config={"callbacks": [handler]})
    list(llm.stream("Say bye.", config={"callbacks": [handler]}))
    for metadata in handler.metadata:
        assert {k: v for k, v in metadata.items() if k.startswith("ls_")} == {
            "ls_provider": "ollama", "ls_model_name": CHAT, "ls_model_type": "chat", "ls_temperature": 0.1,
            "ls_max_tokens": 6, "ls_stop": ["\n\n"], "ls_integration": "langchain_chat_model"}
    spans = otel.spans()
    for result, span in zip(handler.results, spans, strict=True):
        message: Any = result.generations[0][0].message  # type: ignore[attr-defined]
        finish = message.response_metadata["finish_reason"]
        assert finish == message.response_metadata["done_reason"] in ("stop", "length")
        assert message.response_metadata["model_provider"] == "ollama"
        usage = message.usage_metadata
        assert usage["input_tokens"] > 0 and usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
        attributes = dict(span.attributes or {})
        assert attributes["gen_ai.usage.output_tokens"] == usage["output_tokens"]
        assert attributes["gen_ai.response.finish_reasons"] == (finish,)
    assert [dict(s.attributes or {}).get("gen_ai.request.stream") for s in spans] == [None, True]


def test_reasoning_tokens_are_not_claimed_when_ollama_does_not_count_them() -> None:
    # Ollama v0.24 reports one eval_count for thinking and answer together: no reasoning split to report.
    chunk = StreamingChunk.model_validate({
        "id": "x", "model": CHAT, "done": True, "usage": {"prompt_tokens": 3, "completion_tokens": 9,
                                                           "total_tokens": 12},
        "choices": [{"delta": {"role": "assistant", "content": "4", "thinking": "2+2 is 4"},
                     "finish_reason": "stop"}]})
    converted = ChunkConverter().convert(chunk)
    assert converted is not None
    usage: Any = converted.message.usage_metadata  # type: ignore[attr-defined]
    assert usage == {"input_tokens": 3, "output_tokens": 9, "total_tokens": 12}


class Events(BaseEventHandler):
    """Every LlamaIndex instrumentation event, by class name."""

    seen: list[BaseEvent] = []

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.seen.append(event)

    def names(self) -> list[str]:
        return [type(event).__name__ for event in self.seen]


@pytest.fixture
def events() -> Iterator[Events]:
    handler, dispatcher = Events(seen=[]), get_dispatcher()
    dispatcher.add_event_handler(handler)
    yield handler
    dispatcher.event_handlers.remove(handler)


def test_the_llama_index_dispatcher_sees_chat_and_stream_events_with_usage(events: Events, ollama_url: str) -> None:
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=6, max_retries=0)
    answer = llm.chat([LIMessage(role="user", content="Say hello.")])
    assert events.names() == ["LLMChatStartEvent", "LLMChatEndEvent"]
    end: Any = events.seen[-1]
    assert end.response.raw["usage"] == answer.raw["usage"]
    assert answer.raw["usage"]["prompt_tokens"] > 0 and answer.raw["usage"]["completion_tokens"] > 0
    events.seen.clear()
    chunks = list(llm.stream_chat([LIMessage(role="user", content="Say bye.")]))
    assert events.names() == ["LLMChatStartEvent"] + ["LLMChatInProgressEvent"] * len(chunks) + ["LLMChatEndEvent"]
    assert chunks[-1].raw["usage"]["completion_tokens"] > 0


def test_the_llama_index_dispatcher_sees_embedding_events(events: Events, ollama_url: str) -> None:
    embed = CBOllamaEmbedding(model_name=EMBED, base_url=ollama_url, max_retries=0)
    vectors = embed.get_text_embedding_batch(["a lighthouse", "a ferry"])
    assert events.names() == ["EmbeddingStartEvent", "EmbeddingEndEvent"]
    end: Any = events.seen[-1]
    assert end.chunks == ["a lighthouse", "a ferry"] and end.embeddings == vectors


def test_the_llama_index_dispatcher_sees_exception_events(events: Events, ollama_url: str) -> None:
    llm = CBOllama(model="no-such-model:1b", base_url=ollama_url, max_retries=0)
    embed = CBOllamaEmbedding(model_name="no-such-embedder", base_url=ollama_url, max_retries=0)
    message = [LIMessage(role="user", content="Hi")]
    for call in (lambda: llm.chat(message), lambda: list(llm.stream_chat(message)),
                 lambda: embed.get_query_embedding("a")):
        events.seen.clear()
        with pytest.raises(ModelNotFoundError):
            call()
        [exception] = [e for e in events.seen if type(e).__name__ == "ExceptionEvent"]
        assert isinstance(exception.exception, ModelNotFoundError)  # type: ignore[attr-defined]
