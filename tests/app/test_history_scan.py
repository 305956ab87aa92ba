"""History scan on the real devnet: transfers made outside the app are found from the Transfer
logs, exactly once, resumably, in batches of two eth_getLogs per range, starting at the
addresses' first activity (the devnet keeps every block's state)."""

from __future__ import annotations

import math
import threading

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.errors import ChainError, InvalidInput
from app.history import RangePolicy, scan_transfers
from app.history.scan import TRANSFER_TOPIC, WETH_DEPOSIT_TOPIC, WETH_WITHDRAWAL_TOPIC, cursor_key
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from tests.app.test_index_buy import buyer, session  # noqa: F401  (fixtures)
from wallet.prompts import AutoApprovePrompts

_TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")


def usdc_address(deployment) -> str:
    return to_checksum_address(next(t for t in deployment["tokens"] if t["symbol"] == "USDC")["address"])


def send_usdc(chain, deployment, sender: str, to: str, amount: int) -> None:
    """An ERC-20 transfer made OUTSIDE the app (the node signs for an impersonated account)."""
    chain.rpc("anvil_impersonateAccount", [sender])
    data = _TRANSFER + encode(["address", "uint256"], [to, amount])
    receipt = chain.wait_for_receipt(chain.send_transaction(
        {"from": sender, "to": usdc_address(deployment), "data": "0x" + data.hex()}))
    assert receipt["status"] == 1


@pytest.fixture
def activity(session, chain, buyer, deployment):  # noqa: F811
    """buyer got 5,000 USDC from the demo account (outside the app), sends 123.456789 USDC to a
    friend (outside the app), then buys BTC/ETH 60/40 with USDC through the app (a swap)."""
    friend = Account.create().address
    chain.rpc("anvil_setBalance", [buyer.address, hex(10 * 10**18)])
    send_usdc(chain, deployment, buyer.address, friend, 123_456_789)
    plan = plan_index_buy(session, "BTC/ETH 60/40", "500", "USDC", "1", buyer.address)
    result = execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert [e.status for e in result.entries] == ["confirmed", "confirmed"]
    return [buyer.address, friend]


def on_chain(chain, addresses, tokens=None) -> set[tuple]:
    """Every ERC-20 Transfer log from or to ``addresses``, read independently of the scanner
    (all Transfer logs of the chain, filtered here)."""
    wanted = {a.lower() for a in addresses}
    logs = chain.rpc("eth_getLogs", [{"fromBlock": "0x0", "toBlock": "latest", "topics": [TRANSFER_TOPIC]}])
    found = set()
    for log in logs:
        topics = log["topics"]
        if len(topics) != 3:
            continue
        token = to_checksum_address(log["address"])
        sender, receiver = "0x" + topics[1][-40:], "0x" + topics[2][-40:]
        if (sender in wanted or receiver in wanted) and (tokens is None or token in tokens):
            found.add((log["transactionHash"].lower(), int(log["logIndex"], 16), token,
                       to_checksum_address(sender), to_checksum_address(receiver),
                       str(int(log["data"], 16)), int(log["blockNumber"], 16)))
    return found


def stored(session, addresses) -> list[tuple]:  # noqa: F811
    """The transfers rows touching ``addresses`` (a list: duplicates would show)."""
    marks = ",".join("?" * len(addresses))
    return [tuple(row) for row in session.store.db.execute(
        "SELECT tx_hash, log_index, token_address, from_address, to_address, amount, block FROM transfers"
        f" WHERE chain_id = ? AND genesis_hash = ? AND (from_address IN ({marks}) OR to_address IN ({marks}))",
        [session.chain_id, session.connection.genesis_hash, *addresses, *addresses]).fetchall()]


def count_batches(monkeypatch, session) -> list[list]:  # noqa: F811
    calls: list[list] = []
    real = session.client.batch

    def batch(requests):
        calls.append(list(requests))
        return real(requests)

    monkeypatch.setattr(session.client, "batch", batch)
    return calls


