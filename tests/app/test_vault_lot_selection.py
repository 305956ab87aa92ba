"""Which vault-share lots a withdrawal takes, per cost-basis method (pure)."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.vaults.lot_selection import take_lots

# id, quantity, remaining, cost_asset: 100 shares for 100, then 100 for 150 (dearer), then 50 for 60
LOTS = [(1, 100, 100, 100), (2, 100, 100, 150), (3, 50, 50, 60)]


@pytest.mark.parametrize("method, taken, cost", [
    ("fifo", [(1, 100), (2, 20)], 100 + 30),
    ("lifo", [(3, 50), (2, 70)], 60 + 105),
    ("hifo", [(2, 100), (3, 20)], 150 + 24),
])
def test_each_method_takes_its_lots(method, taken, cost):
    assert take_lots(LOTS, 120, method) == (taken, cost)


def test_average_takes_in_proportion_at_the_average_cost():
    taken, cost = take_lots(LOTS, 125, "average")
    assert sum(t for _i, t in taken) == 125 and dict(taken) == {1: 50, 2: 50, 3: 25}
    assert cost == 310 * 125 // 250  # the position's average cost per share
    left = [(i, q, r - dict(taken)[i], c) for i, q, r, c in LOTS]
    assert take_lots(left, 125, "average")[1] == 155  # what is left keeps the average


def test_partly_consumed_lots_cost_their_remaining_share():
    lots = [(1, 100, 40, 100), (2, 100, 100, 150)]
    assert take_lots(lots, 50, "fifo") == ([(1, 40), (2, 10)], 40 + 15)
    assert take_lots(lots, 50, "average") == ([(1, 15), (2, 35)], (40 + 150) * 50 // 140)


def test_more_shares_than_lots_and_unknown_method():
    assert take_lots(LOTS, 1_000, "fifo")[1] == 310
    assert take_lots([], 10, "lifo") == ([], 0)
    with pytest.raises(InvalidInput, match="unknown cost-basis method"):
        take_lots(LOTS, 1, "newest")
