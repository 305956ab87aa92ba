"""Signing summaries of real plans on the devnet: named contracts, units and USD, balance
changes simulated with eth_simulateV1 that match what the chain then does (the receipt's
Transfer logs and the ETH balance), and ONE max-fee figure shared with the preview."""

from __future__ import annotations

import json
import threading
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.chain.client import ChainClient
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.tx.describe.amounts import NATIVE_ADDRESS
from app.tx.describe.balance_changes import net_changes
from app.tx.describe.session import summary_for
from app.tx.describe.simulation import simulate_for_summary
from app.tx.fees import fee_paid_wei
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw
from tests.app.test_index_buy import buyer, session  # noqa: F401 (fixtures)
from wallet.prompts import AutoApprovePrompts, SigningSummary


def predicted(summary: SigningSummary) -> dict[str, int]:
    """token (NATIVE_ADDRESS for the coin) -> signed change in base units, from the summary."""
    return {(c.amount.token or NATIVE_ADDRESS): int(c.amount.raw) * (1 if c.direction == "in" else -1)
            for c in summary.balance_changes}


def tokens_only(changes: dict[str, int]) -> dict[str, int]:
    return {t: v for t, v in changes.items() if t != NATIVE_ADDRESS}


def test_an_eth_index_buy_is_decoded_named_priced_and_its_balance_changes_come_true(session, chain, buyer):  # noqa: F811
    plan = plan_index_buy(session, "Top 10", "1", "ETH", None, buyer.address)
    [tx] = plan.transactions
    summary = summary_for(session, {**tx, "nonce": 0}, prices=plan.prices)
    network = session.network
    assert summary.to == network.universal_router and summary.to_name == "Uniswap Universal Router"
    swaps = [a for a in summary.actions if a.kind == "swap"]
    bought = [leg for leg in plan.legs if leg.quote is not None and leg.address != network.wrapped_native]
    assert len(swaps) == len(bought) and not summary.warnings
    for action, leg in zip(swaps, bought, strict=True):
        assert action.amounts["min_out"].token == leg.address and action.amounts["min_out"].usd is not None
        assert action.amounts["in"].symbol == "ETH" and action.amounts["in"].usd is not None
        assert action.parties["recipient"].address == buyer.address
        assert action.text.startswith(f"Swap {action.amounts['in'].display} -> at least ")
    # the one fee figure: the preview's max fee is the summary's
    assert summary.fee.total_wei == plan.preview.network_fee["max_wei"]
    assert summary.fee.display == plan.preview.network_fee["max_display"]
    assert summary.fee.usd is not None
    # simulated: ETH leaves (traceTransfers on anvil), every token arrives, at least its minimum
    changes = predicted(summary)
    assert changes[NATIVE_ADDRESS] == -int(tx["value"])
    for action in swaps:
        assert changes[action.amounts["min_out"].token] >= int(action.amounts["min_out"].raw)
    assert summary.simulation.startswith("Simulated on this node")

    eth_before = chain.balance(buyer.address)
    prompts = AutoApprovePrompts()
    result = execute_index_plan(session, plan, buyer, prompts)
    [signed] = prompts.confirmed
    [entry] = result.entries
    assert entry.status == "confirmed"
    assert tokens_only(predicted(signed)) == tokens_only(net_changes(entry.receipt["logs"], buyer.address))
    assert eth_before - chain.balance(buyer.address) == -predicted(signed)[NATIVE_ADDRESS] + fee_paid_wei(entry.receipt)
    assert signed.fee.total_wei == plan.preview.network_fee["max_wei"]


def test_a_usdc_buy_approval_then_swap_simulated_after_the_approval(session, chain, buyer, deployment):  # noqa: F811
    plan = plan_index_buy(session, "BTC/ETH 60/40", "500", "USDC", "1", buyer.address)
    approval, swap = plan.transactions
    approve_summary = summary_for(session, approval, prices=plan.prices)
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")["address"]
    [action] = approve_summary.actions
    assert action.kind == "approve" and action.parties["spender"].name == "Uniswap SwapRouter02"
    assert action.text == f"Allow {action.parties['spender'].text()} to spend 500 USDC ($500.00)"
    assert action.parties["spender"].address == session.network.swap_router
    assert approve_summary.balance_changes == () and "No balance of yours changes" in approve_summary.simulation
    # before the approval is mined the swap alone reverts; after it (same simulated block) it works
    alone = simulate_for_summary(session.client, swap)
    assert alone.reverted
    swap_summary = summary_for(session, swap, prior=[approval], prices=plan.prices)
    assert swap_summary.to_name == "Uniswap SwapRouter02" and not swap_summary.warnings
    assert [a.kind for a in swap_summary.actions] == ["swap", "swap"]
    changes = predicted(swap_summary)
    assert changes[usdc] == -500 * 10**6
    # one figure: the preview's max fee is the approval's plus the swap's
    assert int(plan.preview.network_fee["max_wei"]) == int(approve_summary.fee.total_wei) + int(swap_summary.fee.total_wei)

    prompts = AutoApprovePrompts()
    result = execute_index_plan(session, plan, buyer, prompts)
    assert [e.status for e in result.entries] == ["confirmed", "confirmed"]
    signed_swap = prompts.confirmed[1]
    assert predicted(signed_swap) == tokens_only(net_changes(result.entries[1].receipt["logs"], buyer.address))


