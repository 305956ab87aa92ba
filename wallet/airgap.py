"""Air-gapped signing: the unsigned-transaction file, its QR form, signing it offline, and
checking what comes back before anything is sent. Pure: no network.

The file (JSON, UTF-8)::

    {"format": "basketry-unsigned-tx/1",
     "chain_id": "31337",
     "from": "0xChecksummedSender",
     "tx": {"type": "2", "chainId": "31337", "nonce": "7", "to": "0x..." | null,
            "value": "1000000000000000000", "data": "0x...", "gas": "21000",
            "maxFeePerGas": "...", "maxPriorityFeePerGas": "...",   # type 2 (EIP-1559)
            "gasPrice": "...",                                      # type 0 (legacy, EIP-155)
            "accessList": [{"address": "0x...", "storageKeys": ["0x<32 bytes>"]}]},  # type 2
     "summary": {SigningSummary.to_json(): the decoded steps, balance changes, fee...},
     "created_at": "2026-01-31T12:00:00Z"}

Encoding: every integer is a decimal string (no floats, no hex quantities); addresses are
0x-hex (checksummed when written); byte strings are 0x-hex. Only types 0 and 2 exist here.
The summary is what the exporting computer decoded; on load it must agree with the
transaction on chain id, sender, recipient, value and maximum fee (the gas part exactly; the
fee figure's total = gas part + its L1 data fee, and the L1 part as written beside it).

The QR form (``qr_payload``) is ``BASKETRY:UTX1:`` + base32 of the zlib-compressed sender
(20 bytes) and unsigned signing payload (EIP-155 RLP for legacy, 0x02 || RLP for type 2):
upper case only, so the QR code uses its dense alphanumeric mode.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import rlp
from eth_account import Account
from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from rlp.sedes import Binary, CountableList, List, big_endian_int, binary

from app.errors import InvalidInput, UserCancelled
from wallet.errors import SigningRefused
from wallet.prompts import Prompts, SigningSummary
from wallet.signer import SignedTransaction, Signer, transaction_hash

FORMAT = "basketry-unsigned-tx/1"
QR_PREFIX = "BASKETRY:UTX1:"
MAX_FILE_CHARS = 1_000_000
MAX_QR_BYTES = 64 * 1024

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")
_INT_FIELDS = {
    0: ("chainId", "nonce", "gas", "value", "gasPrice"),
    2: ("chainId", "nonce", "gas", "value", "maxFeePerGas", "maxPriorityFeePerGas"),
}
_ALLOWED_TX_FIELDS = {
    0: {"type", "chainId", "nonce", "to", "value", "data", "gas", "gasPrice"},
    2: {"type", "chainId", "nonce", "to", "value", "data", "gas", "maxFeePerGas",
        "maxPriorityFeePerGas", "accessList"},
}
# field -> what the user reads in a refusal
FIELD_LABELS = {
    "type": "type", "chainId": "chain id", "nonce": "nonce", "to": "recipient (to)",
    "value": "value", "data": "data", "gas": "gas limit", "gasPrice": "gas price",
    "maxFeePerGas": "max fee per gas", "maxPriorityFeePerGas": "max priority fee per gas",
    "accessList": "access list",
}

_ADDRESS_OR_EMPTY = Binary.fixed_length(20, allow_empty=True)
_ACCESS_LIST = CountableList(List([Binary.fixed_length(20), CountableList(Binary.fixed_length(32))]))
_TYPE2_FIELDS = [big_endian_int] * 5 + [_ADDRESS_OR_EMPTY, big_endian_int, binary, _ACCESS_LIST]
_LEGACY_FIELDS = [big_endian_int] * 3 + [_ADDRESS_OR_EMPTY, big_endian_int, binary]
_TYPE2_UNSIGNED = List(_TYPE2_FIELDS)
_TYPE2_SIGNED = List(_TYPE2_FIELDS + [big_endian_int] * 3)
_LEGACY_UNSIGNED = List(_LEGACY_FIELDS + [big_endian_int] * 3)   # EIP-155: chainId, 0, 0
_LEGACY_SIGNED = List(_LEGACY_FIELDS + [big_endian_int] * 3)     # v, r, s


@dataclass(frozen=True)
class UnsignedTransaction:
    chain_id: int
    sender: str                      # checksummed
    tx: dict[str, Any]               # web3-style, ints as int, data as 0x-hex, with "from"
    summary: SigningSummary
    created_at: str

    @property
    def tx_type(self) -> int:
        return int(self.tx["type"])


# --- the file -------------------------------------------------------------------------------
def export_unsigned(tx: dict[str, Any], summary: SigningSummary, created_at: datetime | None = None) -> str:
    """The file's text for a complete web3-style transaction (with "from") and its summary.
    InvalidInput if the transaction is incomplete or the summary does not match it."""
    if not tx.get("from"):
        raise InvalidInput("the transaction has no 'from': an unsigned file names its signer")
    normalized = normalize_tx(tx)
    when = (created_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    unsigned = UnsignedTransaction(normalized["chainId"], normalized["from"], normalized, summary, when)
    check_summary(unsigned)
    document = {
        "format": FORMAT,
        "chain_id": str(unsigned.chain_id),
        "from": unsigned.sender,
        "tx": _encode_tx(normalized),
        "summary": summary.to_json(),
        "created_at": when,
    }
    return json.dumps(document, indent=2) + "\n"


def load_unsigned(text: str) -> UnsignedTransaction:
    """Parse and check an unsigned-transaction file; InvalidInput naming the first problem."""
    if len(text) > MAX_FILE_CHARS:
        raise InvalidInput("this unsigned-transaction file is too large to be one")
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidInput("not an unsigned-transaction file: the text is not JSON") from None
    if not isinstance(doc, dict):
        raise InvalidInput("not an unsigned-transaction file: expected a JSON object")
    if doc.get("format") != FORMAT:
        raise InvalidInput(f"not a {FORMAT} file (format: {doc.get('format')!r})")
    missing = [k for k in ("chain_id", "from", "tx", "summary", "created_at") if k not in doc]
    if missing:
        raise InvalidInput(f"unsigned-transaction file: missing {', '.join(missing)}")
    if not isinstance(doc["tx"], dict):
        raise InvalidInput("unsigned-transaction file: 'tx' must be an object")
    chain_id = _decimal(doc["chain_id"], "chain_id")
    sender = _address(doc["from"], "from")
    tx = normalize_tx({**_decode_tx(doc["tx"]), "from": sender}, strict=True)
    if tx["chainId"] != chain_id:
        raise InvalidInput(f"unsigned-transaction file: chain_id {chain_id} differs from the "
                           f"transaction's chainId {tx['chainId']}")
    created_at = doc["created_at"]
    if not isinstance(created_at, str):
        raise InvalidInput("unsigned-transaction file: created_at must be a date-time string")
    unsigned = UnsignedTransaction(chain_id, sender, tx, _summary(doc["summary"]), created_at)
    check_summary(unsigned)
    return unsigned


def normalize_tx(tx: dict[str, Any], strict: bool = False) -> dict[str, Any]:
    """A web3-style transaction in one canonical shape (ints, checksummed addresses, 0x data,
    explicit type 0 or 2). InvalidInput on anything missing, unknown or out of range."""
    tx_type = _tx_type(tx)
    allowed = _ALLOWED_TX_FIELDS[tx_type] | {"from"}
    if strict:
        unknown = sorted(set(tx) - allowed)
        if unknown:
            raise InvalidInput(f"unknown transaction field(s) for a type {tx_type} transaction: "
                               f"{', '.join(unknown)}")
    elif tx_type == 0 and tx.get("accessList"):
        raise InvalidInput("a legacy (type 0) transaction cannot have an access list")
    out: dict[str, Any] = {"type": tx_type}
    for name in _INT_FIELDS[tx_type]:
        value = tx.get(name, 0 if name == "value" else None)
        if value is None:
            raise InvalidInput(f"the transaction has no {name}")
        out[name] = _int(value, name)
    if tx_type == 2 and out["maxPriorityFeePerGas"] > out["maxFeePerGas"]:
        raise InvalidInput("maxPriorityFeePerGas is above maxFeePerGas")
    if out["chainId"] == 0:
        raise InvalidInput("the transaction's chainId must be above zero")
    out["to"] = _address(tx["to"], "to") if tx.get("to") else None
    out["data"] = "0x" + _hex_bytes(tx.get("data") or "0x", "data").hex()
    if tx_type == 2:
        out["accessList"] = _access_list(tx.get("accessList") or [])
    if tx.get("from"):
        out["from"] = _address(tx["from"], "from")
    return out


def check_summary(unsigned: UnsignedTransaction) -> None:
    """The summary must tell the truth about what the transaction itself says."""
    summary, tx = unsigned.summary, unsigned.tx
    if int(summary.chain_id) != unsigned.chain_id:
        raise InvalidInput(f"the summary says chain id {summary.chain_id}, the transaction {unsigned.chain_id}")
    if summary.sender.lower() != unsigned.sender.lower():
        raise InvalidInput(f"the summary says the sender is {summary.sender}, the transaction {unsigned.sender}")
    summary_to = (summary.to or "").split(" ")[0] or None
    if (summary_to or "").lower() != (tx["to"] or "").lower():
        raise InvalidInput(f"the summary says the recipient is {summary.to}, the transaction {tx['to']}")
    if _leading_decimal(summary.value) != Decimal(tx["value"]).scaleb(-18):
        raise InvalidInput(f"the summary says the value is {summary.value!r}, the transaction "
                           f"{tx['value']} wei")
    per_gas = tx["maxFeePerGas"] if unsigned.tx_type == 2 else tx["gasPrice"]
    gas_wei = per_gas * tx["gas"]
    if summary.max_fee is not None and _leading_decimal(summary.max_fee) != Decimal(gas_wei).scaleb(-18):
        raise InvalidInput(f"the summary says the network fee is at most {summary.max_fee!r}, "
                           f"the transaction allows {gas_wei} wei")
    fee = summary.fee
    if fee is not None:
        l1_wei = _decimal(fee.l1_wei, "summary.fee.l1_wei") if fee.l1_wei is not None else 0
        if _decimal(fee.gas_wei, "summary.fee.gas_wei") != gas_wei:
            raise InvalidInput(f"the summary's fee says the gas may cost {fee.gas_wei} wei, the transaction "
                               f"allows {gas_wei} wei")
        if _decimal(fee.total_wei, "summary.fee.total_wei") != gas_wei + l1_wei:
            raise InvalidInput(f"the summary's max fee {fee.total_wei} wei is not its gas part {gas_wei} "
                               f"plus its L1 data fee {l1_wei}")
        if _leading_decimal(fee.exact) != Decimal(gas_wei + l1_wei).scaleb(-18):
            raise InvalidInput(f"the summary shows the max fee as {fee.exact!r}, not {gas_wei + l1_wei} wei")
        if (summary.l1_fee is not None or l1_wei) and \
                _leading_decimal(summary.l1_fee or "") != Decimal(l1_wei).scaleb(-18):
            raise InvalidInput(f"the summary's L1 data fee {summary.l1_fee!r} differs from its fee figure's "
                               f"{l1_wei} wei")


def confirm_summary(unsigned: UnsignedTransaction) -> SigningSummary:
    """What the offline signer shows: the file's summary plus the raw facts it cannot decode."""
    tx = unsigned.tx
    facts = [f"Nonce {tx['nonce']}, gas limit {tx['gas']:,}, created {unsigned.created_at}."]
    data = bytes.fromhex(tx["data"][2:])
    if data:
        facts.append(f"Call data: {len(data)} bytes, function selector 0x{data[:4].hex()}; the "
                     "method shown was decoded by the computer that exported this transaction.")
    return replace(unsigned.summary, notes=tuple(unsigned.summary.notes) + tuple(facts))


