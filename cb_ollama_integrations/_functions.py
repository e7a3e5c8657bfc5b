"""Module-level helpers of the seed API: create_client_from_env and check_availability."""

from __future__ import annotations

from typing import Any

import httpx

from .client import OllamaClient
from .config import OllamaConfig

__all__ = ["acheck_availability", "check_availability", "create_client_from_env"]


def create_client_from_env(**overrides: Any) -> OllamaClient:
    """A client configured from OLLAMA_* environment variables (read now); keyword arguments win."""
    return OllamaClient(OllamaConfig.from_env(**overrides))


def check_availability(base_url: str = "http://localhost:11434", timeout: float = 2.0, *,
                       verify_ssl: bool = True) -> bool:
    """True if an Ollama server answers GET / at `base_url` within `timeout` seconds. Never raises, never hangs."""
    url = OllamaConfig(base_url=base_url).base_url
    try:
        response = httpx.get(url + "/", timeout=timeout, verify=verify_ssl)
    except (httpx.HTTPError, httpx.InvalidURL):
        return False
    return response.status_code == 200


async def acheck_availability(base_url: str = "http://localhost:11434", timeout: float = 2.0, *,
                              verify_ssl: bool = True) -> bool:
    """Async twin of `check_availability`."""
    url = OllamaConfig(base_url=base_url).base_url
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=verify_ssl) as client:
            response = await client.get(url + "/")
    except (httpx.HTTPError, httpx.InvalidURL):
        return False
    return response.status_code == 200
