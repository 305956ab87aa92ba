"""The wallet from the command line, as a user runs it: real processes, the real Secret
Service, the real devnet. Every refused action must leave the chain and the journal as they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from eth_account import Account

from app.devnet.deploy import ANVIL_MNEMONIC
from app.store import Store
from app.tx.lifecycle import FAILPOINT_ENV
from wallet import airgap
from wallet.keys import hd

PASSWORD = "correct horse battery"
OTHER = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"  # an ordinary address (a burn address is refused)


def out(result) -> dict:
    return json.loads(result.stdout)


def demo(cli) -> str:
    return out(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n"))["address"]


def test_create_shows_the_phrase_once_and_makes_the_account_active(cli):
    created = out(cli("wallet", "create", "main", "--password-stdin", stdin=PASSWORD + "\n"))
    words = created["mnemonic"].split()
    assert len(words) == 12 and hd.derive(created["mnemonic"], 0)[0] == created["address"]
    listed = out(cli("wallet", "list"))
    assert listed["accounts"][0]["active"] and "mnemonic" not in json.dumps(listed)
    nxt = out(cli("wallet", "next", "main", "second", "--password-stdin", stdin=PASSWORD + "\n"))
    assert nxt["address"] == hd.derive(created["mnemonic"], 1)[0]
    assert nxt["derivation_path"] == "m/44'/60'/0'/0/1"


def test_import_phrase_key_and_keystore(cli, tmp_path):
    phrase = "all all all all all all all all all all all all"
    imported = out(cli("wallet", "import", "trezor-seed", "--mnemonic-stdin", "--index", "100",
                       "--password-stdin", stdin=f"{phrase}\n{PASSWORD}\n"))
    assert imported["address"] == "0x1e6E3708a059aEa1241a81c7aAe84b6CDbC54d59"
    key = Account.create()
    by_key = out(cli("wallet", "import", "raw", "--key-stdin", "--password-stdin",
                     stdin=f"{bytes(key.key).hex()}\n{PASSWORD}\n"))
    assert by_key["address"] == key.address
    file = tmp_path / "ks.json"
    file.write_text(json.dumps(Account.encrypt(Account.create().key, "file password", iterations=2**10)))
    from_file = out(cli("wallet", "import", "fromfile", "--keystore", str(file), "--password-stdin",
                        stdin="file password\n"))
    assert from_file["kind"] == "local"
    exported = tmp_path / "export.json"
    cli("wallet", "export", "raw", "--out", str(exported), "--password-stdin", stdin=PASSWORD + "\n")
    assert Account.decrypt(exported.read_text(), PASSWORD) == bytes(key.key)


@pytest.mark.parametrize("args, message", [
    (["import", "x", "--mnemonic-stdin", "--password-stdin"], "checksum"),
    (["import", "x", "--key-stdin", "--password-stdin"], "64 hex digits"),
    (["create", "x", "--password-stdin"], "at least 8 characters"),
    (["watch", "x", "0x000000000000000000000000000000000000DEAd"], "wrong checksum"),
    (["watch", "x", "0x1234"], "not an Ethereum address"),
    (["use", "nobody"], "no account called 'nobody'"),
])
def test_bad_wallet_input_is_a_clear_error(cli, args, message):
    stdin = {"checksum": "all all all all all all all all all all all abandon\n" + PASSWORD + "\n",
             "64 hex digits": "0x1234\n" + PASSWORD + "\n",
             "at least 8 characters": "short\n"}.get(message, "")
    result = cli("wallet", *args, stdin=stdin, check=False)
    assert result.returncode != 0 and message in out(result)["error"]
    assert "Traceback" not in result.stderr


def test_send_eth_and_a_token(cli, deployment):
    sender = demo(cli)
    before = cli.chain.balance(OTHER)
    sent = out(cli("send", OTHER, "0.25", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert sent["status"] == "confirmed" and cli.chain.balance(OTHER) - before == 25 * 10**16
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")
    token = cli.chain.contract(usdc["address"], [{"name": "balanceOf", "type": "function", "stateMutability": "view",
                                                  "inputs": [{"name": "a", "type": "address"}],
                                                  "outputs": [{"name": "", "type": "uint256"}]}])
    out(cli("send", OTHER, "12.5", "--token", "USDC", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert token.functions.balanceOf(OTHER).call() == 12_500_000
    activity = out(cli("activity"))["transactions"]
    assert [t["status"] for t in activity] == ["confirmed", "confirmed"]
    assert all(t["hash"].startswith("0x") and t["kind"] == "send" for t in activity)
    balances = {a["name"]: a["balances"] for a in out(cli("wallet", "list"))["accounts"]}
    assert Decimal(balances["demo"]["USDC"]) == Decimal(100_000) - Decimal("12.5")
    assert sender


@pytest.mark.parametrize("amount, token, message", [
    ("0", None, "above zero"), ("-1", None, "no sign"), ("ten", None, "not a number"),
    ("1.0000001", "USDC", "more than 6 decimal places"), ("1000", None, "above the balance"),
    ("100001", "USDC", "above the balance"), ("1", "NOPE", "unknown token"),
])
def test_bad_amounts_send_nothing(cli, amount, token, message):
    sender = demo(cli)
    nonce = cli.chain.rpc("eth_getTransactionCount", [sender, "latest"])
    args = ["send", OTHER, amount, "--yes", "--password-stdin"] + (["--token", token] if token else [])
    result = cli(*args, stdin=PASSWORD + "\n", check=False)
    assert result.returncode != 0 and message in out(result)["error"]
    assert cli.chain.rpc("eth_getTransactionCount", [sender, "latest"]) == nonce
    assert out(cli("activity"))["transactions"] == []


def test_wrong_password_or_no_yes_sends_nothing(cli):
    sender = demo(cli)
    wrong = cli("send", OTHER, "1", "--yes", "--password-stdin", stdin="not the password\n", check=False)
    assert wrong.returncode != 0 and out(wrong)["error"] == "Wrong password."
    unconfirmed = cli("send", OTHER, "1", "--password-stdin", stdin=PASSWORD + "\n", check=False)
    assert unconfirmed.returncode != 0 and "--yes" in out(unconfirmed)["error"]
    assert cli.chain.rpc("eth_getTransactionCount", [sender, "latest"]) == "0x0"
    assert out(cli("activity"))["transactions"] == []


def test_a_watch_only_account_cannot_send(cli):
    cli("wallet", "watch", "cold", OTHER)
    result = cli("send", OTHER, "1", "--yes", check=False)
    assert result.returncode != 0 and "watch-only" in out(result)["error"]


def test_air_gapped_export_sign_offline_broadcast(cli, tmp_path):
    address = demo(cli)
    cli("wallet", "watch", "cold", address)  # the online machine knows only the address
    unsigned, signed = tmp_path / "unsigned.json", tmp_path / "signed.json"
    exported = out(cli("tx", "export-unsigned", "--to", OTHER, "--amount", "0.5", "--out", str(unsigned)))
    assert exported["qr"].startswith("BASKETRY:UTX1:")
    offline = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(cli.home), "--rpc",
                              "http://127.0.0.1:9", "--json", "tx", "sign", str(unsigned), "--out",
                              str(signed), "--yes", "--password-stdin"], input=PASSWORD + "\n",
                             capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert offline.returncode == 0, offline.stderr  # no network needed to sign
    before = cli.chain.balance(OTHER)
    tampered = json.loads(signed.read_text())
    other_key = Account.create()
    exported_tx = airgap.signing_dict(airgap.load_unsigned(unsigned.read_text()))
    raw_other = Account.sign_transaction({k: v for k, v in exported_tx.items() if k != "from"}, other_key.key)
    (tmp_path / "forged.json").write_text(json.dumps({**tampered, "raw": "0x" + raw_other.raw_transaction.hex()}))
    forged = cli("tx", "broadcast", str(tmp_path / "forged.json"), check=False)
    assert forged.returncode != 0 and "recovers to" in out(forged)["error"]
    sent = out(cli("tx", "broadcast", str(signed)))
    assert sent["status"] == "confirmed" and cli.chain.balance(OTHER) - before == 5 * 10**17
    again = cli("tx", "broadcast", str(signed), check=False)
    assert again.returncode != 0 and "already broadcast" in out(again)["error"]


@pytest.mark.parametrize("failpoint", ["after_journal", "after_broadcast"])
def test_killed_send_is_finished_by_the_next_start(cli, failpoint):
    sender = demo(cli)
    before = cli.chain.balance(OTHER)
    killed = cli("send", OTHER, "0.1", "--yes", "--password-stdin", stdin=PASSWORD + "\n",
                 check=False, env={FAILPOINT_ENV: failpoint})
    assert killed.returncode == 137
    activity = out(cli("activity"))["transactions"]  # the next start settles the journal
    assert len(activity) == 1 and activity[0]["status"] in ("pending", "confirmed")
    cli.chain.wait_for_receipt(activity[0]["hash"])
    assert out(cli("activity"))["transactions"][0]["status"] == "confirmed"
    assert cli.chain.balance(OTHER) - before == 10**17  # sent exactly once
    assert cli.chain.rpc("eth_getTransactionCount", [sender, "latest"]) == "0x1"


def test_no_secret_reaches_disk_or_logs(cli, tmp_path):
    created = out(cli("wallet", "create", "main", "--password-stdin", stdin=PASSWORD + "\n"))
    mnemonic = created["mnemonic"]
    key = hd.derive(mnemonic, 0)[1]
    demo_key = hd.derive(ANVIL_MNEMONIC, 1)[1]
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    cli("send", created["address"], "1", "--yes", "--password-stdin", stdin=PASSWORD + "\n")
    cli("wallet", "use", "main")
    cli("send", OTHER, "0.1", "--yes", "--password-stdin", stdin=PASSWORD + "\n")
    needles = [mnemonic, " ".join(mnemonic.split()[:4]), key.hex(), demo_key.hex(), PASSWORD]
    files = [p for p in cli.home.rglob("*") if p.is_file()]
    assert any(p.name == "basketry.db" for p in files) and any(p.suffix == ".log" for p in files)
    with Store.open(cli.home) as store:  # the database's content, not only its bytes
        dump = "\n".join(store.db.conn.iterdump())
    for path_text in [p.read_bytes().decode("latin-1") for p in files] + [dump]:
        lowered = path_text.lower()
        for needle in needles:
            assert needle.lower() not in lowered


def test_hardware_accounts_send_through_their_devices(cli):
    """`wallet ledger` / `wallet trezor` against the protocol-level test devices, then a send
    signed on each device, mined on the devnet."""
    from tests.support.ledger_device import LedgerTcpServer, LedgerTestDevice
    from tests.support.trezor_device import TrezorTestDevice

    with LedgerTcpServer(LedgerTestDevice()) as ledger, TrezorTestDevice() as trezor:
        nano = out(cli("wallet", "ledger", "nano", "--device", f"tcp:{ledger.host}:{ledger.port}"))
        safe = out(cli("wallet", "trezor", "safe", "--device", trezor.path))
        assert nano["address"] == "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D"  # speculos seed, golden
        assert safe["address"] == "0x73d0385F4d8E00C5e6504C6030F47BF6212736A8"  # all-all seed, index 0
        for name, account in (("nano", nano), ("safe", safe)):
            cli.chain.rpc("anvil_setBalance", [account["address"], hex(10**18)])
            cli("wallet", "use", name)
            before = cli.chain.balance(OTHER)
            sent = out(cli("send", OTHER, "0.01", "--yes"))
            assert sent["status"] == "confirmed", name
            assert cli.chain.balance(OTHER) - before == 10**16
        ledger.device.user_rejects = True
        cli("wallet", "use", "nano")
        rejected = cli("send", OTHER, "0.01", "--yes", check=False)
        assert rejected.returncode != 0 and "rejected" in out(rejected)["error"]
    kinds = {a["name"]: a["kind"] for a in out(cli("wallet", "list"))["accounts"]}
    assert kinds == {"nano": "ledger", "safe": "trezor"}


def test_zero_balances_read_zero(cli, cli_zygote, devnet):
    """A fresh account's balances are "0", in the text ("0 ETH", never "0E-18 ETH") and the JSON."""
    import os

    cli("wallet", "create", "fresh", "--password-stdin", stdin=PASSWORD + "\n")
    [row] = out(cli("wallet", "list"))["accounts"]
    assert row["balances"] == {"ETH": "0", "USDC": "0"}
    text = cli_zygote.run(["--home", str(cli.home), "--rpc", devnet.rpc_url, "wallet", "list"],
                          stdin="", env=dict(os.environ))
    assert text.returncode == 0 and "0 ETH, 0 USDC" in text.stdout and "E-" not in text.stdout