# --- signing offline and checking the result ------------------------------------------------
def sign_unsigned_file(unsigned: UnsignedTransaction, signer: Signer, prompts: Prompts) -> str:
    """What ``tx sign FILE`` does offline: confirm with the user, sign, check the result.
    Returns the signed raw transaction as 0x-hex. Raises SigningRefused, UserCancelled."""
    if signer.address != unsigned.sender:
        raise SigningRefused(f"this transaction is from {unsigned.sender}; the signer is {signer.address}")
    if not prompts.confirm(confirm_summary(unsigned)):
        raise UserCancelled()
    signed = signer.sign_transaction(signing_dict(unsigned), unsigned.chain_id, prompts)
    verify_signed(unsigned, signed.raw)
    return "0x" + signed.raw.hex()


def signing_dict(unsigned: UnsignedTransaction) -> dict[str, Any]:
    """The transaction as a signer takes it (web3-style; legacy without a "type" key)."""
    tx = {k: v for k, v in unsigned.tx.items() if v is not None}
    if unsigned.tx_type == 0:
        del tx["type"]
    return tx


def verify_signed(unsigned: UnsignedTransaction, raw_signed_hex: str | bytes) -> SignedTransaction:
    """The signed transaction, if it is exactly the exported one (every field) signed by its
    sender; otherwise SigningRefused naming the first field that differs. Nothing is sent."""
    raw = _hex_bytes(raw_signed_hex, "signed transaction") if isinstance(raw_signed_hex, str) \
        else bytes(raw_signed_hex)
    signed_fields = decode_signed(raw)
    exported = {k: v for k, v in unsigned.tx.items() if k != "from"}
    for name in ("type", "chainId", "nonce", "to", "value", "data", "gas", "gasPrice",
                 "maxFeePerGas", "maxPriorityFeePerGas", "accessList"):
        if name not in exported and name not in signed_fields:
            continue
        mine, theirs = signed_fields.get(name), exported.get(name)
        if _comparable(mine) != _comparable(theirs):
            raise SigningRefused(f"the signed transaction's {FIELD_LABELS[name]} differs from the one "
                                 f"exported: signed {_show(mine)}, exported {_show(theirs)}; not sent")
    try:
        sender = Account.recover_transaction(raw)
    except Exception as exc:
        raise SigningRefused(f"the signed transaction's signature is invalid ({exc}); not sent") from None
    if sender != unsigned.sender:
        raise SigningRefused(f"the signed transaction recovers to {sender}, not to the exporting "
                             f"account {unsigned.sender}; not sent")
    return SignedTransaction(raw=raw, hash=transaction_hash(raw), sender=sender)