def test_transfers_made_outside_the_app_are_found_exactly_once(session, chain, activity, deployment, monkeypatch):  # noqa: F811
    expected = on_chain(chain, activity)
    usdc = usdc_address(deployment)
    # what the test made: USDC in from the demo account, USDC out to the friend, USDC into the
    # swap, the bought tokens back
    assert any(r[2] == usdc and r[4] == activity[0] and r[5] == str(5_000 * 10**6) for r in expected)
    assert (usdc, activity[0], activity[1], "123456789") in {r[2:6] for r in expected}
    assert sum(int(r[5]) for r in expected if r[3] == activity[0] and r[2] == usdc
               and r[4] != activity[1]) == 500 * 10**6
    assert len({r[2] for r in expected if r[4] == activity[0]}) >= 3  # USDC + WBTC + WETH
    app_rows = len(stored(session, activity))  # the app's buy stored its own swap's logs
    assert app_rows > 0
    batches = count_batches(monkeypatch, session)
    head = chain.block_number()

    result = scan_transfers(session, activity)
    rows = stored(session, activity)
    assert sorted(rows) == sorted(expected) and len(rows) == len(set(rows))
    assert result.found == len(expected) and result.inserted == len(expected) - app_rows
    # the scan starts at the first activity: the friend's first USDC (a known token: his balance
    # of it counts), the buyer's ETH or USDC before that
    owner, friend = activity
    starts = result.first_activity.starts
    assert result.first_activity.archive and starts[friend] == min(r[6] for r in expected if friend in r[3:5])
    assert 0 < starts[owner] <= min(r[6] for r in expected if owner in r[3:5]) and starts[owner] < starts[friend]
    assert (result.from_block, result.to_block, result.scanned_to) == (starts[owner], head, head) and result.complete
    searches = [b for b in batches if b[0][0] != "eth_getLogs"]
    assert len(searches) == result.first_activity.rounds <= 4  # 7 blocks per address per round
    assert {m for b in searches for m, _ in b} == {"eth_getTransactionCount", "eth_getBalance", "eth_call"}
    # one batch of two eth_getLogs (sent, received) per range, all addresses in one topic slot
    batches = [b for b in batches if b[0][0] == "eth_getLogs"]
    assert len(batches) == result.ranges == result.requests == 1
    for batch in batches:
        assert [m for m, _ in batch] == ["eth_getLogs", "eth_getLogs"]
        sent, received = batch[0][1][0]["topics"], batch[1][1][0]["topics"]
        # sent: also WETH9's Deposit/Withdrawal (wraps and unwraps log no Transfer; topic1 is the user)
        assert sent[0] == [TRANSFER_TOPIC, WETH_DEPOSIT_TOPIC, WETH_WITHDRAWAL_TOPIC]
        assert received[0] == TRANSFER_TOPIC and sent[1] == received[2] and received[1] is None
        assert sent[1] == sorted("0x" + "0" * 24 + a.lower()[2:] for a in activity)
        assert "address" not in batch[0][1][0]  # every token
    key = cursor_key(session)
    assert session.store.get_setting(key) == {a: head for a in activity}

    again = scan_transfers(session, activity)  # nothing new: starts after the cursor
    assert (again.from_block, again.found, again.inserted, again.ranges) == (head + 1, 0, 0, 0)
    assert again.complete and len(batches) == result.ranges

    send_usdc(chain, deployment, deployment["demo_account"], activity[1], 7)  # more, outside the app
    third = scan_transfers(session, activity)
    assert (third.from_block, third.to_block, third.found, third.inserted) == (head + 1, head + 1, 1, 1)
    assert sorted(stored(session, activity)) == sorted(on_chain(chain, activity))
    assert session.store.get_setting(key) == {a: head + 1 for a in activity}


