"""ERC-4626 vaults: reading and checking them, share-price samples and trailing APY,
previews, deposits and withdrawals, positions with their yield."""