def decode_signed(raw: bytes) -> dict[str, Any]:
    """The fields of a signed legacy (EIP-155 or not) or type 2 transaction, web3-style
    (chainId None for a pre-EIP-155 one). InvalidInput if it is neither."""
    if not raw:
        raise InvalidInput("the signed transaction is empty")
    try:
        if raw[0] == 2:
            (chain_id, nonce, tip, max_fee, gas, to, value, data, access,
             _y, _r, _s) = rlp.decode(raw[1:], _TYPE2_SIGNED, strict=True)
            return {"type": 2, "chainId": chain_id, "nonce": nonce, "maxPriorityFeePerGas": tip,
                    "maxFeePerGas": max_fee, "gas": gas, "to": _to(to), "value": value,
                    "data": "0x" + data.hex(), "accessList": _access_list_from_rlp(access)}
        if raw[0] >= 0xC0:
            nonce, gas_price, gas, to, value, data, v, _r, _s = rlp.decode(raw, _LEGACY_SIGNED, strict=True)
            chain_id = (v - 35) // 2 if v >= 37 else None
            return {"type": 0, "chainId": chain_id, "nonce": nonce, "gasPrice": gas_price, "gas": gas,
                    "to": _to(to), "value": value, "data": "0x" + data.hex()}
    except rlp.exceptions.RLPException as exc:
        raise InvalidInput(f"the signed transaction cannot be decoded: {_first_line(exc)}") from None
    raise InvalidInput(f"unsupported signed transaction type 0x{raw[0]:02x} (expected legacy or type 2)")


