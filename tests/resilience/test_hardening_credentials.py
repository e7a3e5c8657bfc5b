"""Credentials stay with their host, nothing secret shows anywhere, proxies never see loopback traffic, and bad
settings (proxy URLs, OLLAMA_* values) fail at construction naming what is wrong."""

from __future__ import annotations

import base64
import importlib.util
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fakes.hostile import HostileServer, chat_ok
from langchain_core.load import dumpd, dumps

from cb_ollama_integrations import ChatMessage, LLMRequest, NetworkError, OllamaClient, OllamaConfig
from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding

A, B = "http://a.example:1", "http://b.example:2"
PASSWORD, KEY, HEADER = "pw-Zq9", "key-Xv3", "hdr-Wk7"
SECRETS = (PASSWORD, KEY, HEADER, base64.b64encode(f"u:{PASSWORD}".encode()).decode()[:12])
HI = LLMRequest(messages=[ChatMessage(role="user", content="hi")])
ANSWER = {"model": "m", "message": {"role": "assistant", "content": "ok"}, "done": True}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def recording_client(seen: list[tuple[str, str | None]], failing: str | None = None, **config: Any) -> OllamaClient:
    def answer(request: httpx.Request) -> httpx.Response:
        host = f"http://{request.url.host}:{request.url.port}"
        seen.append((host, request.headers.get("authorization")))
        return httpx.Response(503 if host == failing else 200, json=ANSWER)

    return OllamaClient(OllamaConfig(**config), transport=httpx.MockTransport(answer), sleep=lambda _: None)


def test_url_credentials_go_to_their_host_only_percent_decoded() -> None:
    seen: list[tuple[str, str | None]] = []
    with recording_client(seen, base_urls=["http://u:p%40ss@a.example:1", B],
                          routing_strategy="load_balanced") as client:
        for _ in range(4):
            client.chat_completion(HI)
    assert {host for host, _ in seen} == {A, B}
    assert {auth for host, auth in seen if host == A} == {basic("u", "p@ss")}
    assert {auth for host, auth in seen if host == B} == {None}


def test_failover_never_carries_one_hosts_credentials_to_the_next() -> None:
    seen: list[tuple[str, str | None]] = []
    with recording_client(seen, failing=A, base_urls=[f"http://u:{PASSWORD}@a.example:1", B], max_retries=0,
                          api_key=KEY) as client:
        assert client.chat_completion(HI).host == B
    assert seen == [(A, basic("u", PASSWORD)), (B, f"Bearer {KEY}")]


def test_host_headers_are_per_host_and_win_over_shared_ones() -> None:
    seen: list[tuple[str, str | None]] = []
    with recording_client(seen, base_urls=[A, B], routing_strategy="load_balanced", api_key=KEY,
                          host_headers={B + "/": {"Authorization": "Bearer b-only"}}) as client:
        client.chat_completion(HI)
        client.chat_completion(HI)
    assert sorted(seen) == [(A, f"Bearer {KEY}"), (B, "Bearer b-only")]
    with pytest.raises(ValueError, match="not among this config's hosts"):
        OllamaConfig(base_url=A, host_headers={B: {"X": "1"}})


def test_adapters_keep_url_credentials_per_host() -> None:
    urls = [f"http://u:{PASSWORD}@a.example:1", B]
    for obj in (ChatCBOllama(model="m", base_urls=urls), CBOllama(model="m", base_urls=urls),
                CBOllamaEmbeddings(model="m", base_urls=urls), CBOllamaEmbedding(model_name="m", base_urls=urls)):
        config = obj.core_config()
        assert config.hosts == (A, B)
        assert config.header_values(A)["Authorization"] == basic("u", PASSWORD)
        assert "Authorization" not in config.header_values(B)


def _renderings(obj: Any) -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {"repr": lambda: repr(obj), "str": lambda: str(obj)}
    for name in ("model_dump", "model_dump_json", "to_json", "to_dict", "dict", "json", "__getstate__"):
        if callable(getattr(obj, name, None)):
            found[name] = getattr(obj, name)
    if hasattr(obj, "lc_serializable"):
        found["dumpd"], found["dumps"] = (lambda: dumpd(obj)), (lambda: dumps(obj))
    return found


