"""Index (basket) buys: definitions and target weights, market data, quotes, routes, previews."""
