"""The journey of a transaction: build, simulate, sign, journal, broadcast, receipt."""
