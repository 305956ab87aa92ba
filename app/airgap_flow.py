"""Air-gapped signing, end to end: export (online, watch-only is enough) -> sign (offline,
no network) -> broadcast (online, only after checking every field against what was exported
here and that it recovers to the account)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.errors import InvalidInput
from app.session import ChainSession
from app.transfers import plan_send
from app.tx import lifecycle
from app.tx.journal import JournalEntry
from wallet import airgap
from wallet.errors import SigningRefused
from wallet.prompts import Prompts, SigningSummary
from wallet.signer import Signer

SIGNED_FORMAT = "basketry-signed-tx/1"


@dataclass(frozen=True)
class ExportedTx:
    file_text: str      # the unsigned-transaction file
    qr_text: str        # the same, compact, for a QR code
    tx: dict[str, Any]
    entry_id: int       # its journal entry (status "exported")
    summary: SigningSummary


def export_unsigned(session: ChainSession, sender: str, to: str, amount_text: str,
                    token_symbol: str | None = None, *, allow_unusual_recipient: bool = False) -> ExportedTx:
    """Build and simulate the transfer, write the unsigned file, journal the export."""
    plan = plan_send(session, sender, to, amount_text, token_symbol,
                     allow_unusual_recipient=allow_unusual_recipient)
    summary = plan.summary(session)
    text = airgap.export_unsigned(plan.tx, summary)
    unsigned = airgap.load_unsigned(text)
    entry_id = session.journal.record_exported(unsigned.sender, "send", int(plan.tx["nonce"]),
                                               json.loads(text), summary.to_json())
    return ExportedTx(text, airgap.qr_payload(unsigned), plan.tx, entry_id, summary)


def sign_file(unsigned_text: str, signer: Signer, prompts: Prompts) -> str:
    """Offline: the signed file's text (the unsigned document + the signed raw transaction)."""
    unsigned = airgap.load_unsigned(unsigned_text)
    raw = airgap.sign_unsigned_file(unsigned, signer, prompts)
    return json.dumps({"format": SIGNED_FORMAT, "unsigned": json.loads(unsigned_text), "raw": raw},
                      indent=2) + "\n"


def broadcast_signed(session: ChainSession, unsigned_text: str | None, signed_text: str) -> JournalEntry:
    """Verify the signed file against the export journaled here (and ``unsigned_text`` if
    given), then journal and broadcast it. SigningRefused names any difference; nothing is sent."""
    document = _load_signed(signed_text)
    embedded = airgap.load_unsigned(json.dumps(document["unsigned"]))
    exported = session.journal.find_exported(embedded.sender, int(embedded.tx["nonce"]))
    if exported is None:
        done = [e for e in session.journal.entries(embedded.sender)
                if e.nonce == int(embedded.tx["nonce"]) and e.status != "exported"]
        if done:
            raise SigningRefused(f"the transaction with nonce {done[0].nonce} was already broadcast "
                                 f"({done[0].tx_hash}, {done[0].status}); not sent again")
        raise SigningRefused(
            f"no transaction from {embedded.sender} with nonce {embedded.tx['nonce']} was exported from "
            "this data directory on this network: only transactions exported here are broadcast; not sent")
    reference = airgap.load_unsigned(json.dumps(exported.unsigned))
    for other in (embedded, airgap.load_unsigned(unsigned_text) if unsigned_text else None):
        if other is not None and other.tx != reference.tx:
            raise SigningRefused("the signed file was made from a different unsigned transaction than "
                                 "the one exported here; not sent")
    signed = airgap.verify_signed(reference, document["raw"])
    session.journal.attach_signature(exported.id, signed.hash, "0x" + signed.raw.hex(), reference.tx)
    entry = session.journal.get(exported.id)
    lifecycle.broadcast(session.client, session.journal, entry)
    return lifecycle.wait_for_final(session.client, session.journal, entry)


def _load_signed(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidInput("this is not a signed-transaction file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != SIGNED_FORMAT:
        raise InvalidInput(f"this is not a signed-transaction file (format {SIGNED_FORMAT} expected)")
    if not isinstance(document.get("raw"), str) or not isinstance(document.get("unsigned"), dict):
        raise InvalidInput("the signed-transaction file lacks its 'raw' or 'unsigned' part")
    return document