def _public_objects() -> list[Any]:
    secrets: dict[str, Any] = {"base_url": f"http://u:{PASSWORD}@h.example:1", "api_key": KEY}
    config = OllamaConfig(custom_headers={"X-Team": HEADER}, **secrets)
    adapters = dict(secrets, headers={"X-Team": HEADER})
    return [config, OllamaClient(config), ChatCBOllama(model="m", **adapters), CBOllama(model="m", **adapters),
            CBOllamaEmbeddings(model="m", **adapters), CBOllamaEmbedding(model_name="m", **adapters),
            OllamaConfig(base_urls=[f"http://u:{PASSWORD}@h.example:1", B], proxy=f"http://p:{KEY}@proxy:3128")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_no_rendering_of_any_public_class_shows_a_secret() -> None:
    checked = 0
    for obj in _public_objects():
        for name, render in _renderings(obj).items():
            try:
                text = str(render())
            except (TypeError, NotImplementedError, ValueError):
                continue  # not serializable at all: nothing shown
            assert not any(secret in text for secret in SECRETS), (type(obj).__name__, name, text[:300])
            checked += 1
    assert checked >= 40  # every class rendered many ways, not skipped


def test_logs_and_errors_never_show_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    config = OllamaConfig(base_url=f"http://u:{PASSWORD}@h.example:1", api_key=KEY, log_bodies=True, max_retries=0)
    with (caplog.at_level(logging.DEBUG), OllamaClient(config, transport=httpx.MockTransport(refuse)) as client,
          pytest.raises(NetworkError) as info):
        client.chat_completion(HI)
    shown = caplog.text + str(info.value) + repr(info.value) + str(info.value.__cause__)
    assert "h.example" in shown and not any(secret in shown for secret in SECRETS)


# -- proxies -------------------------------------------------------------------------------------------------
@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return lambda **values: [monkeypatch.setenv(k, v) for k, v in values.items()] and None


@pytest.mark.parametrize("host", ["http://127.0.0.1:11434", "http://localhost:1", "http://[::1]:2",
                                  "http://127.9.9.9:3", "http://api.localhost:4"])
def test_loopback_hosts_never_use_an_environment_proxy(proxy_env: Callable[..., None], host: str) -> None:
    proxy_env(HTTP_PROXY="http://proxy.example:3128", http_proxy="http://proxy.example:3128",
              ALL_PROXY="http://proxy.example:3128")
    assert OllamaClient(OllamaConfig(base_url=host))._transport.proxies == {host: None}


def test_remote_hosts_follow_proxy_variables_no_proxy_and_settings(proxy_env: Callable[..., None]) -> None:
    proxy_env(HTTPS_PROXY="http://secure-proxy:1", http_proxy="http://plain-proxy:2", NO_PROXY="skip.example")

    def proxy(url: str, **config: Any) -> str | None:
        chosen = OllamaClient(OllamaConfig(base_url=url, **config))._transport.proxies[url]
        return None if chosen is None else str(chosen.url)

    assert proxy("https://gpu.example:443") == "http://secure-proxy:1"
    assert proxy("http://gpu.example:80") == "http://plain-proxy:2"
    assert proxy("http://skip.example:80") is None and proxy("http://a.skip.example:80") is None
    assert proxy("http://gpu.example:80", trust_env=False) is None
    assert proxy("http://127.0.0.1:1", proxy="http://mine:3") == "http://mine:3"  # explicit: every host


def test_a_loopback_call_never_reaches_the_environment_proxy(proxy_env: Callable[..., None]) -> None:
    with HostileServer(chat_ok) as fake_proxy, HostileServer(chat_ok) as ollama:
        proxy_env(HTTP_PROXY=fake_proxy.url, http_proxy=fake_proxy.url, ALL_PROXY=fake_proxy.url)
        with OllamaClient(OllamaConfig(base_url=ollama.url, api_key=KEY)) as client:
            assert client.chat_completion(HI).choices[0].message.content == "ok"
            assert client.health_check()
    # Only this client's traffic counts: a library that ran earlier in the process (Ray Data's usage thread)
    # may still send its own requests through the environment's proxy.
    ours = [r for r in fake_proxy.requests
            if r.headers.get("user-agent", "").startswith("cb-ollama-integrations") or ollama.url in r.path]
    assert ours == [] and len(ollama.requests) == 2
    assert all(r.headers.get("user-agent", "").startswith("cb-ollama-integrations") for r in ollama.requests)


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ALL_PROXY", "socks5://u:secret@proxy:1080", "needs the socksio package"),
    ("HTTPS_PROXY", "ftp://proxy:21", "not a usable proxy URL"),
    ("HTTPS_PROXY", "http://[bad", "not a usable proxy URL"),
])
def test_an_unusable_proxy_variable_fails_at_construction(proxy_env: Callable[..., None], variable: str,
                                                         value: str, message: str) -> None:
    proxy_env(**{variable: value})
    if "socks" in value and importlib.util.find_spec("socksio") is not None:  # installed: the proxy is usable
        OllamaClient(OllamaConfig(base_url="https://gpu.example:443")).close()
        return
    with pytest.raises(ValueError, match=message) as info:
        OllamaClient(OllamaConfig(base_url="https://gpu.example:443"))
    assert variable in str(info.value) and "secret" not in str(info.value)
    for make in (lambda: ChatCBOllama(model="m", base_url="https://gpu.example:443"),
                 lambda: CBOllamaEmbedding(model_name="m", base_url="https://gpu.example:443")):
        with pytest.raises(ValueError, match=variable):  # the adapters too, at construction
            make()
    OllamaClient(OllamaConfig(base_url="https://gpu.example:443", trust_env=False)).close()  # the way out
    OllamaClient(OllamaConfig(base_url="http://127.0.0.1:1")).close()  # loopback never looks at it


