"""The cost-basis method in use: the ``portfolio.cost_basis_method`` setting, saved by the
Portfolio page's choice and read by `pnl` and `vault withdraw` when no ``--method`` is given.
Light on purpose (no chain code): the CLI's handlers and the GUI read it at once."""

from __future__ import annotations

from app.accounting import DEFAULT_METHOD, METHODS
from app.errors import InvalidInput

COST_BASIS_SETTING = "portfolio.cost_basis_method"


def saved_method(store) -> str:
    """The saved method; DEFAULT_METHOD if none was saved (or the saved one is no longer known)."""
    method = store.get_setting(COST_BASIS_SETTING)
    return method if method in METHODS else DEFAULT_METHOD


def save_method(store, method: str) -> None:
    """Raises InvalidInput for anything but one of METHODS."""
    if method not in METHODS:
        raise InvalidInput(f"unknown cost-basis method {method!r}; one of {', '.join(sorted(METHODS))}")
    store.set_setting(COST_BASIS_SETTING, method)


def method_or_saved(store, method: str | None) -> str:
    """``--method`` when given, else the saved one."""
    return saved_method(store) if method is None else method
