"""The demo network: a real anvil chain with the real Uniswap, WETH9, Multicall3 and
OpenZeppelin contracts, installed from their pinned npm packages on first use."""

# While the app is open the demo chain mines an empty block every 12 s, so chain time (and
# vault yield) moves like a real chain's; transactions are still mined at once. (Here, not in
# manager.py, so the CLI's parser reads it without loading the node code.)
DEFAULT_BLOCK_TIME = 12
