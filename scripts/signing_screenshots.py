"""Screenshots of the signing dialogs and the CLI's JSON of their summaries, from real runs.

    .venv/bin/python scripts/signing_screenshots.py OUTDIR [JSONDIR]

Starts a fresh demo network and a private keyring (Secret Service) in a temporary directory,
runs the CLI as a user would (``wallet demo``; ``index buy`` with ETH and with USDC; ``vault
deposit`` and ``vault withdraw``, each ``--yes --json``), keeps every ``signing_summaries``
entry as JSON in JSONDIR (default OUTDIR), and renders each summary in the GUI's SigningDialog
offscreen to OUTDIR/<name>.png (plus the index buy with "Show exact amounts" on). Stops
everything it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "correct horse battery"
RUNS = [  # (CLI arguments, names of the summaries it asks to sign, in order)
    (["index", "buy", "Top 10", "--amount", "1", "--pay", "ETH"], ["index_buy_eth"]),
    (["index", "buy", "Top 10", "--amount", "500", "--pay", "USDC"], ["usdc_buy_approve", "usdc_buy_swap"]),
    (["vault", "deposit", "dvUSDC", "--amount", "1000"], ["vault_approve", "vault_deposit"]),
    (["vault", "withdraw", "dvUSDC", "--amount", "250"], ["vault_withdraw"]),
]


def main(out_dir: Path, json_dir: Path) -> None:
    from app.devnet.manager import Devnet
    from tests.conftest import free_port
    from tests.support.secret_service import SECRET_SERVICE_BACKEND, start_secret_service

    out_dir.mkdir(parents=True, exist_ok=True)
    json_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="basketry-screens-") as tmp:
        home = Path(tmp) / "home"
        devnet = Devnet(home)
        devnet.start(block_time=None, port=free_port())
        keyring = start_secret_service(Path(tmp), unlocked=True)
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": keyring.bus_address,
               "PYTHON_KEYRING_BACKEND": SECRET_SERVICE_BACKEND}
        try:
            def cli(*args: str) -> dict:
                result = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(home), "--json", *args],
                                        input=PASSWORD + "\n", capture_output=True, text=True, timeout=300,
                                        env=env, cwd=ROOT)
                if result.returncode != 0:
                    raise SystemExit(f"basketry {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
                return json.loads(result.stdout)

            cli("wallet", "demo", "--password-stdin")
            summaries: dict[str, dict] = {}
            for args, names in RUNS:
                output = cli(*args, "--yes", "--password-stdin")
                got = output["signing_summaries"]
                if len(got) != len(names):
                    raise SystemExit(f"basketry {' '.join(args)} asked to sign {len(got)} times, expected {len(names)}")
                summaries.update(zip(names, got, strict=True))
        finally:
            keyring.stop()
            devnet.stop()
    for name, summary in summaries.items():
        (json_dir / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    render(summaries, out_dir)
    print(json.dumps({"screenshots": sorted(str(p) for p in out_dir.glob("*.png")),
                      "summaries": sorted(str(p) for p in json_dir.glob("*.json"))}, indent=2))


def render(summaries: dict[str, dict], out_dir: Path) -> None:
    from views.dialogs.signing_dialog import save_screenshot
    from wallet.prompts import SigningSummary

    for name, raw in summaries.items():
        for exact in (False, True) if name == "index_buy_eth" else (False,):
            save_screenshot(SigningSummary.from_json(raw), str(out_dir / f"{name}{'_exact' if exact else ''}.png"), exact)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) == 3 else sys.argv[1]))
