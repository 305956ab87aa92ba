"""The SQLite store on real files in tmp_path: schema, WAL, lock, backups, migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from app.errors import InstanceLocked, StoreError
from app.store import Store, latest_version, migrations
from app.store.migrations import Step

REPO = Path(__file__).resolve().parents[2]
GENESIS_A = "0x" + "aa" * 32
GENESIS_B = "0x" + "bb" * 32
TABLES = {
    "networks",
    "settings",
    "accounts",
    "tokens",
    "added_tokens",
    "prices",
    "transactions",
    "transfers",
    "previews",
    "lots",
    "vaults",
    "vault_samples",
    "balances",
    "portfolio_snapshots",
    "chain_txs",
    "ledger_events",
    "pnl_reports",
}

TRY_OPEN = """
import sys
from pathlib import Path
from app.errors import InstanceLocked
from app.store import Store
try:
    Store.open(Path(sys.argv[1])).close()
except InstanceLocked as exc:
    print(exc)
    sys.exit(3)
print("opened")
"""

HOLD_OPEN = """
import sys
from pathlib import Path
from app.store import Store
with Store.open(Path(sys.argv[1])):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection, to look at the file the way SQLite sees it."""
    return sqlite3.connect(path)


def user_version(path: Path) -> int:
    conn = raw(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


# Fake steps are added on top of the newest real one (N); the helpers below build a database
# at schema N holding one setting.
N = latest_version()


def make_v1_with_setting(home: Path) -> None:
    with Store.open(home) as store:
        store.set_setting("fiat", "USD")


def add_notes(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    db.execute("INSERT INTO notes (text) VALUES ('from step 2')")


def broken_step(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
    raise ValueError("boom")


# --- schema ------------------------------------------------------------------------------
def test_fresh_open_creates_latest_schema_in_wal(tmp_path):
    with Store.open(tmp_path) as store:
        assert set(store.db.table_names()) == TABLES
        assert store.schema_version == latest_version() >= 1
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.backup is None
    assert user_version(tmp_path / "basketry.db") == latest_version()
    assert not (tmp_path / "backups").exists()


def test_steps_are_numbered_without_gaps():
    assert [step.version for step in migrations.STEPS] == list(range(1, latest_version() + 1))
    assert migrations.STEPS[0].name == "m0001_initial"


def test_reopen_does_not_migrate_again_nor_back_up(tmp_path, monkeypatch):
    Store.open(tmp_path).close()
    calls = []
    monkeypatch.setattr(
        migrations,
        "STEPS",
        [
            Step(step.version, step.name, lambda db, step=step: calls.append(step.name))
            for step in migrations.STEPS
        ],
    )
    with Store.open(tmp_path) as store:
        assert store.backup is None
        assert store.schema_version == latest_version()
    assert calls == []
    assert not (tmp_path / "backups").exists()


def test_foreign_keys_are_enforced(tmp_path):
    with Store.open(tmp_path) as store, pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO vault_samples (chain_id, genesis_hash, vault_address, block,"
            " timestamp, share_price, total_assets) VALUES (1, ?, '0xv', 1, 1, '1', '0')",
            [GENESIS_A],
        )


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    (tmp_path / "basketry.db").write_bytes(b"not sqlite at all, " * 100)
    with pytest.raises(StoreError, match="is not a Basketry database"):
        Store.open(tmp_path)
    (tmp_path / "basketry.db").unlink()
    Store.open(tmp_path).close()  # the failed open released the lock


# --- lock --------------------------------------------------------------------------------
def test_second_open_in_the_same_process_is_refused_until_close(tmp_path):
    first = Store.open(tmp_path)
    with pytest.raises(InstanceLocked) as refused:
        Store.open(tmp_path)
    assert str(refused.value) == (
        f"Another Basketry is already using {tmp_path} (pid {os.getpid()}). "
        "Close it first, or use --home for another data directory."
    )
    first.set_setting("still", "usable")
    first.close()
    first.close()  # twice is fine
    with Store.open(tmp_path) as again:
        assert again.get_setting("still") == "usable"


def test_another_process_is_refused_while_open_and_allowed_after_close(tmp_path):
    store = Store.open(tmp_path)
    try:
        refused = run_python(TRY_OPEN, str(tmp_path))
        assert refused.returncode == 3, refused.stderr
        assert f"already using {tmp_path} (pid {os.getpid()})" in refused.stdout
    finally:
        store.close()
    allowed = run_python(TRY_OPEN, str(tmp_path))
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.strip() == "opened"


def test_this_process_is_refused_while_another_process_holds_the_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(tmp_path)],
        cwd=REPO,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
        with pytest.raises(InstanceLocked, match=rf"\(pid {holder.pid}\)"):
            Store.open(tmp_path)
    finally:
        holder.communicate("done\n", timeout=60)
    assert holder.returncode == 0
    Store.open(tmp_path).close()


# --- upgrades ----------------------------------------------------------------------------
def test_a_version_0_database_with_data_is_backed_up_before_upgrading(tmp_path):
    conn = raw(tmp_path / "basketry.db")
    conn.execute("CREATE TABLE legacy (note TEXT)")
    conn.execute("INSERT INTO legacy VALUES ('keep me')")
    conn.commit()
    conn.close()

    with Store.open(tmp_path) as store:
        assert store.schema_version == latest_version()
        assert store.backup is not None
        assert re.fullmatch(r"basketry\.db\.v0-\d{8}T\d{6}Z\.bak", store.backup.name)
        assert store.backup.parent == tmp_path / "backups"
        backup = store.backup

    old = raw(backup)
    assert old.execute("SELECT note FROM legacy").fetchall() == [("keep me",)]
    assert old.execute("PRAGMA user_version").fetchone()[0] == 0
    assert old.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert "networks" not in {r[0] for r in old.execute("SELECT name FROM sqlite_master")}
    old.close()
    assert list((tmp_path / "backups").iterdir()) == [backup]


def test_a_new_step_backs_up_the_old_version_first(tmp_path, monkeypatch):
    make_v1_with_setting(tmp_path)
    monkeypatch.setattr(
        migrations, "STEPS", [*migrations.STEPS, Step(N + 1, f"m{N + 1:04d}_notes", add_notes)]
    )

    with Store.open(tmp_path) as store:
        assert store.schema_version == N + 1
        assert store.db.execute("SELECT text FROM notes").fetchall() == [("from step 2",)]
        backup = store.backup
    assert backup is not None and backup.name.startswith(f"basketry.db.v{N}-")
    old = raw(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == N
    assert old.execute("SELECT value FROM settings WHERE key = 'fiat'").fetchone() == ('"USD"',)
    assert "notes" not in {r[0] for r in old.execute("SELECT name FROM sqlite_master")}
    old.close()


def test_a_failing_step_restores_the_file_and_names_the_step(tmp_path, monkeypatch):
    make_v1_with_setting(tmp_path)
    good = list(migrations.STEPS)
    monkeypatch.setattr(
        migrations,
        "STEPS",
        [
            *good,
            Step(N + 1, f"m{N + 1:04d}_notes", add_notes),
            Step(N + 2, "m9999_broken", broken_step),
        ],
    )

    with pytest.raises(StoreError) as failed:
        Store.open(tmp_path)
    message = str(failed.value)
    assert f"schema {N + 2}" in message and "m9999_broken" in message and "boom" in message
    assert "restored from" in message

    db_file = tmp_path / "basketry.db"
    assert user_version(db_file) == N
    conn = raw(db_file)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "notes" not in names and "half_done" not in names  # step 2 was undone too
    assert conn.execute("SELECT value FROM settings").fetchall() == [('"USD"',)]
    conn.close()

    monkeypatch.setattr(migrations, "STEPS", good)
    with Store.open(tmp_path) as store:  # lock released, file usable
        assert store.schema_version == N
        assert store.get_setting("fiat") == "USD"


def test_a_database_from_a_newer_app_is_refused_untouched(tmp_path):
    make_v1_with_setting(tmp_path)
    newer = latest_version() + 5
    conn = raw(tmp_path / "basketry.db")
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.commit()
    conn.close()

    with pytest.raises(StoreError) as refused:
        Store.open(tmp_path)
    assert str(refused.value) == (
        f"This data directory was written by a newer Basketry (schema {newer}; "
        f"this app knows up to {latest_version()})."
    )
    assert user_version(tmp_path / "basketry.db") == newer
    assert not (tmp_path / "backups").exists()
    with pytest.raises(StoreError, match="newer Basketry"):  # refused again, not InstanceLocked
        Store.open(tmp_path)


# --- helpers -----------------------------------------------------------------------------
def test_settings_round_trip_as_json(tmp_path):
    values = {
        "fiat": "USD",
        "slippage_bps": 50,
        "max_fee": "12.5",
        "rpc": ["a", "b"],
        "flags": {"demo": True},
        "nothing": None,
    }
    with Store.open(tmp_path) as store:
        assert store.get_setting("missing") is None
        assert store.get_setting("missing", "fallback") == "fallback"
        for key, value in values.items():
            store.set_setting(key, value)
        store.set_setting("fiat", "EUR")
    with Store.open(tmp_path) as store:
        assert {key: store.get_setting(key, "unset") for key in values} == {**values, "fiat": "EUR"}
        with pytest.raises(TypeError):
            store.set_setting("bad", object())


def test_record_network_keeps_first_seen_and_known_genesis_is_the_latest(tmp_path):
    with Store.open(tmp_path) as store:
        assert store.known_genesis(31337, "devnet") is None
        store.record_network(31337, GENESIS_A, "devnet", now=100)
        store.record_network(31337, GENESIS_A, "devnet", now=200)
        assert store.db.execute(
            "SELECT first_seen, last_seen FROM networks WHERE genesis_hash = ?", [GENESIS_A]
        ).fetchone() == (100, 200)
        assert store.known_genesis(31337, "devnet") == GENESIS_A

        store.record_network(31337, GENESIS_B, "devnet", now=300)  # the devnet was reset
        assert store.known_genesis(31337, "devnet") == GENESIS_B
        store.record_network(31337, GENESIS_A, "devnet", now=400)  # and the old one came back
        assert store.known_genesis(31337, "devnet") == GENESIS_A
        assert store.known_genesis(1, "devnet") is None
        assert store.known_genesis(31337, "mainnet") is None


def test_rows_are_keyed_by_chain_id_and_genesis_hash(tmp_path):
    token = {"chain_id": 31337, "address": "0x" + "11" * 20, "symbol": "USDC", "decimals": 6}
    with Store.open(tmp_path) as store:
        store.record_network(31337, GENESIS_A, "devnet", now=1)
        store.record_network(31337, GENESIS_B, "devnet", now=2)
        assert store.db.table("networks").count == 2

        tokens = store.db.table("tokens")
        tokens.insert({**token, "genesis_hash": GENESIS_A})
        tokens.insert({**token, "genesis_hash": GENESIS_B, "symbol": "USDC.e"})
        assert sorted(row["symbol"] for row in tokens.rows) == ["USDC", "USDC.e"]
        with pytest.raises(sqlite3.IntegrityError):
            tokens.insert({**token, "genesis_hash": GENESIS_A})

        transfer = {
            "chain_id": 31337,
            "tx_hash": "0x" + "22" * 32,
            "log_index": 0,
            "token_address": token["address"],
            "from_address": "0x1",
            "to_address": "0x2",
            "amount": "1000000",
            "block": 5,
        }
        transfers = store.db.table("transfers")
        transfers.insert({**transfer, "genesis_hash": GENESIS_A})
        transfers.insert({**transfer, "genesis_hash": GENESIS_B})
        with pytest.raises(sqlite3.IntegrityError):
            transfers.insert({**transfer, "genesis_hash": GENESIS_B})
        assert transfers.count == 2
