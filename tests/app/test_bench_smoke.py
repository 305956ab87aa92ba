"""The benchmarks run end to end: bench/index_preview.py in a tiny configuration (2 and 3
legs, one timed run, 10 ms latency) prints one JSON report with every section filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_index_preview_benchmark_prints_a_complete_report():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "index_preview.py"), "--legs", "2,3", "--runs", "1",
         "--latency", "0.01"],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)

    assert report["config"]["legs"] == [2, 3]
    assert report["environment"]["cpu_count"] >= 1
    assert report["environment"]["anvil"].startswith("anvil")
    for n in ("2", "3"):
        preview = report["preview"][n]
        assert len(preview["runs_s"]) == 1 and preview["median_s"] > 0
        assert preview["round_trips"] >= preview["planner_round_trips"] >= 2
        assert preview["simulation_ok"] and preview["skipped_legs"] == []
        assert preview["transactions"] == 1
        estimated, measured = report["gas"][n]["estimated"], report["gas"][n]["measured"]
        assert measured["all_succeeded"]
        assert measured["separate_txs"] == int(n)
        assert 0 < measured["one_tx_gas"] < measured["separate_txs_gas"]
        assert 0 < estimated["one_tx_gas"] < estimated["separate_txs_gas"]
    targets = report["targets"]
    assert isinstance(targets["round_trips_at_most_4"], bool)
    assert targets["under_1s_at_100_legs"] is None  # no 100-leg basket in this configuration
    assert targets["saving_at_20_legs_above_15.7pct"] == {"estimated": None, "measured": None}
