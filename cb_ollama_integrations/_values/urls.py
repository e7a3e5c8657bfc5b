"""Host URLs: their checks, their userinfo turned into a per-host header, and loopback detection (no I/O)."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["clean_url", "host_key", "is_loopback", "merge_headers", "move_url_credentials", "redact_url",
           "split_url_credentials"]


def split_url_credentials(url: str) -> tuple[str, str | None]:
    """Return (url without user:password@, the Basic Authorization header value for them, or None).

    The user and password are percent-decoded first (`p%40ss` is the password `p@ss`), as RFC 3986 says.
    """
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.netloc.rpartition("@")[2]  # host[:port] as written: clean_url checks it, without credentials
    user, password = unquote(parts.username), unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), f"Basic {token}"


def redact_url(url: str) -> str:
    """The URL with any user:password@ replaced by ***@, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def clean_url(url: str) -> str:
    """A host URL with its trailing slash removed; ValueError unless it is http(s)://host[:port][/path]."""
    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError as exc:
        raise ValueError(f"base URL {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base URL {url!r} must look like http://host:port (scheme http or https)")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(f"base URL {url!r} must not carry a ?query or #fragment: give just http://host:port[/path]")
    return text


def host_key(url: str) -> str:
    """The key a host's own headers are filed under: its cleaned URL without credentials."""
    return clean_url(split_url_credentials(url.strip())[0])


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (localhost, *.localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def move_url_credentials(values: dict[str, Any], url_keys: Iterable[str], headers_key: str) -> dict[str, Any]:
    """Constructor data with user:password@ taken out of the URLs under `url_keys`.

    Each URL's credentials become a Basic `Authorization` header filed under that host alone, in
    `values[headers_key]` ({host URL: {header: value}}); a header already given for the host wins.
    """
    per_host: dict[str, dict[str, Any]] = {
        host_key(str(url)): dict(headers) for url, headers in dict(values.get(headers_key) or {}).items()
    }
    for key in url_keys:
        raw = values.get(key)
        if raw is None:
            continue
        cleaned = []
        for url in [raw] if isinstance(raw, str) else list(raw):
            clean, auth = split_url_credentials(str(url).strip())
            cleaned.append(clean)
            if auth is not None:
                headers = per_host.setdefault(host_key(clean), {})
                if not any(name.lower() == "authorization" for name in headers):
                    headers["Authorization"] = auth
        values[key] = cleaned[0] if isinstance(raw, str) else cleaned
    if per_host:
        values[headers_key] = per_host
    return values


def merge_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Header dicts merged left to right, a later layer replacing a name case-insensitively."""
    merged: dict[str, str] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            for existing in [k for k in merged if k.lower() == name.lower()]:
                del merged[existing]
            merged[name] = value
    return merged
