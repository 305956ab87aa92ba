"""Start-up benchmark (prints JSON): how long each way into Basketry takes in a fresh
interpreter, against the floor of ``python -c pass``, and which of the heavy libraries
(web3, eth-account, eth-utils, eth-abi, PySide6) each one loaded.

    .venv/bin/python bench/startup.py [--runs 7] [--events 500] [--home DIR] [--no-pyc-cache]

Set-up, in a temporary data directory (or ``--home``: a new directory, or one an earlier run
made, which is replaced): a store as the app writes it for the demo chain, made by
bench/portfolio.py's ``LedgerWriter`` with ``--events`` ledger events (3 watch accounts, the
demo network's genesis, 34 assets, prices, snapshots, balances).

Items, each run in a new process, ``--runs`` times, interleaved (round r runs every item once,
in this order, so a slow moment of the machine hits all of them alike):

- ``floor``: ``python -c pass``;
- ``version``, ``help``: ``basketry --version``, ``basketry --help``;
- ``portfolio_offline``, ``pnl_offline``: ``basketry --home H --json portfolio --offline`` and
  ``... pnl --offline``; every run must exit 0 with a JSON document that is no error;
- ``import_cli``: ``python -c "import app.cli.main"``;
- ``gui_first_paint``: ``basketry --home H --offline`` with Qt offscreen, in a small
  ``python -c`` child that runs ``app.cli.main.main(["--home", H, "--offline"])`` (the code path
  of ``basketry --offline``: run_gui, the launcher, the main window and its pages) with one
  addition, an event filter on run_gui's QApplication: at the main window's first paint event
  it prints the time and quits the app. Reported: from the spawn of the process to that paint
  (both sides read CLOCK_MONOTONIC), and the whole process (quit, workers joined, store closed).

``basketry`` is the console script next to this interpreter (``python -m app.cli.main`` if
there is none). Times are wall-clock, from spawn to exit (to the paint for the GUI).

Loaded libraries: every item runs once more, untimed, in a process that writes the heavy
modules present in ``sys.modules`` at exit (an atexit hook: no ``-X importtime``, which slows
imports); the GUI's are taken in its timed runs, at the first paint and at exit.

Bytecode: by default the children get ``PYTHONPYCACHEPREFIX`` in the scratch directory (and no
``PYTHONDONTWRITEBYTECODE``) and one untimed warm-up round runs first, so the timed runs read
cached bytecode, as an installed app does. ``--no-pyc-cache`` keeps the environment as it is
(with ``PYTHONDONTWRITEBYTECODE`` set, every run compiles the app's sources again).

Targets are reported as booleans, never asserted, against the max of the runs (and, for
information, the median): ``basketry --version`` and ``basketry portfolio --offline`` under
0.3 s, the offline GUI's first paint under 0.5 s; and that the offline commands load none of
web3/eth-account/eth-utils/eth-abi and the window paints without web3/eth-account.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from portfolio import LedgerWriter  # noqa: E402 (bench/portfolio.py: the same store set-up)

from app.store import Store  # noqa: E402

RUNS = 7
EVENTS = 500
SEED = 6
MARKER = "bench-startup.home"
WATCHED = ("web3", "eth_account", "eth_utils", "eth_abi", "PySide6")
ALSO_WATCHED = ("eth_keyfile", "keyring", "trezorlib", "hid", "sqlite_utils")
CHAIN_LIBRARIES = ("web3", "eth_account", "eth_utils", "eth_abi")
TARGET_VERSION_S = 0.3
TARGET_PORTFOLIO_S = 0.3
TARGET_GUI_PAINT_S = 0.5
TIMEOUT_S = 120

# The GUI child: `basketry --offline` itself, imported in the order the console script imports it
# (app.cli.main, then views.app when main() opens the GUI); the one addition is an event filter,
# installed on run_gui's QApplication as the launcher begins, that notes the main window's first
# paint, prints the time and quits.
PAINT_CHILD = """
import json, sys, time
from app.cli.main import main
import views.app
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
WATCHED = {watched!r}
class FirstPaint(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if not self.seen and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            self.seen = True
            at = time.clock_gettime(time.CLOCK_MONOTONIC)
            loaded = sorted(m for m in WATCHED if m in sys.modules)
            print(json.dumps({{"paint": at, "window": type(obj).__qualname__, "loaded": loaded}}), flush=True)
            QTimer.singleShot(0, QApplication.instance().quit)
        return False
watcher = FirstPaint()
begin = views.app.Launcher.begin
def watched_begin(self):
    QApplication.instance().installEventFilter(watcher)
    begin(self)
views.app.Launcher.begin = watched_begin
code = main(["--home", sys.argv[1], "--offline"])
print(json.dumps({{"exit": code, "loaded": sorted(m for m in WATCHED if m in sys.modules)}}), flush=True)
sys.exit(code)
"""

# The probe of loaded modules: the item's own code, with an atexit hook that writes them.
PROBE = """
import atexit, json, sys
def _report():
    with open({out!r}, "w") as f:
        json.dump(sorted(m for m in {watched!r} if m in sys.modules), f)
atexit.register(_report)
{code}
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs per item (each a new process)")
    parser.add_argument("--events", type=int, default=EVENTS, help="ledger events in the scratch store")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--home", type=Path, help="data directory to build the store in (replaced)")
    parser.add_argument("--no-pyc-cache", action="store_true",
                        help="leave the bytecode settings of the environment as they are")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    began, load_before = time.perf_counter(), os.getloadavg()
    if args.home is None:
        with tempfile.TemporaryDirectory(prefix="basketry-startup-") as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            result = run(home, Path(tmp), args)
    else:
        if args.home.exists() and any(args.home.iterdir()):
            if not (args.home / MARKER).exists():
                parser.error(f"{args.home} is not empty and not a benchmark home: give a new directory")
            shutil.rmtree(args.home)
        args.home.mkdir(parents=True, exist_ok=True)
        (args.home / MARKER).write_text("made by bench/startup.py; replaced by its next run\n")
        with tempfile.TemporaryDirectory(prefix="basketry-startup-") as tmp:
            result = run(args.home, Path(tmp), args)
    result["environment"]["load_average_1_5_15"] = {"before": [round(x, 2) for x in load_before],
                                                     "after": [round(x, 2) for x in os.getloadavg()]}
    result["total_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


def run(home: Path, scratch: Path, args) -> dict[str, Any]:
    started = time.perf_counter()
    with Store.open(home) as store:
        setup = LedgerWriter(store, random.Random(args.seed)).build(args.events)
    setup = {k: setup[k] for k in ("events", "accounts", "assets", "positions", "snapshots")}
    setup["seconds"] = round(time.perf_counter() - started, 2)

    env = dict(os.environ)
    if not args.no_pyc_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    items = make_items(home, env)

    for item in items.values():  # warm-up: bytecode compiled and cached, the OS file cache warm
        item.run()
    for _ in range(args.runs):
        for item in items.values():
            item.times.append(item.run())
    for item in items.values():
        item.probe(scratch)
    return report(args, setup, items, basketry_command(), home)


# --- the items -----------------------------------------------------------------------------------
def basketry_command() -> list[str]:
    script = Path(sys.executable).with_name("basketry")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli.main"]


class Item:
    """One way into the app: a command line, how its output is checked, how it is probed."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], *, probe_code: str | None,
                 check=None):
        self.name, self.argv, self.env = name, argv, env
        self.probe_code, self.check = probe_code, check
        self.times: list[float] = []
        self.loaded: list[str] | None = None

    def run(self) -> float:
        began = time.perf_counter()
        done = subprocess.run(self.argv, capture_output=True, text=True, env=self.env, cwd=ROOT,
                              timeout=TIMEOUT_S)
        elapsed = time.perf_counter() - began
        if done.returncode != 0:
            raise RuntimeError(f"{self.name} exited {done.returncode}:\n{done.stderr[-3000:]}")
        if self.check is not None:
            self.check(done.stdout)
        return elapsed

    def probe(self, scratch: Path) -> None:
        out = scratch / f"loaded-{self.name}.json"
        code = PROBE.format(out=str(out), watched=WATCHED + ALSO_WATCHED, code=self.probe_code)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=self.env,
                              cwd=ROOT, timeout=TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"probing {self.name} failed:\n{done.stderr[-3000:]}")
        self.loaded = json.loads(out.read_text())

    def stats(self, floor: float | None) -> dict[str, Any]:
        result = {"command": " ".join(self.display_argv()), **_stats(self.times)}
        if floor:
            result["median_over_floor"] = round(result["median_s"] / floor, 1)
        if self.loaded is not None:
            result["loaded"] = _loaded(self.loaded)
        return result

    def display_argv(self) -> list[str]:
        return [Path(self.argv[0]).name, *self.argv[1:]]


class PaintItem(Item):
    """The offline GUI: timed from spawn to the main window's first paint."""

    def __init__(self, home: Path, env: dict[str, str]):
        code = PAINT_CHILD.format(watched=WATCHED + ALSO_WATCHED)
        super().__init__("gui_first_paint", [sys.executable, "-c", code, str(home)],
                         {**env, "QT_QPA_PLATFORM": "offscreen"}, probe_code=None)
        self.process_times: list[float] = []
        self.loaded_at_paint: list[str] | None = None

    def run(self) -> float:
        began = time.clock_gettime(time.CLOCK_MONOTONIC)
        done = subprocess.run(self.argv, capture_output=True, text=True, env=self.env, cwd=ROOT,
                              timeout=TIMEOUT_S)
        ended = time.clock_gettime(time.CLOCK_MONOTONIC)
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        paint = next((line for line in lines if "paint" in line), None)
        finish = next((line for line in lines if "exit" in line), None)
        if done.returncode != 0 or paint is None or finish is None or finish["exit"] != 0:
            raise RuntimeError(f"the offline GUI did not paint and exit cleanly (exit {done.returncode}):\n"
                               f"{done.stdout[-1000:]}\n{done.stderr[-3000:]}")
        self.process_times.append(ended - began)
        self.loaded_at_paint, self.loaded = paint["loaded"], finish["loaded"]
        return paint["paint"] - began

    def probe(self, scratch: Path) -> None:
        pass  # the timed runs report what was loaded

    def stats(self, floor: float | None) -> dict[str, Any]:
        result = super().stats(floor)
        result["command"] = "basketry --home H --offline (QT_QPA_PLATFORM=offscreen), to the first paint"
        result["process_total_s"] = _stats(self.process_times[-len(self.times):])
        result["loaded_at_first_paint"] = _loaded(self.loaded_at_paint or [])
        result["loaded"] = _loaded(self.loaded or [])
        return result


def make_items(home: Path, env: dict[str, str]) -> dict[str, Item]:
    basketry = basketry_command()
    python = [sys.executable]

    def cli(*args: str) -> str:  # what the console script runs
        return f"sys.argv = ['basketry', *{list(args)!r}]\nfrom app.cli.main import main\nsys.exit(main())"

    portfolio_args = ("--home", str(home), "--json", "portfolio", "--offline")
    pnl_args = ("--home", str(home), "--json", "pnl", "--offline")
    items = [
        Item("floor", [*python, "-c", "pass"], env, probe_code="pass"),
        Item("version", [*basketry, "--version"], env, probe_code=cli("--version")),
        Item("help", [*basketry, "--help"], env, probe_code=cli("--help")),
        Item("portfolio_offline", [*basketry, *portfolio_args], env, probe_code=cli(*portfolio_args),
             check=_check_portfolio),
        Item("pnl_offline", [*basketry, *pnl_args], env, probe_code=cli(*pnl_args), check=_check_pnl),
        Item("import_cli", [*python, "-c", "import app.cli.main"], env, probe_code="import app.cli.main"),
        PaintItem(home, env),
    ]
    return {item.name: item for item in items}


def _document(stdout: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(stdout)
    except ValueError:
        raise RuntimeError(f"{what} printed no JSON document:\n{stdout[-2000:]}") from None
    if not isinstance(data, dict) or "error" in data:
        raise RuntimeError(f"{what} failed: {data}")
    return data


def _check_portfolio(stdout: str) -> None:
    data = _document(stdout, "portfolio --offline")
    if not data.get("offline") or not data.get("holdings"):
        raise RuntimeError(f"portfolio --offline showed no stored holdings: {stdout[:500]}")


def _check_pnl(stdout: str) -> None:
    data = _document(stdout, "pnl --offline")
    if not data.get("offline") or not data.get("positions"):
        raise RuntimeError(f"pnl --offline showed no positions: {stdout[:500]}")


# --- the report ------------------------------------------------------------------------------------
def report(args, setup: dict[str, Any], items: dict[str, Item], basketry: list[str],
           home: Path) -> dict[str, Any]:
    floor = statistics.median(items["floor"].times)
    results = {name: item.stats(floor if name != "floor" else None) for name, item in items.items()}
    for result in results.values():
        result["command"] = result["command"].replace(str(home), "H")
    gui = results["gui_first_paint"]

    def under(name: str, limit: float) -> dict[str, bool]:
        return {"max": results[name]["max_s"] < limit, "median": results[name]["median_s"] < limit}

    def none_of(loaded: dict[str, bool], libraries) -> bool:
        return not any(loaded[m] for m in libraries)

    targets = {
        f"version_under_{TARGET_VERSION_S:g}s": under("version", TARGET_VERSION_S),
        f"portfolio_offline_under_{TARGET_PORTFOLIO_S:g}s": under("portfolio_offline", TARGET_PORTFOLIO_S),
        f"gui_first_paint_under_{TARGET_GUI_PAINT_S:g}s": under("gui_first_paint", TARGET_GUI_PAINT_S),
        "offline_commands_load_no_chain_library": {
            name: none_of(results[name]["loaded"], CHAIN_LIBRARIES)
            for name in ("version", "help", "portfolio_offline", "pnl_offline", "import_cli")},
        "gui_paints_without_web3_or_eth_account": none_of(gui["loaded_at_first_paint"], ("web3", "eth_account")),
    }
    notes = [
        "times: wall clock in seconds from spawn to exit (to the first paint for the GUI); median "
        "and max of the runs; 'met' compares the max (and, for information, the median)",
        "median_over_floor: the item's median over the median of `python -c pass`; H: the "
        "scratch data directory",
        "loaded: whether the module was in sys.modules at exit (an untimed run with an atexit "
        "hook; the GUI's from its timed runs, also at the first paint)",
        "bytecode: " + ("as the environment has it (--no-pyc-cache)" if args.no_pyc_cache else
                        "cached in a scratch PYTHONPYCACHEPREFIX, compiled by an untimed warm-up round"),
    ]
    return {
        "benchmark": "startup",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "basketry": " ".join(basketry)},
        "config": {"runs": args.runs, "events": args.events, "seed": args.seed,
                   "pyc_cache": not args.no_pyc_cache, "order": list(items)},
        "setup": setup,
        "floor_s": results.pop("floor"),
        "items": results,
        "targets": {"version_s": TARGET_VERSION_S, "portfolio_offline_s": TARGET_PORTFOLIO_S,
                    "gui_first_paint_s": TARGET_GUI_PAINT_S, "met": targets},
        "notes": notes,
    }


def _stats(values: list[float]) -> dict[str, Any]:
    return {"median_s": round(statistics.median(values), 4), "max_s": round(max(values), 4),
            "runs_s": [round(v, 4) for v in values]}


def _loaded(modules: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {m: m in modules for m in WATCHED}
    result["also"] = [m for m in ALSO_WATCHED if m in modules]
    return result


if __name__ == "__main__":
    main()
