"""The transaction lifecycle on the real devnet: journal before broadcast, recovery after a
crash at either point, simulation refusing reverts, replacement by speed-up and cancel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from eth_account import Account

from app.connection import connect
from app.errors import ContractReverted
from app.networks import get_network
from app.store import Store
from app.tx import lifecycle
from app.tx.builder import build_transaction, next_nonce
from app.tx.describe import describe_transaction
from app.tx.journal import ChainKey, Journal
from wallet.errors import SigningRefused
from wallet.prompts import AutoApprovePrompts
from wallet.signer import MAX_TX_GAS

RECIPIENT = "0x000000000000000000000000000000000000bEEF"


@pytest.fixture
def journal(tmp_path, devnet):
    with Store.open(tmp_path / "home") as store:
        connection = connect(get_network("demo"), devnet.rpc_url, store)
        yield Journal(store, ChainKey(connection.chain_id, connection.genesis_hash))


def summary(tx):
    return describe_transaction(tx, "Demo", "ETH")


def test_send_journals_then_confirms(chain, funded, journal):
    tx = build_transaction(chain, journal, 31337, funded.address, RECIPIENT, value=10**17)
    before = chain.balance(RECIPIENT)
    prompts = AutoApprovePrompts()
    entry = lifecycle.send(chain, journal, funded, tx, 31337, prompts, "send", summary(tx))
    assert entry.status == "confirmed" and entry.receipt["status"] == 1
    assert chain.balance(RECIPIENT) - before == 10**17
    assert prompts.confirmed and prompts.confirmed[0].value == "0.1 ETH"
    assert journal.get(entry.id).signed_raw.startswith("0x02")  # EIP-1559


def test_a_revert_is_refused_before_signing(chain, funded, journal, deployment):
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")
    from eth_abi import encode
    from eth_utils import function_signature_to_4byte_selector
    data = function_signature_to_4byte_selector("transfer(address,uint256)") + encode(
        ["address", "uint256"], [RECIPIENT, 1])  # the fresh key holds no USDC
    with pytest.raises(ContractReverted, match="would fail"):
        build_transaction(chain, journal, 31337, funded.address, usdc["address"], data=data)
    assert journal.entries() == []


def test_chain_id_guard_and_gas_cap(chain, funded, journal):
    tx = build_transaction(chain, journal, 31337, funded.address, RECIPIENT, value=1)
    with pytest.raises(SigningRefused, match="chain id 31337"):
        funded.sign_transaction(tx, 1, AutoApprovePrompts())
    with pytest.raises(SigningRefused, match="cap"):
        funded.sign_transaction({**tx, "gas": MAX_TX_GAS + 1}, 31337, AutoApprovePrompts())


def test_nonce_never_reuses_a_journaled_one(chain, funded, journal):
    tx = build_transaction(chain, journal, 31337, funded.address, RECIPIENT, value=1)
    lifecycle.sign_and_journal(funded, tx, 31337, journal, AutoApprovePrompts(), "send", summary(tx))
    # signed and journaled, not broadcast: the node still says nonce 0
    assert int(chain.rpc("eth_getTransactionCount", [funded.address, "pending"]), 16) == 0
    assert next_nonce(chain, journal, funded.address) == 1


CRASHING_SEND = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.connection import connect
    from app.networks import get_network
    from app.store import Store
    from app.tx import lifecycle
    from app.tx.builder import build_transaction
    from app.tx.describe import describe_transaction
    from app.tx.journal import ChainKey, Journal
    from wallet.local_signer import LocalSigner
    from wallet.prompts import AutoApprovePrompts
    home, rpc, key, to = sys.argv[1:5]
    store = Store.open(Path(home))
    conn = connect(get_network("demo"), rpc, store)
    journal = Journal(store, ChainKey(conn.chain_id, conn.genesis_hash))
    signer = LocalSigner(bytes.fromhex(key))
    tx = build_transaction(conn.client, journal, 31337, signer.address, to, value=10**17)
    lifecycle.send(conn.client, journal, signer, tx, 31337, AutoApprovePrompts(), "send",
                   describe_transaction(tx, "Demo", "ETH"))
    print("not reached")
""")


