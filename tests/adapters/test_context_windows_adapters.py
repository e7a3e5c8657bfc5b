"""Context windows through ChatCBOllama and CBOllama over a fake Ollama: what is sent, what the frameworks are
told (profile, metadata, token counts), and that LangChain's trim_messages trims to what the window holds."""

from __future__ import annotations

import pytest
from fakes.context_ollama import MODEL, PROSE, Server
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, trim_messages
from llama_index.core.base.llms.types import ChatMessage as LlamaMessage

from cb_ollama_integrations import ContextWindowExceededError
from cb_ollama_integrations.langchain import ChatCBOllama
from cb_ollama_integrations.langchain._convert import to_core_messages
from cb_ollama_integrations.llama_index import CBOllama


def test_chat_model_sends_auto_sizes_and_none_sends_nothing() -> None:
    server = Server(prompt_eval_count=6100)
    client = server.client()
    ChatCBOllama(model=MODEL, client=client).invoke("hi")
    ChatCBOllama(model=MODEL, client=client).invoke(PROSE * 600)
    ChatCBOllama(model=MODEL, client=client, num_ctx=None).invoke(PROSE * 600)
    ChatCBOllama(model=MODEL, client=client, num_ctx=2048).invoke("hi")
    assert server.sizes() == [None, 8192, None, 2048]  # the 4,096 rung is the default: not sent


def test_chat_model_raises_on_a_cut_prompt_when_asked_to() -> None:
    client = Server(prompt_eval_count=4096).client()
    llm = ChatCBOllama(model=MODEL, client=client, num_ctx=None, on_context_overflow="raise")
    with pytest.raises(ContextWindowExceededError):
        llm.invoke(PROSE * 600)
    with pytest.raises(ContextWindowExceededError):
        list(llm.stream(PROSE * 600))
    ChatCBOllama(model=MODEL, client=client, num_ctx=None).invoke(PROSE * 600)  # warn (default): answers


def test_chat_model_refuses_a_prompt_past_the_model_before_sending() -> None:
    server = Server()
    with pytest.raises(ContextWindowExceededError, match="trim_messages"):
        ChatCBOllama(model=MODEL, client=server.client()).invoke(PROSE * 2000)
    assert "/api/chat" not in server.paths()


def test_the_profile_tells_the_window_really_used() -> None:
    assert ChatCBOllama(model=MODEL).profile["max_input_tokens"] == 8192  # auto: up to the trained context
    assert ChatCBOllama(model=MODEL, num_ctx=None).profile["max_input_tokens"] == 4096  # the server's default
    assert ChatCBOllama(model=MODEL, num_ctx=6000).profile["max_input_tokens"] == 6000


def test_token_counts_are_the_estimate_auto_sizes_with() -> None:
    client = Server().client()
    llm = ChatCBOllama(model=MODEL, client=client)
    messages = [SystemMessage("Be brief."), HumanMessage(PROSE * 10)]
    counted = llm.get_num_tokens_from_messages(messages)
    core = client.estimate_tokens(to_core_messages(messages), model=MODEL)
    assert counted == core and 100 < counted < 140
    assert llm.get_num_tokens(PROSE) == 10
    assert ChatCBOllama(model=MODEL, client=client, custom_get_token_ids=lambda text: [1, 2, 3]).get_num_tokens(
        PROSE) == 3


def test_trim_messages_with_the_model_as_counter_keeps_what_fits() -> None:
    llm = ChatCBOllama(model=MODEL, client=Server().client())
    history = [SystemMessage("You are terse.")]
    for turn in range(40):
        history += [HumanMessage(f"Question {turn}: " + PROSE * 5), AIMessage("Answer: " + PROSE * 5)]
    budget = 1000
    trimmed = trim_messages(history, max_tokens=budget, token_counter=llm, strategy="last", include_system=True,
                            start_on="human")
    assert 2 < len(trimmed) < len(history)
    assert llm.get_num_tokens_from_messages(trimmed) <= budget
    assert trimmed[0] == history[0] and trimmed[-1] == history[-1]


def test_llama_index_sends_auto_sizes_and_none_sends_nothing() -> None:
    server = Server(prompt_eval_count=6100)
    client = server.client()
    CBOllama(model=MODEL, client=client).complete("hi")
    CBOllama(model=MODEL, client=client).complete(PROSE * 600)
    CBOllama(model=MODEL, client=client, context_window=None).complete(PROSE * 600)
    CBOllama(model=MODEL, client=client, context_window=3000).chat([LlamaMessage(role="user", content="hi")])
    assert server.sizes() == [None, 8192, None, 3000]


def test_llama_index_metadata_tells_the_window_really_used() -> None:
    server = Server(trained=6000)
    llm = CBOllama(model=MODEL, client=server.client())
    assert llm.metadata.context_window == 8192  # the catalog, before the server was asked
    llm.complete(PROSE * 600)  # a long prompt: the client asks /api/show (this fake says 6,000)
    assert llm.metadata.context_window == 6000
    assert CBOllama(model=MODEL, context_window=None).metadata.context_window == 4096
    assert CBOllama(model=MODEL, context_window=2048).metadata.context_window == 2048
    assert CBOllama(model="private/model:7b").metadata.context_window == 4096


def test_llama_index_raises_on_a_cut_prompt_when_asked_to() -> None:
    llm = CBOllama(model=MODEL, client=Server(prompt_eval_count=4096).client(), context_window=None,
                   on_context_overflow="raise")
    with pytest.raises(ContextWindowExceededError):
        llm.complete(PROSE * 600)
    with pytest.raises(ContextWindowExceededError):
        list(llm.stream_complete(PROSE * 600))
