"""The benchmarks run end to end: bench/index_preview.py in a tiny configuration (2 and 3
legs, one timed run, 10 ms latency) prints one JSON report with every section filled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
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


def test_portfolio_benchmark_prints_a_complete_report(tmp_path):
    """bench/portfolio.py with 2,000 events, one cold open, one recompute per method and two
    single-trade updates: every section filled, every time positive (no target is asserted)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "portfolio.py"), "--events", "2000", "--runs", "1",
         "--repeats", "1", "--trades", "2", "--home", str(tmp_path / "home")],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)

    assert report["benchmark"] == "portfolio"
    setup = report["setup"]
    assert setup["events"] == 2000 and setup["accounts"] == 3
    assert setup["assets"] == {"native": 1, "tokens": 30, "vaults": 3}
    assert setup["positions"] > 0 and setup["snapshots"] > 0 and setup["prices"] > 0
    assert setup["by_label"]["gas"] > 0 and setup["by_label"]["trade"] > 0

    cold = report["cold_open"]
    assert len(cold["runs"]) == 1
    assert cold["process_total_s"]["max"] > cold["from_store_open_s"]["max"] > 0
    assert cold["page"]["holdings"] > 0 and cold["page"]["pnl_positions"] > 0
    assert min(cold["page"]["grab_px"]) > 0
    assert cold["runs"][0]["maxrss_mb"] > 0

    recompute = report["full_recompute"]
    assert set(recompute) == {"fifo", "lifo", "hifo", "average"}
    for method in recompute.values():
        assert method["compute_pnl_s"]["median"] > 0 and method["by_public_steps_s"]["total"] > 0
        assert method["same_result_both_ways"]
    # every method books the same events
    assert len({m["events_sha256"] for m in recompute.values()}) == 1

    update = report["update_after_one_trade"]
    assert update["rows_per_trade"] == 12
    assert update["total_s"]["max"] >= update["catch_up_s"]["max"] > 0
    assert update["matches_full_compute_pnl"] and update["full_recomputes"] == 0

    peaks = report["memory"]["tracemalloc_peak_mb"]
    assert peaks["compute_pnl_fifo"] > 0 and peaks["live_pnl_initial_load"] > 0
    assert report["memory"]["cold_open_process_maxrss_mb"] > 0

    met = report["targets"]["met"]
    assert all(isinstance(v, bool) for v in met["cold_open_under_1s"].values())
    assert set(met["full_recompute_under_1s"]) == set(recompute)
    assert isinstance(met["update_after_one_trade_under_50ms"], bool)


def test_startup_benchmark_prints_a_complete_report(tmp_path):
    """bench/startup.py with one run per item on a 200-event store: every item timed, the floor
    below each, the loaded libraries reported (no target is asserted)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "startup.py"), "--runs", "1", "--events", "200",
         "--home", str(tmp_path / "home")],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)

    assert report["benchmark"] == "startup" and report["config"]["runs"] == 1
    floor = report["floor_s"]["median_s"]
    items = report["items"]
    assert set(items) == {"version", "help", "portfolio_offline", "pnl_offline", "import_cli",
                          "gui_first_paint"}
    for item in items.values():
        assert len(item["runs_s"]) == 1 and item["max_s"] >= item["median_s"] > floor > 0
        assert set(item["loaded"]) == {"web3", "eth_account", "eth_utils", "eth_abi", "PySide6", "also"}
    gui = items["gui_first_paint"]
    assert gui["loaded_at_first_paint"]["PySide6"] and gui["process_total_s"]["max_s"] > gui["max_s"]
    met = report["targets"]["met"]
    assert all(isinstance(v, bool) for key in ("version_under_0.3s", "portfolio_offline_under_0.3s",
                                               "gui_first_paint_under_0.5s") for v in met[key].values())
    assert isinstance(met["gui_paints_without_web3_or_eth_account"], bool)


def test_history_sync_benchmark_prints_a_complete_report():
    """bench/history_sync.py on a 200,000-block chain: every scenario finds the node's transfers,
    the new first sync makes far fewer requests than the fixed ranges (counted by the proxy)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "history_sync.py"), "--head", "200000", "--real-blocks", "1000"],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)

    assert report["benchmark"] == "history_sync" and report["setup"]["head"] == 200_000
    scenarios = report["scenarios"]
    for name in ("old_fixed_2000_from_0", "new", "new_without_archive_state"):
        assert scenarios[name]["same_transfers_as_the_node"] and scenarios[name]["complete"], name
        assert scenarios[name]["seconds"] >= 0 and scenarios[name]["bytes_received"] > 0
    old, new = scenarios["old_fixed_2000_from_0"], scenarios["new"]
    assert old["get_logs_batches"] == report["comparison"]["old_requests_computed"] == 101
    assert new["first_activity"]["archive"] and new["http_requests"] <= 10 < old["http_requests"] / 10
    assert not scenarios["new_without_archive_state"]["first_activity"]["archive"]
    assert scenarios["search_only"]["fanout_7"]["rounds"] < scenarios["search_only"]["fanout_1"]["rounds"]


def test_split_routing_benchmark_prints_a_complete_report():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "split_routing.py"), "--amounts", "1,1000", "--runs", "1"],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["benchmark"] == "split_routing" and report["config"]["basket"] == "Top 10"
    small, large = report["amounts"]
    assert small["amount"] == "1 ETH" and large["amount"] == "1000 ETH"
    for row in (small, large):
        assert set(row["value_usd"]) == {"single", "split"} and row["plan_s"]["split"] > 0
        assert row["round_trips"]["split"] >= row["round_trips"]["planner_count"]["split"] >= 2
        assert row["transactions"] == {"single": 1, "split": 1}
    # nothing is split unless the simulation shows it pays, so a split never loses value
    assert all(Decimal(row["gain_usd"]) >= 0 for row in (small, large))
    assert large["split_taken"] == bool(large["legs"]) and large["swaps"]["split"] >= large["swaps"]["single"]
