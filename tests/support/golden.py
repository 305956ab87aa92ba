"""The real-firmware golden data the hardware test devices are checked against: in
``../shared/hw-golden`` beside the team's clones, absent from a user's clone. Without it the
tests that need it skip, saying why; with ``BASKETRY_REQUIRE_GOLDEN=1`` (set by .ci/run) its
absence is a failure, so CI never skips them silently."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "hw-golden"
REQUIRE_ENV = "BASKETRY_REQUIRE_GOLDEN"


def golden_path(relative: str) -> Path | None:
    """The file or folder, or None when it is absent here (a failure when it is required)."""
    path = GOLDEN_DIR / relative
    if path.exists():
        return path
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{missing_reason(relative)}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    return None


def missing_reason(relative: str) -> str:
    return (f"the hardware wallets' golden data {GOLDEN_DIR / relative} is not here "
            "(it lives in ../shared/hw-golden beside the team's clones)")


def require_golden(relative: str) -> Path:
    """For use inside a test or fixture: the path, else skip (or fail when required)."""
    path = golden_path(relative)
    if path is None:
        pytest.skip(missing_reason(relative))
    return path
