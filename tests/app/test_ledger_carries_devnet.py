"""Carries through the real history sync (app.portfolio.service.update) on the devnet: a wrap,
ETH and WETH sent to the user's second account, a WETH vault deposit and withdrawal (through
the app's vault code), an unwrap by the second account. Under every method nothing is realised
but the gas (fees) and the vault's yield (income), the second account's ETH keeps the first's
acquisition, and the ledger explains every balance without an adjustment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector

from app.accounting import METHODS, Accountant
from app.accounts import AccountRegistry
from app.devnet.clock import advance_time
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.pnl import asset_decimals, compute_pnl, ledger_entries, ledger_rows
from app.portfolio.service import update
from app.transfers import plan_send
from app.tx import lifecycle
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw
from tests.app.test_index_buy import balance, session  # noqa: F401 (fixture)
from tests.app.test_portfolio import trader  # noqa: F401 (fixture)
from wallet.prompts import AutoApprovePrompts

E18 = 10**18


def call(chain, sender: str, to: str, value: int = 0, signature: str | None = None, args=()) -> None:
    data = "0x"
    if signature:
        types = signature[signature.index("(") + 1:-1].split(",") if "()" not in signature else []
        data += (function_signature_to_4byte_selector(signature) + encode(types, list(args))).hex()
    chain.rpc("anvil_impersonateAccount", [sender])
    receipt = chain.wait_for_receipt(chain.send_transaction({"from": sender, "to": to, "value": value,
                                                             "data": data, "gas": 200_000}))
    assert receipt["status"] in (1, "0x1")


def test_moves_wraps_and_a_vault_round_trip_realise_only_gas_and_the_yield(
        session, chain, deployment, trader):  # noqa: F811
    me, second = trader.address, Account.create().address
    AccountRegistry(session.store).add("second", second, "watch", make_active=False)
    weth = deployment["contracts"]["weth"]
    vault = next(v["address"] for v in deployment["vaults"] if v["asset"] == "WETH")
    call(chain, me, weth, 2 * E18, "deposit()")                                        # wrap 2 ETH
    prompts = AutoApprovePrompts()
    # 1 ETH to my other account, sent by the app (journaled: a plain ETH send has no log), and 0.25 WETH
    plan = plan_send(session, me, second, "1")
    assert lifecycle.send(session.client, session.journal, trader, plan.tx, session.chain_id, prompts, "send",
                          plan.summary(session)).status == "confirmed"
    call(chain, me, weth, 0, "transfer(address,uint256)", [second, E18 // 4])
    assert execute_vault_plan(session, plan_deposit(session, vault, "0.5", None, me), trader,
                              prompts)["status"] == "confirmed"
    advance_time(chain, 60 * 86400)
    assert execute_vault_plan(session, plan_withdraw(session, vault, None, me), trader,
                              prompts)["status"] == "confirmed"
    call(chain, second, weth, 0, "withdraw(uint256)", [E18 // 8])                     # unwrap 0.125 WETH

    result = update(session, [me, second])
    store, key = session.store, session.journal.chain
    labels = {r[0] for r in store.db.execute("SELECT DISTINCT label FROM ledger_events")}
    assert {"move", "wrap", "deposit", "withdrawal", "fee"} <= labels
    assert not labels & {"trade", "send"}   # none of it booked as a sale
    # the only thing the history cannot explain: the 20 ETH set by anvil_setBalance (no log)
    specials = store.db.execute("SELECT label, account_address, token_address, quantity FROM ledger_events"
                                " WHERE tx_hash IS NULL").fetchall()
    assert specials == [("opening", me, NATIVE_ADDRESS, str(20 * E18))] and result.ledger.adjustments == 1

    weth_address = next(a for a in asset_decimals(store, key) if a.lower() == weth.lower())
    withdrawal = store.db.execute(
        "SELECT quantity, value_usd, tx_hash || '#' || seq FROM ledger_events WHERE label = 'withdrawal'"
        " AND kind = 'acquisition'").fetchone()
    withdrawn, worth = int(withdrawal[0]), Decimal(withdrawal[1])
    assert withdrawn > E18 // 2   # 60 days of yield on 0.5 WETH
    # the yield: WETH above the 0.5 deposited, as income at the withdrawal's market value
    yield_income = worth * (withdrawn - E18 // 2) / withdrawn
    refs = {f"{h}#{s}": label for h, s, label in store.db.execute(
        "SELECT tx_hash, seq, label FROM ledger_events WHERE tx_hash IS NOT NULL")}
    rows = ledger_rows(store, key)
    for method in METHODS:
        accountant = Accountant(method)
        accountant.extend_checked(ledger_entries(rows, asset_decimals(store, key)))
        # every disposal that realised anything is a network fee (the gas's ETH, at its cost)
        assert accountant.disposals and {refs[d.ref] for d in accountant.disposals} == {"fee"}
        gas = sum((d.pnl_usd for d in accountant.disposals), Decimal(0))
        assert gas < 0 and accountant.income == pytest.approx(yield_income, abs=Decimal("0.000001"))
        assert accountant.realised == pytest.approx(gas + accountant.income, abs=Decimal("1e-20"))
        assert compute_pnl(store, key, method).realized_usd == accountant.realised.quantize(Decimal("0.01"))
        held = {(h.account, h.token): h.quantity for h in accountant.holdings()}
        assert held[(second, weth_address)] == Decimal("0.125")
        assert held[(me, weth_address)] == Decimal(2 * E18 - E18 // 4 - E18 // 2 + withdrawn) / E18
        # the second account's ETH is the first's opening lot, with its date and unit cost
        lots = [lot for lot in accountant.report().open_lots if (lot.account, lot.token) == (second, NATIVE_ADDRESS)]
        opening_time = int(store.db.execute("SELECT time FROM ledger_events WHERE label = 'opening'").fetchone()[0])
        if method != "average":
            assert {lot.ref for lot in lots} == {"opening"} and {lot.time for lot in lots} == {opening_time}
    assert balance(chain, weth, second) == E18 // 8


def test_eth_received_without_a_log_is_a_dated_acquisition_at_its_blocks_price(session, chain, trader):  # noqa: F811
    me, outsider = trader.address, Account.create().address
    chain.rpc("anvil_setBalance", [outsider, hex(100 * E18)])
    weth = session.network.wrapped_native
    call(chain, me, weth, E18, "deposit()")                 # the account's first ETH event
    advance_time(chain, 86400)
    call(chain, outsider, me, 3 * E18)                      # an exchange withdrawal: no log, not journaled
    received_at = chain.rpc("eth_blockNumber", [])
    call(chain, me, weth, E18 // 2, "deposit()")
    first = update(session, [me])
    store, key = session.store, session.journal.chain
    block = int(received_at, 16)
    stamp = int(chain.rpc("eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)
    price = Decimal(store.db.execute("SELECT price_usd FROM prices WHERE token_address = ? AND block = ?",
                                     [NATIVE_ADDRESS, block - 1]).fetchone()[0])
    rows = store.db.execute("SELECT label, quantity, time, block, value_usd FROM ledger_events WHERE tx_hash IS NULL"
                            " ORDER BY time").fetchall()
    assert [r[:4] for r in rows] == [("opening", str(20 * E18), rows[0][2], rows[0][3]),
                                     ("receipt", str(3 * E18), stamp, block)]
    assert Decimal(rows[1][4]) == (3 * price).quantize(Decimal("0.000001"))   # at the block before's price
    assert first.ledger.adjustments == 2 and rows[0][2] < stamp   # opening + receipt, no adjustment

    # the next update searches on from where this one stopped, and keeps what it found
    call(chain, outsider, me, E18)
    update(session, [me])
    labels = [r[0] for r in store.db.execute("SELECT label FROM ledger_events WHERE tx_hash IS NULL ORDER BY time")]
    assert labels == ["opening", "receipt", "receipt"]
    for method in METHODS:
        assert compute_pnl(store, key, method, [me]).adjustments == 0
