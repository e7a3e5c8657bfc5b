"""Which proxy each host goes through, decided once at construction, and checked there.

An explicit `proxy` applies to every host. Otherwise, with `trust_env`, a host that is not this machine uses
HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (either case) unless NO_PROXY names it; a loopback host never goes through
an environment proxy, so a prompt and its Authorization header meant for a local Ollama stay on the machine.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from .._values.urls import is_loopback, redact_url
from ..config import OllamaConfig

__all__ = ["check_proxy", "proxy_for"]


def _environment_proxies(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """{scheme or "all" or "no": (variable name, value)} from the *_PROXY variables (lower case wins)."""
    found: dict[str, tuple[str, str]] = {}
    for name in sorted(environ, key=lambda n: n.islower()):  # upper case first, so lower case overrides
        value = environ[name]
        if value and name.lower().endswith("_proxy"):
            found[name.lower()[: -len("_proxy")]] = (name, value)
    return found


def _bypassed(host_url: str, no_proxy: str) -> bool:
    """Whether NO_PROXY names the host: "*", the host itself (with or without its port), or a parent domain."""
    parts = urlsplit(host_url)
    host, port = (parts.hostname or "").lower(), parts.port
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        name = name.strip("[]").lstrip("*").lstrip(".")
        if entry == "*" or (name and (host == name or host.endswith("." + name))
                            and (not entry_port or entry_port == str(port))):
            return True
    return False


def check_proxy(url: str, source: str) -> httpx.Proxy:
    """The httpx proxy for `url`, or ValueError naming `source` (the setting or variable) and what to do."""
    text = url.strip() if "://" in url else f"http://{url.strip()}"
    try:
        parts = urlsplit(text)
        if not parts.hostname or parts.port == 0:
            raise ValueError("it names no host")
        proxy = httpx.Proxy(text)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ValueError(f"{source}={redact_url(url)!r} is not a usable proxy URL ({exc}); fix or unset it, "
                         "or pass trust_env=False to ignore proxy variables") from None
    if proxy.url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ValueError(f"{source}={redact_url(url)!r} is a SOCKS proxy, which needs the socksio package: "
                         "pip install 'httpx[socks]', or unset it, or pass trust_env=False")
    return proxy


def proxy_for(host_url: str, config: OllamaConfig, environ: Mapping[str, str] | None = None) -> httpx.Proxy | None:
    """The proxy requests to `host_url` go through, or None (direct); ValueError for an unusable setting."""
    if config.proxy is not None:
        return check_proxy(config.proxy.get_secret_value(), "proxy")
    if not config.trust_env or is_loopback(host_url):
        return None
    proxies = _environment_proxies(os.environ if environ is None else environ)
    if "no" in proxies and _bypassed(host_url, proxies["no"][1]):
        return None
    chosen = proxies.get(urlsplit(host_url).scheme) or proxies.get("all")
    return None if chosen is None else check_proxy(chosen[1], chosen[0])
