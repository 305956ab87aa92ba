"""Emitting signals many times must not crash the interpreter.

PySide6 6.12.0 on Python 3.11 leaks a reference to True on every emit and aborts
(bool_dealloc) after a few thousand; pyproject pins below 6.12. This catches a regression."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_many_emits_and_disconnects_do_not_exhaust_true():
    script = textwrap.dedent("""
        from PySide6.QtCore import QObject, Signal

        class S(QObject):
            ping = Signal(object)

        def slot(value):
            pass

        s = S()
        for i in range(20_000):
            s.ping.emit(i)
            s.ping.connect(slot)
            s.ping.disconnect(slot)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
