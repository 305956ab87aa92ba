"""The demo network: a real anvil chain with the real Uniswap, WETH9, Multicall3 and
OpenZeppelin contracts, installed from their pinned npm packages on first use."""
