"""OllamaConfig: defaults, env precedence, keep_alive rules, URL and secret handling (no I/O)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from pydantic import ValidationError

import cb_ollama_integrations
from cb_ollama_integrations import OllamaConfig, RoutingStrategy
from cb_ollama_integrations._values.env import normalize_host, parse_bool
from cb_ollama_integrations.config import normalize_keep_alive


def test_defaults_follow_the_seed() -> None:
    config = OllamaConfig()
    assert config.base_url == "http://localhost:11434"
    assert config.default_model == "llama2"
    assert config.keep_alive == "5m"
    assert config.verify_ssl is True
    assert config.hosts == ("http://localhost:11434",)
    assert config.routing_strategy is RoutingStrategy.FAILOVER_CHAIN


def test_config_is_frozen_and_strict() -> None:
    config = OllamaConfig()
    with pytest.raises(ValidationError):
        config.default_model = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="timeout_second"):
        OllamaConfig(timeout_second=3)  # type: ignore[call-arg]


def test_trailing_slash_is_removed_and_bad_urls_rejected() -> None:
    assert OllamaConfig(base_url="http://h:1/").base_url == "http://h:1"
    with pytest.raises(ValidationError, match="http://host:port"):
        OllamaConfig(base_url="localhost:11434")


@pytest.mark.parametrize(
    ("raw", "sent"),
    [("5m", "5m"), ("1h30m", "1h30m"), ("300ms", "300ms"), ("300", 300), ("-1", -1), (0, 0), (-1, -1),
     (2.5, 2.5), ("0", 0), (timedelta(minutes=2), 120)],
)
def test_keep_alive_values_are_what_ollama_parses(raw: object, sent: object) -> None:
    assert normalize_keep_alive(raw) == sent
    assert OllamaConfig(keep_alive=raw).keep_alive == sent  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["five minutes", "5 m", "m5", "", True])
def test_invalid_keep_alive_is_rejected_with_a_hint(bad: object) -> None:
    with pytest.raises((ValueError, ValidationError), match="keep_alive"):
        OllamaConfig(keep_alive=bad)  # type: ignore[arg-type]


def test_env_is_read_by_from_env_and_explicit_arguments_win() -> None:
    env = {"OLLAMA_BASE_URL": "http://gpu:11434/", "OLLAMA_DEFAULT_MODEL": "qwen2.5-coder:3b",
           "OLLAMA_KEEP_ALIVE": "10m", "OLLAMA_VERIFY_SSL": "FALSE", "OLLAMA_EMBEDDING_MODEL": "all-minilm",
           "OLLAMA_TIMEOUT_SECONDS": "42", "OLLAMA_MAX_RETRIES": "4"}
    config = OllamaConfig.from_env(env)
    assert (config.base_url, config.default_model, config.keep_alive) == ("http://gpu:11434", "qwen2.5-coder:3b", "10m")
    assert config.verify_ssl is False and config.embedding_model == "all-minilm"
    assert config.timeout_seconds == 42 and config.max_retries == 4
    assert OllamaConfig.from_env(env, default_model="gemma3:4b", keep_alive=None).default_model == "gemma3:4b"


def test_ollama_host_is_the_fallback_for_the_base_url() -> None:
    assert OllamaConfig.from_env({"OLLAMA_HOST": "0.0.0.0"}).base_url == "http://127.0.0.1:11434"
    both = {"OLLAMA_HOST": "other:1", "OLLAMA_BASE_URL": "http://main:2"}
    assert OllamaConfig.from_env(both).base_url == "http://main:2"
    assert OllamaConfig.from_env({"OLLAMA_BASE_URL": "  "}).base_url == "http://localhost:11434"


@pytest.mark.parametrize(
    ("raw", "url"),
    [("example.com", "http://example.com:11434"), ("https://example.com", "https://example.com:443"),
     ("[::1]:8080", "http://[::1]:8080"), ("127.0.0.1:1234", "http://127.0.0.1:1234")],
)
def test_normalize_host(raw: str, url: str) -> None:
    assert normalize_host(raw) == url


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_verify_ssl_rejects_non_booleans(raw: str) -> None:
    with pytest.raises(ValueError, match="OLLAMA_VERIFY_SSL"):
        OllamaConfig.from_env({"OLLAMA_VERIFY_SSL": raw})
    assert parse_bool("X", " Yes ") is True


def test_bad_numbers_in_env_name_the_variable() -> None:
    with pytest.raises(ValueError, match="OLLAMA_TIMEOUT_SECONDS"):
        OllamaConfig.from_env({"OLLAMA_TIMEOUT_SECONDS": "soon"})


@pytest.mark.parametrize("value", [0, -1, float("inf")])
def test_timeouts_must_be_finite_and_positive(value: float) -> None:
    with pytest.raises(ValidationError, match="finite"):
        OllamaConfig(timeout_seconds=value)


def test_an_unset_deadline_covers_a_longer_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    assert OllamaConfig().deadline_seconds == 600
    assert OllamaConfig(timeout_seconds=30).deadline_seconds == 600
    assert OllamaConfig(timeout_seconds=1200).deadline_seconds == 1200
    assert OllamaConfig(timeout_seconds=1200, deadline_seconds=None).deadline_seconds == 1200
    assert OllamaConfig(timeout_seconds=1200, deadline_seconds=30).deadline_seconds == 30  # explicit: kept
    monkeypatch.setenv("OLLAMA_TIMEOUT_SECONDS", "900")
    assert OllamaConfig.from_env().deadline_seconds == 900


def test_password_in_url_becomes_a_hidden_authorization_header() -> None:
    config = OllamaConfig(base_url="https://user:s3cret@proxy.example:8443/")
    assert config.base_url == "https://proxy.example:8443"
    assert config.header_values()["Authorization"].startswith("Basic ")
    for text in (repr(config), str(config.model_dump()), config.model_dump_json()):
        assert "s3cret" not in text and "dXNlcjpzM2NyZXQ" not in text


def test_api_key_and_custom_headers_are_never_shown() -> None:
    config = OllamaConfig(api_key="sk-123", custom_headers={"X-Token": "tok-456"})
    assert config.header_values() == {"X-Token": "tok-456", "Authorization": "Bearer sk-123"}
    for text in (repr(config), config.model_dump_json()):
        assert "sk-123" not in text and "tok-456" not in text


def test_several_hosts_are_deduplicated_and_the_first_is_base_url() -> None:
    config = OllamaConfig(base_urls=["http://a:1/", "http://b:2", "http://a:1"])
    assert config.hosts == ("http://a:1", "http://b:2") and config.base_url == "http://a:1"
    with pytest.raises(ValidationError, match="at least one"):
        OllamaConfig(base_urls=[])


def test_importing_the_package_reads_no_env_and_loads_no_framework() -> None:
    code = (
        "import os, sys; os.environ['OLLAMA_BASE_URL'] = 'not a url';"
        "import cb_ollama_integrations as c;"
        "assert not any(m.startswith(('langchain', 'llama_index')) for m in sys.modules), 'framework imported';"
        "assert 'httpx' not in sys.modules, 'httpx is imported with the client, not the package';"
        "print(c.OllamaConfig().base_url)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "http://localhost:11434"


def test_lazy_names_resolve_to_the_real_objects() -> None:
    from cb_ollama_integrations.client import OllamaClient  # noqa: PLC0415 - the module behind the lazy name

    assert cb_ollama_integrations.OllamaClient is OllamaClient
    assert callable(cb_ollama_integrations.create_default_registry)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = cb_ollama_integrations.Nope
