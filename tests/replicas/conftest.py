"""The replica fixtures (tests/support/replicas.py)."""

from tests.support.replicas import base, ethereum, replica_home, replicas  # noqa: F401
