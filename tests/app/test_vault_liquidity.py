"""How much of a vault position can be withdrawn now (pure): the figures, the words, and the
refusal of "withdraw all" while the vault limits withdrawals. The on-chain read of maxWithdraw
and maxRedeem is tested on the devnet in test_vaults.py; the demo vaults (OpenZeppelin ERC-4626)
always pay out the whole position, so a limited vault exists only at this level."""

from __future__ import annotations

from app.vaults.liquidity import UNLIMITED, refuse_all_text, withdrawable

SHARE = 10**18           # the vault's share unit (18 decimals)
PRICE = 1_100_000        # 1.1 USDC (6 decimals) per share


def test_a_vault_that_pays_out_everything_is_not_limited():
    free = withdrawable(1000 * SHARE, PRICE, 18, 1_100_000_000, 1000 * SHARE, 6, "USDC")
    assert free.value == 1_100_000_000 and free.assets_now == free.value and not free.limited
    assert free.text() == "1100 USDC available now of 1100 USDC"
    assert free.as_json() == {"withdrawable_now": "1100", "withdraw_limited": False}
    # "no limit" (type(uint256).max) caps nothing
    assert not withdrawable(1000 * SHARE, PRICE, 18, UNLIMITED, UNLIMITED, 6, "USDC").limited


def test_a_withdrawal_queue_limits_what_can_be_withdrawn_now():
    # maxWithdraw 120.5 USDC of a 1,100 USDC position; maxRedeem the shares that buys
    free = withdrawable(1000 * SHARE, PRICE, 18, 120_500_000, 109 * SHARE, 6, "USDC")
    assert free.limited and free.assets_now == 120_500_000 and free.shares_now == 109 * SHARE
    assert free.text() == "120.5 USDC available now of 1100 USDC"
    assert free.as_json() == {"withdrawable_now": "120.5", "withdraw_limited": True}
    refusal = refuse_all_text(free, "Steakhouse USDC")
    assert refusal.startswith("only 120.5 USDC available now of 1100 USDC in Steakhouse USDC")
    assert "--available-now" in refusal and "--amount" in refusal


def test_max_redeem_alone_or_max_withdraw_alone_is_enough_to_limit():
    assert withdrawable(1000 * SHARE, PRICE, 18, UNLIMITED, 10 * SHARE, 6, "USDC").limited
    # a vault that does not answer maxRedeem: the shares follow maxWithdraw, rounded down
    free = withdrawable(1000 * SHARE, PRICE, 18, 550_000_000, None, 6, "USDC")
    assert free.limited and free.shares_now == 500 * SHARE
    nothing = withdrawable(1000 * SHARE, PRICE, 18, 0, 0, 6, "USDC")
    assert nothing.limited and nothing.text() == "0 USDC available now of 1100 USDC"
