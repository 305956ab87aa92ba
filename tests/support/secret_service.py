"""Fixtures for every test that needs keys: a REAL Secret Service (gnome-keyring-daemon) on a private
D-Bus session bus, unlocked or locked, and fast keystores.

Each daemon pair starts once per session (~70 ms) and is killed at the end; every test that
uses one gets its own keyring service name and its own environment (monkeypatched), so
tests cannot see each other's items or leak the bus address.

The bus runs from its own config file, without the system's service directories: nothing is
auto-activated, so the keyring daemon answering is always the one started here (a locked one
cannot be replaced by an activated one, and an unlocked one cannot lose a race to one).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wallet.keys import keystore
from wallet.keys.keyring_vault import KeyringVault

SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
KEYRING_PASSWORD = "basketry-test-login"
FAST_SCRYPT_N = 2**10    # tests only; real keystores use keystore.SCRYPT_N (2**18)

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class SecretServiceDaemon:
    bus_address: str
    bus_pid: int
    keyring: subprocess.Popen
    home: Path

    def stop(self) -> None:
        if self.keyring.poll() is None:
            self.keyring.terminate()
            try:
                self.keyring.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.keyring.kill()
                self.keyring.wait()
        try:
            os.kill(self.bus_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@dataclass
class SecretServiceSession:
    """What a test sees: the bus (already in its environment) and a keyring service name."""

    bus_address: str
    service: str

    def vault(self) -> KeyringVault:
        return KeyringVault(service=self.service)

    def secret_tool(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus_address)
        return subprocess.run(["secret-tool", *args], env=env, input=stdin, capture_output=True,
                              text=True, timeout=10)

    def search(self) -> str:
        """``secret-tool search --all --unlock service SERVICE``: labels, attributes, secrets."""
        result = self.secret_tool("search", "--all", "--unlock", "service", self.service)
        return result.stdout + result.stderr


def start_secret_service(base: Path, unlocked: bool) -> SecretServiceDaemon:
    missing = [tool for tool in ("dbus-daemon", "gnome-keyring-daemon", "secret-tool") if not shutil.which(tool)]
    if missing:  # scripts/setup.sh installs them: a missing one is a broken setup, not a skip
        pytest.fail(f"{', '.join(missing)} not installed: apt-get install -y --no-install-recommends "
                    "gnome-keyring libsecret-tools dbus (scripts/setup.sh does)")
    home = base / ("unlocked" if unlocked else "locked")
    (home / "run").mkdir(parents=True, mode=0o700)
    config = home / "bus.conf"
    config.write_text(BUS_CONFIG.format(dir=home / "run"))
    out = subprocess.run(["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1",
                          "--print-pid=1"], capture_output=True, text=True, check=True, timeout=10)
    bus_address, bus_pid = out.stdout.split()[0], int(out.stdout.split()[1])
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "DBUS_SESSION_BUS_ADDRESS": bus_address,
    }
    args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
    keyring_proc = subprocess.Popen(args + (["--unlock"] if unlocked else []), env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
    daemon = SecretServiceDaemon(bus_address, bus_pid, keyring_proc, home)
    try:
        if unlocked:
            keyring_proc.stdin.write(KEYRING_PASSWORD.encode())
        keyring_proc.stdin.close()
        _wait_for_name(bus_address, "org.freedesktop.secrets", keyring_proc)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def _wait_for_name(bus_address: str, name: str, proc: subprocess.Popen, timeout: float = 10.0) -> None:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                      interface="org.freedesktop.DBus")
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=bus_address) as connection:
        while time.monotonic() < deadline:
            reply = connection.send_and_get_reply(new_method_call(bus, "NameHasOwner", "s", (name,)))
            if reply.body[0]:
                return
            if proc.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited with {proc.returncode}")
            time.sleep(0.005)
    raise RuntimeError(f"{name} did not appear on the test bus within {timeout} s")


@pytest.fixture(scope="session")
def _unlocked_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretServiceDaemon]:
    daemon = start_secret_service(tmp_path_factory.mktemp("keyring"), unlocked=True)
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def _locked_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretServiceDaemon]:
    daemon = start_secret_service(tmp_path_factory.mktemp("keyring"), unlocked=False)
    yield daemon
    daemon.stop()


def _session(daemon: SecretServiceDaemon, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceSession]:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.bus_address)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE_BACKEND)
    session = SecretServiceSession(daemon.bus_address, f"basketry-test-{uuid.uuid4().hex[:12]}")
    yield session
    session.secret_tool("clear", "service", session.service)


@pytest.fixture
def secret_service(_unlocked_daemon: SecretServiceDaemon,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceSession]:
    """A real, unlocked Secret Service for this test (env set; a fresh service name)."""
    yield from _session(_unlocked_daemon, monkeypatch)


@pytest.fixture
def locked_secret_service(_locked_daemon: SecretServiceDaemon,
                          monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceSession]:
    """A real Secret Service started without --unlock: its first use fails "Prompt dismissed"."""
    yield from _session(_locked_daemon, monkeypatch)


@pytest.fixture
def no_dbus(monkeypatch: pytest.MonkeyPatch) -> None:
    """No session bus at all, Secret Service selected."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SECRET_SERVICE_BACKEND)


@pytest.fixture
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> int:
    """Keystores written with a small scrypt work factor (the format is unchanged)."""
    monkeypatch.setattr(keystore, "SCRYPT_N", FAST_SCRYPT_N)
    return FAST_SCRYPT_N
