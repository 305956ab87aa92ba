"""The portfolio: holdings, prices, history and P&L (no Qt). Chain reads in ``reader``/``refresh``
/``history``; everything else works from SQLite alone, so it opens offline."""
