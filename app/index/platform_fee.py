"""The platform fee's settings: how many basis points an index buy pays on-chain, in the same
transaction, and to whom. Light on purpose (no chain code): the Settings page and the CLI's
parser read these without loading the planner; ``app.index.planner`` applies them."""

from __future__ import annotations

from app.errors import InvalidInput
from app.inputs import parse_address, parse_int
from app.recipients import check_recipient

PLATFORM_FEE_SETTING = "platform_fee_bps"
PLATFORM_FEE_RECIPIENT_SETTING = "platform_fee_recipient"
MAX_PLATFORM_FEE_BPS = 500


def set_platform_fee(store, bps: int, recipient: str | None) -> None:
    """The platform fee taken on-chain in the same transaction (0 turns it off)."""
    bps = parse_int(bps, "the platform fee (bps)", maximum=MAX_PLATFORM_FEE_BPS)
    if bps and not recipient:
        raise InvalidInput("a platform fee needs a recipient address")
    address = parse_address(recipient, "the platform fee's recipient") if recipient else None
    if address:
        check_recipient(address, None)
    store.set_setting(PLATFORM_FEE_SETTING, bps)
    store.set_setting(PLATFORM_FEE_RECIPIENT_SETTING, address)