@pytest.mark.parametrize("failpoint, on_chain_before_recovery", [
    ("after_journal", False),    # killed between the journal write and the broadcast
    ("after_broadcast", True),   # killed after the broadcast, before the receipt
])
def test_a_crash_loses_nothing_and_sends_nothing_twice(chain, devnet, tmp_path, failpoint,
                                                       on_chain_before_recovery):
    key = Account.create()
    chain.rpc("anvil_setBalance", [key.address, hex(10**18)])
    home = tmp_path / "home"
    before = chain.balance(RECIPIENT)
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SEND, str(home), devnet.rpc_url,
                              bytes(key.key).hex(), RECIPIENT],
                             env={**os.environ, lifecycle.FAILPOINT_ENV: failpoint},
                             capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 137, crashed.stderr
    assert "not reached" not in crashed.stdout
    sent = chain.balance(RECIPIENT) - before
    assert sent == (10**17 if on_chain_before_recovery else 0)

    with Store.open(home) as store:  # "the next start"
        connection = connect(get_network("demo"), devnet.rpc_url, store)
        journal = Journal(store, ChainKey(connection.chain_id, connection.genesis_hash))
        (entry,) = journal.open_entries()
        assert entry.status == ("pending" if on_chain_before_recovery else "signed")
        recovered = lifecycle.recover_open_entries(connection.client, journal)
        if not on_chain_before_recovery:
            lifecycle.wait_for_final(connection.client, journal, journal.get(entry.id))
        final = journal.get(entry.id)
        assert [r.id for r in recovered] == [entry.id]
        assert final.status == "confirmed"
    assert chain.balance(RECIPIENT) - before == 10**17  # exactly once
    assert int(chain.rpc("eth_getTransactionCount", [key.address, "latest"]), 16) == 1


@pytest.fixture
def manual_mining(chain):
    chain.rpc("evm_setAutomine", [False])
    yield
    chain.rpc("evm_setAutomine", [True])


@pytest.mark.parametrize("cancel", [False, True])
def test_speed_up_and_cancel_replace_a_pending_transaction(chain, funded, journal, manual_mining, cancel):
    before = chain.balance(RECIPIENT)
    tx = build_transaction(chain, journal, 31337, funded.address, RECIPIENT, value=10**17)
    prompts = AutoApprovePrompts()
    original = lifecycle.sign_and_journal(funded, tx, 31337, journal, prompts, "send", summary(tx))
    lifecycle.broadcast(chain, journal, original)
    assert journal.get(original.id).status == "pending"

    new_tx, fees = lifecycle.replacement(chain, journal.get(original.id), cancel)
    assert new_tx["nonce"] == tx["nonce"]
    assert fees.max_fee_per_gas > tx["maxFeePerGas"] and fees.max_priority_fee_per_gas > tx["maxPriorityFeePerGas"]
    replacing = lifecycle.sign_and_journal(funded, new_tx, 31337, journal, prompts,
                                           "cancel" if cancel else "speedup", summary(new_tx),
                                           replaces_id=original.id)
    lifecycle.broadcast(chain, journal, replacing)  # the node accepts the higher fees
    chain.rpc("evm_mine")
    final = lifecycle.wait_for_final(chain, journal, journal.get(replacing.id))
    assert final.status == "confirmed"
    assert journal.get(original.id).status == "replaced"
    assert chain.balance(RECIPIENT) - before == (0 if cancel else 10**17)
    assert int(chain.rpc("eth_getTransactionCount", [funded.address, "latest"]), 16) == 1


def test_recovery_marks_a_replaced_entry(chain, funded, journal, manual_mining):
    tx = build_transaction(chain, journal, 31337, funded.address, RECIPIENT, value=1)
    prompts = AutoApprovePrompts()
    original = lifecycle.sign_and_journal(funded, tx, 31337, journal, prompts, "send", summary(tx))
    lifecycle.broadcast(chain, journal, original)
    new_tx, _ = lifecycle.replacement(chain, journal.get(original.id), cancel=True)
    replacing = lifecycle.sign_and_journal(funded, new_tx, 31337, journal, prompts, "cancel",
                                           summary(new_tx), replaces_id=original.id)
    lifecycle.broadcast(chain, journal, replacing)
    chain.rpc("evm_mine")
    changed = lifecycle.recover_open_entries(chain, journal)  # as after a restart
    statuses = {e.id: e.status for e in changed}
    assert statuses[replacing.id] == "confirmed" and journal.get(original.id).status == "replaced"
    assert json.loads(json.dumps(journal.get(replacing.id).receipt))["status"] == 1
