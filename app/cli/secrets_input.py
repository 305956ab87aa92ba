"""Where the CLI reads secrets from: stdin (flags), the environment, or a terminal prompt.
Never from an argument (it would land in shell history and `ps`)."""

from __future__ import annotations

import getpass
import os
import sys

from app.errors import InvalidInput

PASSWORD_ENV = "BASKETRY_PASSWORD"


class StdinLines:
    """stdin read once, handed out a line at a time (secret first, then the password)."""

    def __init__(self) -> None:
        self._lines: list[str] | None = None

    def next(self, what: str) -> str:
        if self._lines is None:
            self._lines = sys.stdin.read().splitlines()
        if not self._lines:
            raise InvalidInput(f"expected the {what} on standard input")
        return self._lines.pop(0).strip()


def read_password(use_stdin: bool, stdin: StdinLines, what: str = "password") -> str:
    if use_stdin:
        return stdin.next(what)
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin.isatty():
        return getpass.getpass(f"{what.capitalize()}: ")
    raise InvalidInput(f"a {what} is needed: pass --password-stdin or set ${PASSWORD_ENV}")
