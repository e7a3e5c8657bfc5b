"""Context windows against the real Ollama v0.24 (replayed from cassettes recorded from it).

smollm2:135m was trained on 8,192 tokens, while the server runs it at 4,096 when no num_ctx is sent. A prompt
of ~5,000 tokens shows both sides: with the default num_ctx="auto" it gets the 8,192 rung and is evaluated
whole; with num_ctx=None the server cuts it to 4,096, and that is told (or raised). A prompt far past the
trained 8,192 tokens is refused before any chat is sent: the only request that reached the server is the
/api/show that told the model's maximum.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from pydantic_core import from_json

from cb_ollama_integrations import (
    ChatMessage,
    ContextWindowExceededError,
    LLMRequest,
    OllamaClient,
    OllamaConfig,
)
from cb_ollama_integrations.langchain import ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding

pytestmark = pytest.mark.vcr

CHAT = "smollm2:135m"
LOG = "cb_ollama_integrations"
SLOW = 1800.0  # a CPU-only server shared while recording evaluates ~6,000 tokens in minutes


def logbook(days: int, first: int = 1) -> str:
    """A made-up ship's log, one line a day (~26 tokens each for smollm2's tokenizer)."""
    return "\n".join(f"Day {day}: the keeper of lighthouse {day % 17} counted {day * 7 % 101} ships and "
                     f"{day * 3 % 13} gulls; the wind came from the {('north', 'east', 'south', 'west')[day % 4]}."
                     for day in range(first, first + days))


LONG = logbook(160) + "\n\nHow many ships were counted on day 3? Answer with one number."  # ~5,000 tokens


def core_client(url: str) -> OllamaClient:
    return OllamaClient(OllamaConfig(base_url=url, default_model=CHAT, max_retries=0, timeout_seconds=SLOW,
                                     deadline_seconds=SLOW))


def ask(text: str, **fields: Any) -> LLMRequest:
    return LLMRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=8, temperature=0, **fields)


def sent(cassette: Any, path: str = "/api/chat") -> list[dict[str, Any]]:
    """The bodies of the requests to `path` in this test's cassette (what really reached the server)."""
    return [from_json(r.body) for r in cassette.requests if r.path == path]


def answered(cassette: Any, path: str = "/api/chat") -> list[dict[str, Any]]:
    """The server's answers to `path`: the last NDJSON line of each."""
    bodies = [resp["body"]["string"] for req, resp in zip(cassette.requests, cassette.responses, strict=True)
              if req.path == path]
    return [from_json((b if isinstance(b, bytes) else b.encode()).strip().splitlines()[-1]) for b in bodies]


def test_a_prompt_past_the_models_maximum_raises_before_any_chat_is_sent(ollama_url: str, vcr: Any) -> None:
    huge = logbook(800) + "\n\nSummarise."  # ~20,000 tokens for a model trained on 8,192
    with core_client(ollama_url) as client, pytest.raises(ContextWindowExceededError, match="nothing was") as caught:
        client.chat_completion(ask(huge))
    assert caught.value.model_max == 8192
    assert [r.path for r in vcr.requests] == ["/api/show"]  # the model's maximum, asked; no chat


def test_core_auto_fits_the_prompt_and_never_shrinks_the_runner(ollama_url: str, vcr: Any) -> None:
    with core_client(ollama_url) as client:
        short = client.chat_completion(ask("Say hi."))
        long = client.chat_completion(ask(LONG))
        after = client.chat_completion(ask("Say hi."))
        running = {m.name: m.context_length for m in client.list_running()}
    assert short.usage.prompt_tokens < 100 and after.usage.prompt_tokens == short.usage.prompt_tokens
    assert long.usage.prompt_tokens > 4500  # all of it: the server's default window would hold 4,096
    # The 4,096 rung is the server's default (not sent); the long prompt grows it once; no shrink after.
    assert [body.get("options", {}).get("num_ctx") for body in sent(vcr)] == [None, 8192, 8192]
    assert [r.path for r in vcr.requests].count("/api/show") == 1  # asked once, for the long prompt only
    assert running[CHAT] == 8192


def test_langchain_auto_fits_the_prompt(ollama_url: str, vcr: Any) -> None:
    llm = ChatCBOllama(model=CHAT, base_url=ollama_url, max_tokens=8, temperature=0, max_retries=0, timeout=SLOW)
    message = llm.invoke(LONG)
    assert message.usage_metadata is not None and message.usage_metadata["input_tokens"] > 4500
    assert sent(vcr)[0]["options"]["num_ctx"] == 8192
    llm.close()


def test_llama_index_auto_fits_the_prompt(ollama_url: str, vcr: Any) -> None:
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=8, temperature=0, max_retries=0,
                   request_timeout=SLOW)
    response = llm.complete(LONG)
    assert response.additional_kwargs["prompt_tokens"] > 4500
    assert sent(vcr)[0]["options"]["num_ctx"] == 8192
    llm.close()


def test_server_default_cuts_the_prompt_and_that_is_told_or_raised(ollama_url: str, vcr: Any,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    with core_client(ollama_url) as client:
        with caplog.at_level(logging.WARNING, logger=LOG):
            cut = client.chat_completion(ask(LONG, num_ctx=None))
        assert cut.usage.prompt_tokens == 4096  # the server kept what fits its default window
        assert "did not fit the context window" in caplog.text and "cut the prompt" in caplog.text
        with pytest.raises(ContextWindowExceededError) as caught:
            client.chat_completion(ask(LONG, num_ctx=None, on_context_overflow="raise"))
    assert caught.value.context_window == 4096 and caught.value.model_max == 8192
    assert caught.value.estimated_tokens is not None and caught.value.estimated_tokens > 4096
    assert all("num_ctx" not in body.get("options", {}) for body in sent(vcr))


def test_llama_index_query_engine_packs_retrieved_context_into_the_window_it_gets(ollama_url: str, vcr: Any,
                                                                                 caplog: pytest.LogCaptureFixture
                                                                                 ) -> None:
    # 15 passages of ~300 tokens: retrieving all of them overflows the server's default 4,096.
    documents = [Document(text=logbook(11, first=1 + 11 * n)) for n in range(15)]
    embed = CBOllamaEmbedding(model_name="all-minilm", base_url=ollama_url, max_retries=0)
    llm = CBOllama(model=CHAT, base_url=ollama_url, max_tokens=8, temperature=0, max_retries=0,
                   request_timeout=SLOW)
    index = VectorStoreIndex.from_documents(documents, embed_model=embed)
    with caplog.at_level(logging.WARNING, logger=LOG):
        response = index.as_query_engine(llm=llm, similarity_top_k=15).query("How many ships on day 3?")
    assert len(response.source_nodes) == 15
    chats, answers = sent(vcr), answered(vcr)
    assert len(chats) == 1  # LlamaIndex packed everything into one call, sized to its 8,192-token window
    assert chats[0]["options"]["num_ctx"] == 8192
    assert 4096 < answers[0]["prompt_eval_count"] < 8192  # more than the default would hold, all of it seen
    assert "did not fit" not in caplog.text
    llm.close()
    embed.close()
