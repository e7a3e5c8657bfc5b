"""Every httpx exception maps to one package error, and one failure raises one class on every path."""

from __future__ import annotations

import httpx
import pytest
from fakes import MODES, closed_port_url, make_client, run_chat

from cb_ollama_integrations import (
    LLMError,
    LLMTimeoutError,
    ModelNotFoundError,
    NetworkError,
    ParseError,
    ServerError,
)
from cb_ollama_integrations._http.errors import map_httpx_errors, translate_httpx_error

URL = "http://127.0.0.1:11434/api/chat"
REQUEST = httpx.Request("POST", URL)

# What each httpx exception becomes. A class httpx adds later fails test_every_httpx_exception_is_classified
# until someone decides here what it means.
EXPECTED: dict[str, type[LLMError]] = {
    "ConnectTimeout": LLMTimeoutError, "ReadTimeout": LLMTimeoutError, "WriteTimeout": LLMTimeoutError,
    "PoolTimeout": LLMTimeoutError, "TimeoutException": LLMTimeoutError,
    "ConnectError": NetworkError, "ReadError": NetworkError, "WriteError": NetworkError,
    "CloseError": NetworkError, "NetworkError": NetworkError, "RemoteProtocolError": NetworkError,
    "LocalProtocolError": NetworkError,
    "ProtocolError": NetworkError, "ProxyError": NetworkError, "UnsupportedProtocol": NetworkError,
    "TransportError": NetworkError, "TooManyRedirects": NetworkError,
    "DecodingError": ParseError,
    "HTTPStatusError": ServerError,  # built below with a 503 answer
    "RequestError": LLMError, "HTTPError": LLMError, "InvalidURL": LLMError, "CookieConflict": LLMError,
    "StreamError": LLMError, "StreamConsumed": LLMError, "StreamClosed": LLMError,
    "ResponseNotRead": LLMError, "RequestNotRead": LLMError,
}
PHASES = {"ConnectTimeout": "connect", "ReadTimeout": "read", "WriteTimeout": "write", "PoolTimeout": "pool"}


def httpx_exception_classes() -> list[type[Exception]]:
    """Every exception class httpx exports."""
    exported = (getattr(httpx, name) for name in httpx.__all__)
    return [obj for obj in exported if isinstance(obj, type) and issubclass(obj, Exception)]


def instance_of(cls: type[Exception]) -> Exception:
    """An instance of an httpx exception, built the way httpx builds it."""
    if cls is httpx.HTTPStatusError:
        response = httpx.Response(503, json={"error": "server busy"}, request=REQUEST)
        return httpx.HTTPStatusError("503 Service Unavailable", request=REQUEST, response=response)
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=REQUEST)  # type: ignore[call-arg]
    try:
        return cls("boom")
    except TypeError:  # StreamConsumed() and friends take no message
        return cls()


def test_every_httpx_exception_is_classified() -> None:
    assert sorted(cls.__name__ for cls in httpx_exception_classes()) == sorted(EXPECTED)


@pytest.mark.parametrize("cls", httpx_exception_classes(), ids=lambda cls: cls.__name__)
def test_httpx_exception_maps_to_one_package_error(cls: type[Exception]) -> None:
    original = instance_of(cls)
    translated = translate_httpx_error(original, URL)
    assert type(translated) is EXPECTED[cls.__name__]
    assert translated.url == URL and translated.message
    if cls.__name__ in PHASES:
        assert isinstance(translated, LLMTimeoutError) and translated.phase == PHASES[cls.__name__]

    with pytest.raises(LLMError) as raised, map_httpx_errors(URL):
        raise original
    assert type(raised.value) is EXPECTED[cls.__name__] and raised.value.__cause__ is original


def test_status_error_keeps_the_status_and_the_server_message() -> None:
    response = httpx.Response(404, json={"error": "model 'x' not found"}, request=REQUEST)
    error = translate_httpx_error(httpx.HTTPStatusError("404", request=REQUEST, response=response), URL)
    assert isinstance(error, ModelNotFoundError) and error.status_code == 404
    assert error.server_message == "model 'x' not found"


@pytest.mark.parametrize("mode", MODES)
async def test_closed_port_raises_the_same_class_on_every_path(mode: str) -> None:
    url = closed_port_url()
    async with make_client([url], max_retries=0) as client:
        outcome = await run_chat(client, mode)
    assert type(outcome.error) is NetworkError
    assert isinstance(outcome.error.__cause__, httpx.ConnectError)
    assert outcome.error.url is not None and outcome.error.url.startswith(url)
