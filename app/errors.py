"""The app's own error tree. One place (the CLI's main, the GUI's error presenter) decides
how an error is shown; code that raises only says what went wrong, in words a user can act on.

- ``BasketryError``: anything the user should read. Its ``str()`` is the message shown.
- ``UserCancelled``: the user said no. Shown nowhere.
"""


class BasketryError(Exception):
    """An error whose message is meant for the user (one line, no traceback)."""


class UserCancelled(Exception):
    """The user cancelled; stay silent."""


class InvalidInput(BasketryError):
    """Bad input from the user: nothing was sent, nothing changed."""


# --- chain ---------------------------------------------------------------------------------
class ChainError(BasketryError):
    """Talking to the chain failed."""


class ChainUnavailable(ChainError):
    """The RPC endpoint cannot be reached (down, refused, timed out)."""


class ChainMismatch(ChainError):
    """The RPC serves another chain than the one configured (chain id or genesis differ)."""


class PrivateSubmissionFailed(ChainError):
    """The private submission RPC (Settings) did not take a signed transaction; it was not sent
    to the public mempool either (app.tx.submission)."""


class PrivateSubmissionUnreachable(PrivateSubmissionFailed):
    """It could not be reached (down, refused, timed out): the transaction stays signed."""


class ContractReverted(ChainError):
    """A call or simulation reverted; ``reason`` is the decoded revert reason when known."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


# --- store ---------------------------------------------------------------------------------
class StoreError(BasketryError):
    """The SQLite store cannot be opened or upgraded."""


class InstanceLocked(StoreError):
    """Another Basketry instance is using the same data directory."""


# --- devnet --------------------------------------------------------------------------------
class DevnetError(BasketryError):
    """The demo network could not be installed, started or deployed."""