@pytest.fixture
def usdc_vault(deployment):
    return next(v for v in deployment["vaults"] if v["asset"] == "USDC")


def test_vault_deposit_and_withdraw_summaries_name_the_vault_in_units_and_come_true(
        session, chain, buyer, usdc_vault):  # noqa: F811
    plan = plan_deposit(session, usdc_vault["address"], "1000", None, buyer.address)
    prompts = AutoApprovePrompts()
    realised = execute_vault_plan(session, plan, buyer, prompts)
    assert realised["status"] == "confirmed"
    approve, deposit = prompts.confirmed
    assert approve.actions[0].parties["spender"].name == f"vault {usdc_vault['name']}"
    assert approve.actions[0].amounts["amount"].display == "1,000 USDC ($1,000.00)"
    [action] = deposit.actions
    assert action.kind == "deposit" and action.amounts["assets"].display == "1,000 USDC ($1,000.00)"
    assert action.parties["vault"].name == f"vault {usdc_vault['name']}"
    assert deposit.to_name == f"vault {usdc_vault['name']}"
    changes = {c.amount.symbol: c for c in deposit.balance_changes}
    assert changes["USDC"].direction == "out" and changes["USDC"].amount.raw == str(10**9)
    assert changes[usdc_vault["symbol"]].direction == "in" and changes[usdc_vault["symbol"]].amount.usd is not None
    receipt = session.journal.by_hash(realised["tx_hash"]).receipt
    assert predicted(deposit) == net_changes(receipt["logs"], buyer.address)
    assert int(plan.preview["network_fee"]["max_wei"]) == sum(int(s.fee.total_wei) for s in prompts.confirmed)

    plan = plan_withdraw(session, usdc_vault["address"], "250", buyer.address)
    prompts = AutoApprovePrompts()
    realised = execute_vault_plan(session, plan, buyer, prompts)
    [withdraw] = prompts.confirmed
    assert withdraw.actions[0].kind == "withdraw"
    assert withdraw.actions[0].amounts["assets"].display == "250 USDC ($250.00)"
    changes = {c.amount.symbol: c for c in withdraw.balance_changes}
    assert changes["USDC"].direction == "in" and changes["USDC"].amount.raw == str(250 * 10**6)
    assert changes[usdc_vault["symbol"]].direction == "out"
    receipt = session.journal.by_hash(realised["tx_hash"]).receipt
    real, guess = net_changes(receipt["logs"], buyer.address), predicted(withdraw)
    assert guess[usdc_vault["asset_address"]] == real[usdc_vault["asset_address"]] == 250 * 10**6
    # the shares burnt for exactly 250 USDC: the demo vault accrues yield every second, and the
    # simulated block is not the mined one, so the share count may differ in its last digits
    vault = usdc_vault["address"]
    assert abs(guess[vault] - real[vault]) <= abs(real[vault]) // 10**6 and real[vault] < 0
    assert plan.preview["network_fee"]["max_wei"] == withdraw.fee.total_wei


# --- nodes that lack what the summary needs: said, not silently left out -------------------------------
class RewritingNode:
    """A loopback JSON-RPC proxy in front of anvil that refuses some methods (as a node without
    them: -32601) or drops some eth_simulateV1 options (as a node that ignores them)."""

    def __init__(self, upstream: str, refuse: set[str] = frozenset(), drop: set[str] = frozenset()):
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                items = payload if isinstance(payload, list) else [payload]
                answers = [node.answer(item) for item in items]
                body = json.dumps(answers if isinstance(payload, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.upstream, self.refuse, self.drop = upstream, refuse, drop
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, item: dict) -> dict:
        if item["method"] in self.refuse:
            return {"jsonrpc": "2.0", "id": item["id"], "error": {"code": -32601, "message": "Method not found"}}
        if item["method"] == "eth_simulateV1":
            item = {**item, "params": [{k: v for k, v in item["params"][0].items() if k not in self.drop},
                                       *item["params"][1:]]}
        request = urllib.request.Request(self.upstream, data=json.dumps(item).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_node_without_eth_simulate_or_transfer_traces_is_named_in_the_summary(session, devnet, buyer):  # noqa: F811
    plan = plan_index_buy(session, "BTC/ETH 60/40", "0.1", "ETH", None, buyer.address)
    [tx] = plan.transactions
    refusing = RewritingNode(devnet.rpc_url, refuse={"eth_simulateV1"})
    ignoring = RewritingNode(devnet.rpc_url, drop={"traceTransfers"})
    try:
        outcome = simulate_for_summary(ChainClient(refusing.url, retries=0), tx)
        assert outcome.logs is None and "cannot simulate" in outcome.note
        untraced = simulate_for_summary(ChainClient(ignoring.url, retries=0), tx)
    finally:
        refusing.close()
        ignoring.close()
    assert untraced.logs and not untraced.native_traced and "does not report ETH moving" in untraced.note
    traced = simulate_for_summary(session.client, tx)
    assert traced.native_traced and traced.note is None
    assert tokens_only(net_changes(untraced.logs, buyer.address)) == tokens_only(net_changes(traced.logs, buyer.address))
    assert net_changes(traced.logs, buyer.address)[NATIVE_ADDRESS] == -int(tx["value"])
    assert Decimal(plan.preview.network_fee["max_eth"]) > 0
