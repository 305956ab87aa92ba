"""What the user approves: a transaction decoded into words, named, in units and USD, with
its simulated balance changes and the one max-fee figure.

- ``calls``: call data -> steps (pure): Universal Router, SwapRouter02, ERC-20, WETH, ERC-4626
- ``names``: who is who (the network's registry, tokens, vaults, the user's accounts)
- ``amounts``: "1,000 USDC ($1,000.00)" and the fee figure (pure, Decimal)
- ``render``: steps -> ``Action`` rows and warnings (pure)
- ``balance_changes``: simulated logs -> what leaves and arrives (pure)
- ``simulation``: eth_simulateV1 with traceTransfers on our own node
- ``summary``: ``describe_transaction`` (pure) -> ``SigningSummary``
- ``session``: ``summary_for(session, tx, ...)``: the above gathered from a session (node + SQLite)
"""

from app.tx.describe.summary import describe_transaction

__all__ = ["describe_transaction"]
