#!/usr/bin/env bash
# Set up Basketry for running and testing, idempotently: system libraries Qt needs (apt,
# only what is missing), a virtualenv in .venv with the app and its test extras, and the
# demo network's pinned npm toolchain (the app would install it on first use anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- system libraries (Debian/Ubuntu) ------------------------------------------------------
# Qt's offscreen and xcb platforms, fonts, D-Bus; gnome-keyring + dbus for the real keyring.
# libusb for hidapi/trezorlib comes with their wheels.
APT_PACKAGES=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
              libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
              libxcb-shape0 libxcb-xinerama0 fonts-dejavu-core
              gnome-keyring libsecret-tools dbus)   # the real Secret Service the tests use
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not a Debian-like system; make sure Qt 6's runtime libraries are installed"
fi

# --- Python ------------------------------------------------------------------------------------
PYTHON=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PYTHON=$candidate; break
  fi
done
[ -n "$PYTHON" ] || { echo "setup: Python >= 3.11 is required" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# pip runs only when pyproject.toml (or the interpreter) changed since the last install: a
# second start goes straight to the app (pip's no-op check alone took ~5-7 s here).
stamp=.venv/.basketry-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $(.venv/bin/python -c 'import sys; print(sys.version)')"
if [ ! -x .venv/bin/basketry ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  rm -f "$stamp"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test]'
  printf '%s' "$wanted" > "$stamp"
fi

# --- the demo network's toolchain (anvil + contracts from npm) ----------------------------
command -v npm >/dev/null 2>&1 || { echo "setup: Node.js and npm are required for the demo network" >&2; exit 1; }
.venv/bin/python - <<'PY'
import sys
from app.devnet.toolchain import ensure_installed, toolchain_dir
ensure_installed(lambda message, fraction: print("setup:", message, file=sys.stderr))
print(f"setup: demo network toolchain ready in {toolchain_dir()}", file=sys.stderr)
PY
