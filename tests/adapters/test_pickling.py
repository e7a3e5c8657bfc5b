"""Every public class pickles and deep-copies, fresh and after it has made calls (to Ray or multiprocessing
workers, into copied chains): the copy works, builds its own pools, starts with fresh breakers, and shows no
secret in its repr or logs.

The hosts are the loopback fake (FakeOllamaServer) and a port nothing listens on.
"""

from __future__ import annotations

import copy
import logging
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fakes import FakeOllamaServer, closed_port_url

from cb_ollama_integrations import EmbeddingsRequest, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding

SECRET, PASSWORD = "s3cret-token-1234", "pa55word-5678"
DEAD = closed_port_url()
Copier = Callable[[Any], Any]
COPIERS: dict[str, Copier] = {"pickle": lambda obj: pickle.loads(pickle.dumps(obj)), "deepcopy": copy.deepcopy}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOllamaServer]:
    with FakeOllamaServer(lifetime=120) as fake:
        yield fake


def core_config(server: FakeOllamaServer) -> OllamaConfig:
    """A dead host first, then the fake: the first call fails over and opens the dead host's circuit."""
    return OllamaConfig(base_urls=[DEAD, server.url], max_retries=0, api_key=SECRET, breaker_failure_threshold=1,
                        embedding_model="all-minilm", default_model="smollm2:135m")


def make_client(server: FakeOllamaServer) -> OllamaClient:
    return OllamaClient(core_config(server))


def make_chat(server: FakeOllamaServer) -> ChatCBOllama:
    return ChatCBOllama(model="smollm2:135m", config=core_config(server))


def make_embeddings(server: FakeOllamaServer) -> CBOllamaEmbeddings:
    return CBOllamaEmbeddings(model="all-minilm", config=core_config(server))


def make_llm(server: FakeOllamaServer) -> CBOllama:
    return CBOllama(model="smollm2:135m", config=core_config(server))


def make_embedding(server: FakeOllamaServer) -> CBOllamaEmbedding:
    return CBOllamaEmbedding(model_name="all-minilm", config=core_config(server))


def use(obj: Any) -> None:
    """One real call through the object (asserting it answered)."""
    if isinstance(obj, OllamaClient):
        assert len(obj.embeddings(EmbeddingsRequest(model="all-minilm", input=["a", "b"])).data) == 2
    elif isinstance(obj, ChatCBOllama):
        assert "hi" in str(obj.invoke("hi").content)
    elif isinstance(obj, CBOllamaEmbeddings):
        assert len(obj.embed_documents(["a", "b"])) == 2
    elif isinstance(obj, CBOllama):
        assert "hi" in obj.complete("hi").text
    else:
        assert len(obj.get_text_embedding("a")) > 0


def core(obj: Any) -> OllamaClient:
    return obj if isinstance(obj, OllamaClient) else obj.core_client()


MAKERS = [make_client, make_chat, make_embeddings, make_llm, make_embedding]


@pytest.mark.parametrize("how", COPIERS)
@pytest.mark.parametrize("used", [False, True], ids=["fresh", "used"])
@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__.removeprefix("make_"))
def test_the_copy_works_with_fresh_breakers(server: FakeOllamaServer, make: Callable[..., Any], used: bool,
                                            how: str) -> None:
    original = make(server)
    if used:
        use(original)
        assert core(original).circuit_state()[DEAD].state == "open"
    duplicate = COPIERS[how](original)
    assert type(duplicate) is type(original)
    assert core(duplicate) is not core(original)
    assert core(duplicate).config == core(original).config
    assert all(state.state == "closed" and state.consecutive_failures == 0
               for state in core(duplicate).circuit_state().values())
    use(duplicate)
    assert core(duplicate).circuit_state()[DEAD].state == "open"  # its own breakers count its own calls
    use(original)  # the original is untouched by the copy
    original.close()
    duplicate.close()


@pytest.mark.parametrize("how", COPIERS)
def test_config_copies_keep_every_value_and_secret(server: FakeOllamaServer, how: str) -> None:
    config = OllamaConfig(base_url=f"http://user:{PASSWORD}@127.0.0.1:9", api_key=SECRET, embed_batch_size=7)
    duplicate = COPIERS[how](config)
    assert duplicate == config
    assert duplicate.header_values() == config.header_values()
    assert SECRET not in repr(duplicate) and PASSWORD not in repr(duplicate)


@pytest.mark.parametrize("make", [make_chat, make_embeddings, make_llm, make_embedding],
                         ids=lambda f: f.__name__.removeprefix("make_"))
