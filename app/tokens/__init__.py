"""The token universe of a network: the bundled Uniswap default list (``tokenlist``, made by
``generate``), the tokens a person added by address (``added``), and how a symbol or an address
picks one of them (``universe``)."""