def test_an_unusable_proxy_setting_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="proxy must look like"):
        OllamaConfig(proxy="proxy.example")
    if importlib.util.find_spec("socksio") is None:
        with pytest.raises(ValueError, match="socksio"):
            OllamaClient(OllamaConfig(proxy="socks5://proxy:1080"))


# -- OLLAMA_* values -----------------------------------------------------------------------------------------
BAD_ENV = [
    ("OLLAMA_MAX_RETRIES", "-1"), ("OLLAMA_MAX_RETRIES", "999"), ("OLLAMA_MAX_RETRIES", "two"),
    ("OLLAMA_KEEP_ALIVE", "banana"), ("OLLAMA_TIMEOUT_SECONDS", "nan"), ("OLLAMA_TIMEOUT_SECONDS", "0"),
    ("OLLAMA_TIMEOUT_SECONDS", "-5"), ("OLLAMA_BASE_URL", "ftp://x"), ("OLLAMA_BASE_URL", "http://h:1/?q=1"),
    ("OLLAMA_HOST", "h:abc"), ("OLLAMA_HOST", "h:99999"), ("OLLAMA_VERIFY_SSL", "maybe"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_ENV)
def test_invalid_environment_values_fail_at_construction_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    makers: list[Callable[[], object]] = [
        OllamaConfig.from_env, lambda: ChatCBOllama(model="m"), lambda: CBOllama(model="m"),
        lambda: CBOllamaEmbeddings(model="m"), lambda: CBOllamaEmbedding(model_name="m"),
    ]
    for make in makers:
        with pytest.raises(ValueError, match=variable):
            make()


@pytest.mark.parametrize(("value", "url", "auth"), [
    ("::1", "http://[::1]:11434", None), ("[::1]:8080", "http://[::1]:8080", None),
    ("0.0.0.0", "http://127.0.0.1:11434", None), ("u:p%40ss@gpu:1", "http://gpu:1", basic("u", "p@ss")),
])
def test_ollama_host_forms_are_understood(monkeypatch: pytest.MonkeyPatch, value: str, url: str,
                                          auth: str | None) -> None:
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", value)
    config = OllamaConfig.from_env()
    assert config.base_url == url and config.header_values().get("Authorization") == auth
