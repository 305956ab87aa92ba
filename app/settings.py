"""Validation of user settings (pure functions; the store keeps the values)."""

from __future__ import annotations

from urllib.parse import urlparse

from app.errors import InvalidInput
from app.inputs import clean_text


def validate_rpc_url(text: str) -> str | None:
    """A cleaned http(s)/ws(s) URL, or None for an empty entry. Raises InvalidInput."""
    if not text.strip():
        return None
    url = clean_text(text, "the RPC URL", max_chars=2000)  # ASCII only: no look-alike letters in the host
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(f"not an RPC URL: {url!r} (expected http:// or https://host[:port][/path])")
    return url
