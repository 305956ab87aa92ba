"""Where a signed transaction is sent: the network's RPC (the public mempool), or the network's
private submission RPC when the person set one (``submit_rpc.<network key>``: a Flashbots
Protect / MEV Blocker style endpoint, so a swap cannot be sandwiched from the public mempool).

Only ``eth_sendRawTransaction`` goes there: every read, and the receipt, stay on the normal
RPC. If the private endpoint cannot be reached or refuses, nothing is sent anywhere else (no
silent fall back to the public mempool); the error says how to clear the setting. The
setting is read at each send, so a change in Settings applies to the next transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from app.errors import (
    ChainError,
    ChainUnavailable,
    PrivateSubmissionFailed,
    PrivateSubmissionUnreachable,
)

if TYPE_CHECKING:
    from app.chain.client import ChainClient
    from app.store import Store
    from wallet.prompts import SigningSummary

SEND_TIMEOUT_S = 15.0


def submit_rpc_key(network_key: str) -> str:
    return f"submit_rpc.{network_key}"


@dataclass(frozen=True)
class PrivateRoute:
    url: str
    network_key: str

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or self.url

    def clear_hint(self) -> str:
        return (f"to send through the network's public RPC instead, clear it: `basketry --network "
                f"{self.network_key} network submit-rpc --clear` (or Settings -> Private submission)")


def route_lookup(store: Store, network_key: str) -> Callable[[], PrivateRoute | None]:
    """What ``connect`` hangs on the chain client: the setting, read at each send."""
    def lookup() -> PrivateRoute | None:
        url = store.get_setting(submit_rpc_key(network_key))
        return PrivateRoute(url, network_key) if url else None
    return lookup


def private_route(client: ChainClient) -> PrivateRoute | None:
    lookup = getattr(client, "submit_route", None)
    return lookup() if lookup is not None else None


def send_raw(client: ChainClient, raw: str) -> PrivateRoute | None:
    """Send ``raw``: privately if the network has a private submission RPC (then return its
    route), else through ``client``. Raises PrivateSubmissionUnreachable (not sent: it could
    not be reached), PrivateSubmissionFailed (it answered with a refusal) or the client's
    ChainError."""
    route = private_route(client)
    if route is None:
        client.send_raw_transaction(raw)
        return None
    import requests  # noqa: PLC0415 (with web3, on the first send: the window paints without them)

    from app.chain.client import ChainClient  # noqa: PLC0415

    relay = ChainClient(route.url, timeout=SEND_TIMEOUT_S, retries=0)
    try:
        relay.send_raw_transaction(raw)
    except ChainUnavailable as exc:
        raise PrivateSubmissionUnreachable(
            f"the private submission RPC {route.host} cannot be reached ({_reason(exc)}): the transaction "
            "was NOT sent, not to the public mempool either. It stays signed in the journal and is sent "
            f"again through {route.host} the next time Basketry connects to this network; "
            f"{route.clear_hint()}") from exc
    except requests.HTTPError as exc:  # the endpoint answered, but not JSON-RPC: a 5xx is "down"
        status = exc.response.status_code if exc.response is not None else 0
        error = PrivateSubmissionUnreachable if status >= 500 else PrivateSubmissionFailed
        raise error(f"the private submission RPC {route.host} answered HTTP {status}: the transaction was "
                    f"NOT sent, not to the public mempool either; {route.clear_hint()}") from exc
    except requests.RequestException as exc:
        raise PrivateSubmissionUnreachable(
            f"the private submission RPC {route.host} cannot be reached ({type(exc).__name__}): the "
            f"transaction was NOT sent, not to the public mempool either; {route.clear_hint()}") from exc
    except ChainError as exc:
        if already_known(str(exc)):
            return route
        raise PrivateSubmissionFailed(
            f"the private submission RPC {route.host} refused the transaction ({_reason(exc)}); nothing "
            f"was sent to the public mempool; {route.clear_hint()}") from exc
    return route


def route_note(route: PrivateRoute | None) -> str | None:
    if route is None:
        return None
    return (f"Sent privately via {route.host} (your private submission RPC), not to the public "
            "mempool; reads and the receipt use the network's RPC.")


def with_route_note(summary: SigningSummary, client: ChainClient) -> SigningSummary:
    """The signing summary, saying where the transaction will be sent when that is private."""
    note = route_note(private_route(client))
    if note is None or note in summary.notes:
        return summary
    return replace(summary, notes=(*summary.notes, note))


def sent_via(route: PrivateRoute | None) -> dict:
    """For a command's JSON: ``{"private": bool, "host": str | None}``."""
    return {"private": route is not None, "host": route.host if route else None}


def sent_text(route: PrivateRoute | None) -> str:
    """For a command's text: " (sent privately via HOST)" or nothing."""
    return f" (sent privately via {route.host})" if route else ""


def already_known(text: str) -> bool:
    """The node already has these bytes (sent before): counts as sent."""
    text = text.lower()
    return "already known" in text or "already imported" in text


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text