def test_adapters_built_from_fields_rebuild_their_client_on_the_other_side(
    server: FakeOllamaServer, make: Callable[..., Any]
) -> None:
    cls = type(make(server))
    field = "model_name" if cls is CBOllamaEmbedding else "model"
    timeout = "request_timeout" if cls in (CBOllama, CBOllamaEmbedding) else "timeout"
    original = cls(**{field: "all-minilm", "base_url": server.url, "api_key": SECRET, timeout: 12.5})
    use(original)
    assert original._built_client is not None
    duplicate = pickle.loads(pickle.dumps(original))
    assert duplicate._built_client is None  # no pool shipped: built on first use
    use(duplicate)
    assert duplicate._built_client is not None and duplicate._built_client is not original._built_client
    assert duplicate.core_config().timeout_seconds == 12.5
    assert duplicate.core_config().header_values() == {"Authorization": f"Bearer {SECRET}"}
    original.close()
    duplicate.close()


def test_an_injected_client_travels_with_its_adapter(server: FakeOllamaServer) -> None:
    injected = make_client(server)
    chat = ChatCBOllama(model="smollm2:135m", client=injected)
    llm = CBOllama(model="smollm2:135m", client=injected)
    use(chat)
    chat_copy, llm_copy = pickle.loads(pickle.dumps((chat, llm)))
    assert chat_copy.client is chat_copy.core_client() and chat_copy.client is not injected
    assert chat_copy.core_config() == injected.config and llm_copy.client.config == injected.config
    use(chat_copy)
    use(llm_copy)
    for client in (injected, chat_copy.client, llm_copy.client):
        client.close()


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__.removeprefix("make_"))
def test_secrets_travel_inside_the_pickle_only(server: FakeOllamaServer, make: Callable[..., Any],
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="cb_ollama_integrations")
    original = make(server)
    use(original)
    data = pickle.dumps(original)
    assert SECRET.encode() in data  # the copy must be able to authenticate
    duplicate = pickle.loads(data)
    use(duplicate)
    shown = [repr(duplicate), str(duplicate), repr(core(duplicate)), caplog.text]
    if not isinstance(duplicate, OllamaClient):
        shown.append(duplicate.model_dump_json())
    assert not any(SECRET in text for text in shown)
    assert core(duplicate).config.header_values()["Authorization"] == f"Bearer {SECRET}"
    original.close()
    duplicate.close()


def refuse_everything(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, text="fake: down")


def test_a_client_with_picklable_seams_ships_them() -> None:
    client = OllamaClient(OllamaConfig(max_retries=0), transport=httpx.MockTransport(refuse_everything))
    duplicate = pickle.loads(pickle.dumps(client))
    assert duplicate._seams.keys() == {"transport"}
    assert duplicate.health_check() is False  # answered by the shipped fake: 503


def test_a_client_with_unpicklable_seams_refuses_to_pickle_clearly() -> None:
    fake = httpx.MockTransport(lambda request: httpx.Response(200, text="Ollama is running"))
    client = OllamaClient(OllamaConfig(), transport=fake, sleep=lambda seconds: None)
    with pytest.raises(TypeError, match=r"cannot be pickled: its injected sleep, transport cannot"):
        pickle.dumps(client)
    duplicate = copy.deepcopy(client)  # a deep copy shares the seams: it talks to the same fake
    assert duplicate._seams["transport"] is fake
    assert duplicate.health_check() is True


@pytest.mark.parametrize("cls", [ChatCBOllama, CBOllama])
def test_an_adapter_over_an_unpicklable_client_refuses_instead_of_dropping_it(cls: type[Any]) -> None:
    fake = httpx.MockTransport(lambda request: httpx.Response(200, text="Ollama is running"))
    adapter = cls(model="m", client=OllamaClient(OllamaConfig(base_url="http://gpu-box:11434"), transport=fake))
    with pytest.raises(TypeError, match="its injected transport cannot"):
        pickle.dumps(adapter)  # LlamaIndex would otherwise drop it and build a client for localhost


def test_a_shallow_copy_is_a_new_client_over_the_same_config_and_seams() -> None:
    fake = httpx.MockTransport(lambda request: httpx.Response(200, text="Ollama is running"))
    client = OllamaClient(OllamaConfig(), transport=fake)
    duplicate = copy.copy(client)
    assert duplicate is not client and duplicate.config is client.config
    assert duplicate._seams["transport"] is fake and duplicate.health_check() is True