# --- QR ---------------------------------------------------------------------------------------
def qr_payload(unsigned: UnsignedTransaction) -> str:
    """The compact, upper-case text for a QR code (see the module docstring)."""
    body = bytes.fromhex(unsigned.sender[2:]) + unsigned_payload(unsigned.tx)
    return QR_PREFIX + base64.b32encode(zlib.compress(body, 9)).decode().rstrip("=")


def from_qr_payload(text: str) -> UnsignedTransaction:
    """An UnsignedTransaction from ``qr_payload`` text. The QR form carries no summary, so
    one is rebuilt from the transaction (network shown as its chain id)."""
    text = text.strip()
    if not text.upper().startswith(QR_PREFIX):
        raise InvalidInput("not a Basketry transaction QR code")
    encoded = text[len(QR_PREFIX):].upper()
    try:
        compressed = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
        inflater = zlib.decompressobj()
        body = inflater.decompress(compressed, MAX_QR_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("truncated or too large")
    except (ValueError, zlib.error):
        raise InvalidInput("this QR code is damaged or incomplete: scan it again") from None
    if len(body) < 21:
        raise InvalidInput("this QR code is damaged or incomplete: scan it again")
    sender = to_checksum_address(body[:20])
    tx = {**decode_unsigned_payload(body[20:]), "from": sender}
    tx = normalize_tx(tx)
    per_gas = tx["maxFeePerGas"] if tx["type"] == 2 else tx["gasPrice"]
    summary = SigningSummary(
        network=f"chain id {tx['chainId']}", chain_id=tx["chainId"], sender=sender, to=tx["to"],
        value=f"{_format_ether(tx['value'])} (native coin)",
        max_fee=f"{_format_ether(tx['gas'] * per_gas)} (native coin)",
        method=f"unknown: 0x{tx['data'][2:10]} ({(len(tx['data']) - 2) // 2} bytes)" if tx["data"] != "0x" else None,
        warnings=("Scanned from a QR code: no decoded summary came with it. Check the recipient, the "
                  "value and the data on the exporting computer.",))
    unsigned = UnsignedTransaction(tx["chainId"], sender, tx, summary, "unknown (QR code)")
    check_summary(unsigned)
    return unsigned


def unsigned_payload(tx: dict[str, Any]) -> bytes:
    """The bytes a signer hashes: EIP-155 RLP (legacy) or 0x02 || RLP (type 2)."""
    to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else b""
    data = bytes.fromhex(tx["data"][2:])
    if int(tx["type"]) == 2:
        access = [[bytes.fromhex(e["address"][2:]), [bytes.fromhex(k[2:]) for k in e["storageKeys"]]]
                  for e in tx["accessList"]]
        return b"\x02" + rlp.encode([tx["chainId"], tx["nonce"], tx["maxPriorityFeePerGas"],
                                     tx["maxFeePerGas"], tx["gas"], to, tx["value"], data, access],
                                    _TYPE2_UNSIGNED)
    return rlp.encode([tx["nonce"], tx["gasPrice"], tx["gas"], to, tx["value"], data,
                       tx["chainId"], 0, 0], _LEGACY_UNSIGNED)


def decode_unsigned_payload(payload: bytes) -> dict[str, Any]:
    try:
        if payload[:1] == b"\x02":
            chain_id, nonce, tip, max_fee, gas, to, value, data, access = rlp.decode(
                payload[1:], _TYPE2_UNSIGNED, strict=True)
            return {"type": 2, "chainId": chain_id, "nonce": nonce, "maxPriorityFeePerGas": tip,
                    "maxFeePerGas": max_fee, "gas": gas, "to": _to(to), "value": value,
                    "data": "0x" + data.hex(), "accessList": _access_list_from_rlp(access)}
        if payload[:1] and payload[0] >= 0xC0:
            nonce, gas_price, gas, to, value, data, chain_id, zero1, zero2 = rlp.decode(
                payload, _LEGACY_UNSIGNED, strict=True)
            if zero1 or zero2:
                raise InvalidInput("this QR code holds a signed transaction, not an unsigned one")
            return {"type": 0, "chainId": chain_id, "nonce": nonce, "gasPrice": gas_price, "gas": gas,
                    "to": _to(to), "value": value, "data": "0x" + data.hex()}
    except rlp.exceptions.RLPException:
        raise InvalidInput("this QR code is damaged or incomplete: scan it again") from None
    raise InvalidInput("this QR code holds an unsupported transaction type")


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), rows top to bottom, including the 4-module quiet
    zone. InvalidInput if the text does not fit one QR code (then use the file)."""
    import qrcode
    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4)
    try:
        code.add_data(text)
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise InvalidInput(f"this transaction is too large for one QR code ({len(text):,} characters): "
                           "move the file instead") from None
    return [list(row) for row in code.get_matrix()]


# --- internals --------------------------------------------------------------------------------
def _tx_type(tx: dict[str, Any]) -> int:
    raw = tx.get("type")
    if raw is None:
        if "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx:
            return 2
        if "gasPrice" in tx:
            return 0
        raise InvalidInput("the transaction has neither gasPrice nor maxFeePerGas")
    value = _int(raw, "type")
    if value not in (0, 2):
        raise InvalidInput(f"transaction type {value} is not supported (legacy 0 or EIP-1559 2 only)")
    return value


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and value.lower().startswith("0x"):
        try:
            result = int(value, 16)
        except ValueError:
            raise InvalidInput(f"{name} {value!r} is not a number") from None
    elif isinstance(value, str):
        result = _decimal(value, name)
    else:
        raise InvalidInput(f"{name} must be a whole number, not {type(value).__name__}")
    if not 0 <= result < 2**256:
        raise InvalidInput(f"{name} is out of range")
    return result


def _decimal(value: Any, name: str) -> int:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise InvalidInput(f"{name} must be a decimal string such as \"21000\", not {value!r}")
    return int(value)


def _address(value: Any, name: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise InvalidInput(f"{name} {value!r} is not an address")
    if value[2:] != value[2:].lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
        raise InvalidInput(f"{name} {value} has a wrong checksum (mixed case that is not EIP-55)")
    return to_checksum_address(value)


def _hex_bytes(value: Any, name: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidInput(f"{name} must be 0x-hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise InvalidInput(f"{name} is not valid hex (odd length or a non-hex character)") from None


def _access_list(entries: Any) -> list[dict[str, Any]]:
    if not isinstance(entries, list | tuple):
        raise InvalidInput("accessList must be a list")
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"address", "storageKeys"}:
            raise InvalidInput("each accessList entry has exactly 'address' and 'storageKeys'")
        keys = entry["storageKeys"]
        if not isinstance(keys, list | tuple):
            raise InvalidInput("accessList storageKeys must be a list")
        slots = []
        for key in keys:
            raw = _hex_bytes(key, "accessList storage key")
            if len(raw) != 32:
                raise InvalidInput("an accessList storage key is 32 bytes")
            slots.append("0x" + raw.hex())
        out.append({"address": _address(entry["address"], "accessList address"), "storageKeys": slots})
    return out


def _access_list_from_rlp(access: Any) -> list[dict[str, Any]]:
    return [{"address": to_checksum_address(address), "storageKeys": ["0x" + k.hex() for k in keys]}
            for address, keys in access]


def _encode_tx(tx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": str(tx["type"])}
    for name in ("chainId", "nonce", "to", "value", "data", "gas", "gasPrice", "maxFeePerGas",
                 "maxPriorityFeePerGas", "accessList"):
        if name in tx:
            value = tx[name]
            out[name] = str(value) if isinstance(value, int) else value
    return out


def _decode_tx(encoded: dict[str, Any]) -> dict[str, Any]:
    if "from" in encoded:
        raise InvalidInput("unsigned-transaction file: the sender is the top-level 'from', not tx.from")
    out = dict(encoded)
    for name in ("type", "chainId", "nonce", "value", "gas", "gasPrice", "maxFeePerGas",
                 "maxPriorityFeePerGas"):
        if name in out:
            out[name] = _decimal(out[name], f"tx.{name}")
    if "data" not in out:
        raise InvalidInput("unsigned-transaction file: tx.data is missing (use \"0x\" for none)")
    if "to" not in out:
        raise InvalidInput("unsigned-transaction file: tx.to is missing (null for a contract creation)")
    return out


def _summary(raw: Any) -> SigningSummary:
    if not isinstance(raw, dict):
        raise InvalidInput("unsigned-transaction file: 'summary' must be an object")
    if not isinstance(raw.get("chain_id"), str):
        raise InvalidInput("unsigned-transaction file: summary.chain_id must be a string")
    try:
        return SigningSummary.from_json(raw)
    except InvalidInput as exc:
        raise InvalidInput(f"unsigned-transaction file: {exc}") from None


def _leading_decimal(text: str) -> Decimal | None:
    head = text.strip().split(" ")[0].replace(",", "") if text else ""
    try:
        return Decimal(head)
    except InvalidOperation:
        return None


def _format_ether(wei: int) -> str:
    value = Decimal(wei).scaleb(-18)
    return format(value.normalize(), "f") if value else "0"


def _to(raw: bytes) -> str | None:
    return to_checksum_address(raw) if raw else None


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return json.dumps(value).lower()
    return value


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str) and len(value) > 74:
        return f"{value[:34]}...{value[-8:]} ({(len(value) - 2) // 2} bytes)"
    if isinstance(value, list):
        text = json.dumps(value, separators=(",", ":"))
        return text if len(text) <= 200 else f"{len(value)} entries"
    return str(value)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
