"""Recipients that are valid addresses but almost certainly not what the user meant: burn
addresses, precompiles, the token's own contract, the network's infrastructure contracts
(what is sent to a router can be swept by anyone), or the sender itself. Pure: the caller
refuses unless the user overrides, and says how (a CLI flag, a GUI check box)."""

from __future__ import annotations

from app.errors import InvalidInput
from app.networks import Network

# Addresses people send to on purpose to destroy tokens, so no key is known for them.
BURN_ADDRESSES = {
    0x000000000000000000000000000000000000DEAD: "a well-known burn address",
    0xDEAD000000000000000042069420694206942069: "a well-known burn address",
}
_RESERVED_BELOW = 2**16      # precompiles (0x01...0x11, 0x100) and the rest of the low range
_RESERVED_ABOVE = 2**160 - 2**16
_INFRASTRUCTURE = {          # Network field -> what people call it
    "wrapped_native": "the wrapped-coin contract",
    "usdc": "the USDC token contract",
    "factory": "Uniswap's pool factory",
    "swap_router": "Uniswap's SwapRouter02",
    "universal_router": "Uniswap's Universal Router",
    "quoter": "Uniswap's quoter",
    "position_manager": "Uniswap's position manager",
    "multicall3": "the Multicall3 contract",
}


class UnusualRecipient(InvalidInput):
    """The recipient is one of the surprises above; ``reasons`` says which."""

    def __init__(self, recipient: str, reasons: list[str]):
        super().__init__(f"{recipient} is {'; and '.join(reasons)}. Nothing was sent")
        self.recipient = recipient
        self.reasons = reasons


def unusual_recipient_reasons(recipient: str, network: Network | None, *, sender: str | None = None,
                              token_address: str | None = None, token_symbol: str | None = None) -> list[str]:
    """Why sending to ``recipient`` (a checksummed address) is probably a mistake; [] if it is
    not. Without a network only the network-independent reasons are checked."""
    value = int(recipient, 16)
    reasons: list[str] = []
    if value == 0:
        reasons.append("the zero address: whatever is sent there is burnt and nobody can spend it")
    elif value in BURN_ADDRESSES:
        reasons.append(f"{BURN_ADDRESSES[value]}: whatever is sent there is burnt")
    elif value < _RESERVED_BELOW or value >= _RESERVED_ABOVE:
        reasons.append("a reserved (precompile) address that nobody holds a key for")
    lowered = recipient.lower()
    if token_address and lowered == token_address.lower():
        reasons.append(f"the {token_symbol or 'token'}'s own contract: tokens sent to it are lost")
    elif network is not None:
        for field, name in _INFRASTRUCTURE.items():
            address = getattr(network, field, None)
            if address and lowered == address.lower():
                reasons.append(f"{name} on {network.label}, not an account: what is sent there is not "
                               "delivered to anyone and may be taken by anyone")
                break
    if sender and lowered == sender.lower():
        reasons.append("your own sending address: the transfer would only cost the network fee")
    return reasons


def check_recipient(recipient: str, network: Network | None, *, allow_unusual: bool = False,
                    sender: str | None = None, token_address: str | None = None,
                    token_symbol: str | None = None) -> list[str]:
    """The reasons (empty for an ordinary address); raises UnusualRecipient when there are
    some and the user has not said to go ahead."""
    reasons = unusual_recipient_reasons(recipient, network, sender=sender, token_address=token_address,
                                        token_symbol=token_symbol)
    if reasons and not allow_unusual:
        raise UnusualRecipient(recipient, reasons)
    return reasons
