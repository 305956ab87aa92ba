"""A private submission RPC per network, on the real devnet: a local relay (an HTTP JSON-RPC
server that records eth_sendRawTransaction and forwards to anvil) in front of the node, and
the main RPC behind another recording proxy. The raw transaction goes through the relay only;
reads and receipts stay on the main RPC; an unreachable relay sends nothing anywhere, leaves
the entry signed, and the next session open sends it through the relay."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from app.errors import InvalidInput, PrivateSubmissionFailed, PrivateSubmissionUnreachable
from app.session import ChainSession
from app.settings import validate_submit_rpc_url
from app.store import Store
from app.tx import lifecycle
from app.tx.builder import build_transaction
from app.tx.describe import describe_transaction
from app.tx.submission import submit_rpc_key
from tests.conftest import free_port
from tests.support.rpc_proxy import RpcProxy
from wallet.prompts import AutoApprovePrompts

RECIPIENT = "0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c"  # an ordinary address
PASSWORD = "correct horse battery"


@pytest.fixture
def main_rpc(devnet):
    with RpcProxy(devnet.rpc_url) as proxy:
        yield proxy


@pytest.fixture
def relay(devnet):
    with RpcProxy(devnet.rpc_url) as proxy:
        yield proxy


@pytest.fixture
def home(tmp_path, devnet_home):
    home = tmp_path / "home"
    (home / "devnet").mkdir(parents=True)
    shutil.copy(devnet_home / "devnet" / "deployment.json", home / "devnet" / "deployment.json")
    return home


def open_session(home, store, main_rpc) -> ChainSession:
    return ChainSession.open(home, "demo", store, main_rpc.url)


def send(session, signer, value=10**17):
    tx = build_transaction(session.client, session.journal, 31337, signer.address, RECIPIENT, value=value)
    prompts = AutoApprovePrompts()
    entry = lifecycle.send(session.client, session.journal, signer, tx, 31337, prompts, "send",
                           describe_transaction(tx, "Demo", "ETH"))
    return entry, prompts


def test_the_raw_transaction_goes_through_the_relay_and_nothing_else(home, main_rpc, relay, funded, chain):
    with Store.open(home) as store:
        store.set_setting(submit_rpc_key("demo"), relay.url)
        session = open_session(home, store, main_rpc)
        main_rpc.reset_counts()
        before = chain.balance(RECIPIENT)
        entry, prompts = send(session, funded)
    assert entry.status == "confirmed" and chain.balance(RECIPIENT) - before == 10**17
    assert relay.raw_transactions == [entry.signed_raw]
    assert dict(relay.methods) == {"eth_sendRawTransaction": 1}        # only the send went there
    assert main_rpc.methods["eth_sendRawTransaction"] == 0 and main_rpc.raw_transactions == []
    assert main_rpc.methods["eth_getTransactionReceipt"] >= 1          # the receipt: the main RPC
    assert any("Sent privately via 127.0.0.1" in note for note in prompts.confirmed[0].notes)


def test_without_the_setting_the_main_rpc_sends(home, main_rpc, relay, funded):
    with Store.open(home) as store:
        session = open_session(home, store, main_rpc)
        entry, prompts = send(session, funded)
    assert entry.status == "confirmed" and main_rpc.raw_transactions == [entry.signed_raw]
    assert relay.requests == 0 and not any("privately" in n for n in prompts.confirmed[0].notes)


def test_an_unreachable_relay_sends_nothing_and_the_next_open_sends_privately(home, main_rpc, relay, funded, chain):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    before = chain.balance(RECIPIENT)
    with Store.open(home) as store:
        store.set_setting(submit_rpc_key("demo"), dead)
        session = open_session(home, store, main_rpc)
        with pytest.raises(PrivateSubmissionUnreachable) as refused:
            send(session, funded)
        message = str(refused.value)
        assert "cannot be reached" in message and "NOT sent" in message and "public mempool" in message
        assert "network submit-rpc --clear" in message
        (entry,) = session.journal.entries()
        assert entry.status == "signed" and entry.error == message  # signed, not broadcast, kept
        assert main_rpc.raw_transactions == [] and chain.balance(RECIPIENT) == before
        assert chain.rpc("eth_getTransactionCount", [funded.address, "latest"]) == "0x0"

        again = open_session(home, store, main_rpc)  # still unreachable: the session opens anyway
        assert again.journal.get(entry.id).status == "signed" and main_rpc.raw_transactions == []

        store.set_setting(submit_rpc_key("demo"), relay.url)  # the relay is back (another URL)
        recovered = open_session(home, store, main_rpc)
        assert [e.id for e in recovered.recovered] == [entry.id]
        final = lifecycle.wait_for_final(recovered.client, recovered.journal, recovered.journal.get(entry.id))
    assert final.status == "confirmed" and chain.balance(RECIPIENT) - before == 10**17
    assert relay.raw_transactions == [entry.signed_raw] and main_rpc.raw_transactions == []


def test_a_refusing_relay_rejects_the_entry_and_sends_nothing_publicly(home, main_rpc, relay, funded, chain):
    relay.refuse_sends = "transaction rejected by the relay"
    with Store.open(home) as store:
        store.set_setting(submit_rpc_key("demo"), relay.url)
        session = open_session(home, store, main_rpc)
        with pytest.raises(PrivateSubmissionFailed, match="refused the transaction") as refused:
            send(session, funded)
        assert not isinstance(refused.value, PrivateSubmissionUnreachable)
        (entry,) = session.journal.entries()
        assert entry.status == "rejected" and "rejected by the relay" in entry.error
    assert len(relay.raw_transactions) == 1 and main_rpc.raw_transactions == []
    assert chain.rpc("eth_getTransactionCount", [funded.address, "latest"]) == "0x0"


def test_a_refused_transaction_leaves_its_nonce_free_for_the_next_one(home, main_rpc, relay, funded, chain):
    """A refusal never reached the chain: the next transaction takes the same nonce (a
    ``failed`` entry would have pushed it to 1, and the account would wait for nonce 0 forever)."""
    relay.refuse_sends = "transaction rejected by the relay"
    with Store.open(home) as store:
        store.set_setting(submit_rpc_key("demo"), relay.url)
        session = open_session(home, store, main_rpc)
        with pytest.raises(PrivateSubmissionFailed):
            send(session, funded)
        store.set_setting(submit_rpc_key("demo"), None)  # what the error says to do
        again = open_session(home, store, main_rpc)
        entry, _ = send(again, funded)
        final = lifecycle.wait_for_final(again.client, again.journal, entry)
    assert final.nonce == 0 and final.status == "confirmed"
    assert chain.rpc("eth_getTransactionCount", [funded.address, "latest"]) == "0x1"


def test_speed_up_goes_through_the_relay_too(home, main_rpc, relay, funded, chain):
    chain.rpc("evm_setAutomine", [False])
    try:
        with Store.open(home) as store:
            store.set_setting(submit_rpc_key("demo"), relay.url)
            session = open_session(home, store, main_rpc)
            tx = build_transaction(session.client, session.journal, 31337, funded.address, RECIPIENT, value=1)
            prompts = AutoApprovePrompts()
            original = lifecycle.sign_and_journal(funded, tx, 31337, session.journal, prompts, "send",
                                                  describe_transaction(tx, "Demo", "ETH"))
            assert lifecycle.broadcast(session.client, session.journal, original).host == "127.0.0.1"
            new_tx, _ = lifecycle.replacement(session.client, session.journal.get(original.id), cancel=False)
            faster = lifecycle.sign_and_journal(funded, new_tx, 31337, session.journal, prompts, "speedup",
                                                describe_transaction(new_tx, "Demo", "ETH"), replaces_id=original.id)
            lifecycle.broadcast(session.client, session.journal, faster)
            chain.rpc("evm_mine")
            final = lifecycle.wait_for_final(session.client, session.journal, session.journal.get(faster.id))
    finally:
        chain.rpc("evm_setAutomine", [True])
    assert final.status == "confirmed"
    assert relay.raw_transactions == [original.signed_raw, faster.signed_raw] and main_rpc.raw_transactions == []


@pytest.mark.parametrize("text, ok", [
    ("https://rpc.flashbots.net", True), ("https://rpc.mevblocker.io/fast", True),
    ("http://127.0.0.1:8545", True), ("http://localhost:9000/relay", True),
    ("http://rpc.flashbots.net", False), ("ftp://rpc.flashbots.net", False), ("rpc.flashbots.net", False),
    ("https://rpc.flashbоts.net", False),  # a Cyrillic "о": look-alike letters are refused
])
def test_the_url_is_validated_like_an_rpc_url_and_must_be_https_off_this_machine(text, ok):
    if ok:
        assert validate_submit_rpc_url(text) == text
    else:
        with pytest.raises(InvalidInput):
            validate_submit_rpc_url(text)
    assert validate_submit_rpc_url("  ") is None


def out(result) -> dict:
    return json.loads(result.stdout)


def test_cli_sets_shows_uses_and_clears_it(cli, relay, tmp_path):
    assert out(cli("network", "submit-rpc"))["submit_rpc"] is None
    refused = cli("network", "submit-rpc", "http://rpc.flashbots.net", check=False)
    assert refused.returncode != 0 and "https://" in out(refused)["error"]
    assert out(cli("network", "submit-rpc", relay.url)) == {"network": "demo", "submit_rpc": relay.url, "private": True}
    assert out(cli("network", "check"))["submit_rpc"] == relay.url
    address = out(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n"))["address"]
    sent = out(cli("send", RECIPIENT, "0.01", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert sent["status"] == "confirmed" and sent["sent_via"] == {"private": True, "host": "127.0.0.1"}
    assert len(relay.raw_transactions) == 1

    assert out(cli("network", "submit-rpc", "--clear"))["submit_rpc"] is None
    public = out(cli("send", RECIPIENT, "0.01", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert public["sent_via"] == {"private": False, "host": None} and len(relay.raw_transactions) == 1

    # air-gapped: the signed file is broadcast through the relay as well
    cli("network", "submit-rpc", relay.url)
    cli("wallet", "watch", "cold", address)
    unsigned, signed = tmp_path / "unsigned.json", tmp_path / "signed.json"
    cli("tx", "export-unsigned", "--to", RECIPIENT, "--amount", "0.02", "--out", str(unsigned))
    offline = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(cli.home), "--rpc",
                              "http://127.0.0.1:9", "--json", "tx", "sign", str(unsigned), "--out", str(signed),
                              "--yes", "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                             text=True, timeout=120, env=os.environ.copy())
    assert offline.returncode == 0, offline.stderr
    broadcast = out(cli("tx", "broadcast", str(signed)))
    assert broadcast["status"] == "confirmed" and broadcast["sent_via"]["private"] is True
    assert len(relay.raw_transactions) == 2 and relay.raw_transactions[1] == json.loads(signed.read_text())["raw"]
