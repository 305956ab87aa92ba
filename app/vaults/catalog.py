"""Which vaults a network offers: the demo network's own, the curated list of
resources/vaults.json (Yearn v3, Morpho; cited), and any vault the user added by address."""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.devnet.manager import Devnet
from app.errors import InvalidInput
from app.inputs import parse_address
from app.paths import resources_dir
from app.session import ChainSession


@dataclass(frozen=True)
class VaultEntry:
    name: str
    address: str
    asset: str
    source: str           # "demo" | "curated" | "added"


def catalog(session: ChainSession) -> list[VaultEntry]:
    from eth_utils import to_checksum_address  # keccak: loaded on first use

    entries: list[VaultEntry] = []
    if session.network.devnet:
        deployment = Devnet(session.home).deployment() or {"vaults": []}
        entries += [VaultEntry(v["name"], to_checksum_address(v["address"]), v["asset"], "demo")
                    for v in deployment["vaults"]]
    path = resources_dir() / "vaults.json"
    if path.exists():
        data = json.loads(path.read_text())
        entries += [VaultEntry(v["name"], to_checksum_address(v["address"]), v["asset"], "curated")
                    for v in data.get("networks", {}).get(session.network.key, [])]
    known = {e.address for e in entries}
    rows = session.store.db.execute("SELECT address, name FROM vaults WHERE chain_id = ? AND genesis_hash = ?",
                                    [session.chain_id, session.connection.genesis_hash]).fetchall()
    entries += [VaultEntry(name, to_checksum_address(address), "?", "added") for address, name in rows
                if to_checksum_address(address) not in known]
    return entries


def resolve(session: ChainSession, text: str) -> str:
    """A vault by address, name or share symbol (case-insensitive)."""
    from eth_utils import to_checksum_address  # keccak: loaded on first use

    wanted = text.strip()
    if wanted[:2].lower() == "0x":
        return parse_address(wanted, "the vault's address")
    matches = [e for e in catalog(session) if wanted.lower() in (e.name.lower(), e.address.lower())]
    if not matches:
        deployment = Devnet(session.home).deployment() if session.network.devnet else None
        symbols = {v["symbol"].lower(): v["address"] for v in (deployment or {}).get("vaults", [])}
        if wanted.lower() in symbols:
            return to_checksum_address(symbols[wanted.lower()])
        names = ", ".join(e.name for e in catalog(session)) or "none"
        raise InvalidInput(f"no vault called {wanted!r} on {session.network.label} (known: {names}); "
                           "or give its address")
    return matches[0].address
