"""Module-level helpers of the seed API: create_client_from_env and check_availability.

They go through the same client, transport and error mapping as every other call (User-Agent, TLS settings,
timeouts), with no retries: an availability check answers at once.
"""

from __future__ import annotations

from typing import Any

from .client import OllamaClient
from .config import OllamaConfig

__all__ = ["acheck_availability", "check_availability", "create_client_from_env"]


def create_client_from_env(**overrides: Any) -> OllamaClient:
    """A client configured from OLLAMA_* environment variables (read now); keyword arguments win."""
    return OllamaClient(OllamaConfig.from_env(**overrides))


def _probe_config(base_url: str | None, timeout: float, verify_ssl: bool) -> OllamaConfig:
    # base_url None: the host OLLAMA_BASE_URL / OLLAMA_HOST name, else the default, as for every client
    return OllamaConfig.from_env(base_url=base_url, timeout_seconds=timeout, connect_timeout_seconds=timeout,
                                 deadline_seconds=timeout, max_retries=0, verify_ssl=verify_ssl)


def check_availability(base_url: str | None = None, timeout: float = 2.0, *, verify_ssl: bool = True) -> bool:
    """True if an Ollama server answers GET / at `base_url` within `timeout` seconds. Never raises for a host
    that is down; an invalid URL or timeout is a ValueError. `timeout` is also the deadline of the whole
    check: it returns within about `timeout` seconds, whatever the server sends (or trickles).

    `base_url=None` checks the host the environment names (OLLAMA_BASE_URL, else OLLAMA_HOST), else the default.
    """
    with OllamaClient(_probe_config(base_url, timeout, verify_ssl)) as client:
        return client.health_check()


async def acheck_availability(base_url: str | None = None, timeout: float = 2.0, *, verify_ssl: bool = True) -> bool:
    """Async twin of `check_availability`."""
    async with OllamaClient(_probe_config(base_url, timeout, verify_ssl)) as client:
        return await client.ahealth_check()
