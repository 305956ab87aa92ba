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


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def validate_submit_rpc_url(text: str) -> str | None:
    """A private submission RPC URL (Flashbots Protect, MEV Blocker style), or None for an empty
    entry: an RPC URL, and https unless it is this machine's (a relay run locally). Raises
    InvalidInput."""
    if not text.strip():
        return None
    url = validate_rpc_url(text)
    parsed = urlparse(url)
    if parsed.scheme != "https" and parsed.hostname not in LOOPBACK_HOSTS:
        raise InvalidInput(f"a private submission RPC must use https:// (got {url!r}): over plain http "
                           "anyone on the way could read the transaction before it is mined")
    return url


# The network the app opens on: saved by Settings -> Network -> Apply; `--network` wins over it.
ACTIVE_NETWORK_SETTING = "network.active"
DEFAULT_NETWORK = "demo"


def start_network(explicit: str | None, saved: str | None, known: set[str] | dict) -> str:
    """``--network`` if given, else the saved choice if it is still a known network, else demo
    (a saved name that networks.json no longer has is ignored, not an error at start-up)."""
    if explicit:
        return explicit
    if saved and saved in known:
        return saved
    return DEFAULT_NETWORK