def test_tiny_chunks_give_the_same_rows_and_report_progress_per_range(session, chain, activity, monkeypatch):  # noqa: F811
    batches = count_batches(monkeypatch, session)
    calls: list[tuple[int, int]] = []
    head = chain.block_number()
    result = scan_transfers(session, activity, ranges=RangePolicy(5, 5), find_start=False,
                            progress=lambda done, total: calls.append((done, total)))
    assert sorted(stored(session, activity)) == sorted(on_chain(chain, activity))
    ranges = math.ceil((head + 1) / 5)
    assert result.ranges == len(calls) - 1 == len(batches) == ranges
    assert calls == [(0, head + 1)] + [(min(5 * (i + 1), head + 1), head + 1) for i in range(ranges)]
    assert all(batch[0][1][0]["toBlock"] == hex(int(batch[0][1][0]["fromBlock"], 16) + 4)
               for batch in batches[:-1])


def test_cancel_stops_between_ranges_and_a_new_scan_resumes(session, chain, activity):  # noqa: F811
    head = chain.block_number()
    cancel = threading.Event()

    def progress(done, total):
        if done >= 15:
            cancel.set()

    fixed = RangePolicy(5, 5)
    first = scan_transfers(session, activity, ranges=fixed, find_start=False, progress=progress, cancel=cancel)
    assert first.cancelled and not first.complete and first.scanned_to == 14 and first.ranges == 3
    assert session.store.get_setting(cursor_key(session)) == {a: 14 for a in activity}
    calls: list[tuple[int, int]] = []
    rest = scan_transfers(session, activity, ranges=fixed, progress=lambda d, t: calls.append((d, t)))
    assert rest.from_block == 15 and rest.complete and not rest.cancelled
    assert calls[-1] == (head + 1 - 15, head + 1 - 15)
    assert sorted(stored(session, activity)) == sorted(on_chain(chain, activity))
    assert session.store.get_setting(cursor_key(session)) == {a: head for a in activity}


def test_a_node_limit_halves_the_range_until_it_is_accepted(session, chain, activity, monkeypatch):  # noqa: F811
    real = session.client.batch
    asked: list[int] = []

    def limited(requests):  # like a provider capping results: only 64-block ranges pass
        span = int(requests[0][1][0]["toBlock"], 16) - int(requests[0][1][0]["fromBlock"], 16) + 1
        asked.append(span)
        if span > 64:
            return [ChainError("eth_getLogs failed: query returned more than 10000 results"), None]
        return real(requests)

    monkeypatch.setattr(session.client, "batch", limited)
    head = chain.block_number()
    result = scan_transfers(session, activity, ranges=RangePolicy(1000, 1000), find_start=False)
    assert result.complete and result.scanned_to == head
    assert any(span > 64 for span in asked) and max(asked) <= 1000
    assert sorted(stored(session, activity)) == sorted(on_chain(chain, activity))

    def broken(requests):
        return [ChainError("eth_getLogs failed: internal error"), None]

    monkeypatch.setattr(session.client, "batch", broken)
    with pytest.raises(ChainError, match="internal error"):
        scan_transfers(session, activity, from_block=0)


def test_a_token_filter_scans_only_those_tokens_with_its_own_cursor(session, chain, activity, deployment):  # noqa: F811
    usdc = usdc_address(deployment)
    result = scan_transfers(session, activity, tokens=[usdc.lower()])
    expected = on_chain(chain, activity, tokens={usdc})
    assert result.found == len(expected) >= 3 and result.complete  # in, to the friend, into the swap
    assert expected <= set(stored(session, activity))
    assert session.store.get_setting(cursor_key(session, [usdc])) is not None
    assert session.store.get_setting(cursor_key(session)) is None  # other tokens: not scanned yet


def test_bad_arguments_are_refused(session):  # noqa: F811
    with pytest.raises(InvalidInput, match="no address"):
        scan_transfers(session, [])
    with pytest.raises(InvalidInput, match="not an address"):
        scan_transfers(session, ["0x1234"])
    with pytest.raises(InvalidInput, match="at least 1 block"):
        scan_transfers(session, [Account.create().address], ranges=RangePolicy(initial=0))
