"""Validation of user settings (pure functions; the store keeps the values)."""

from __future__ import annotations

from urllib.parse import urlparse

from app.errors import InvalidInput


def validate_rpc_url(text: str) -> str | None:
    """A cleaned http(s)/ws(s) URL, or None for an empty entry. Raises InvalidInput."""
    url = text.strip()
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(f"not an RPC URL: {url!r} (expected http:// or https://host[:port][/path])")
    return url
