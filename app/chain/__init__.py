"""Chain access: the web3 wrapper, batched reads through Multicall3, and status probes."""
