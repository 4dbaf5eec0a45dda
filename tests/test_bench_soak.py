"""`run_agent.py bench soak`: the memory trend is a least-squares slope (and within each process, a slope with
one intercept per process), and a half-minute soak really plays and samples the bridge's and the server's
memory. The 30-minute soak itself is a command to run (README, "Faults injected"), not a test."""
from __future__ import annotations

import json
import math

import pytest

from agent.bench_soak import pooled_slope_per_hour, slope_per_hour
from conftest import run_cli


def test_the_trend_is_the_least_squares_slope_in_mb_per_hour() -> None:
    assert slope_per_hour([(0, 100.0), (1800, 110.0), (3600, 120.0)]) == 20.0
    assert slope_per_hour([(0, 100.0), (60, 90.0), (120, 110.0)]) == 300.0   # the fit, not the end points
    assert slope_per_hour([(5, 100.0)]) is None and slope_per_hour([(5, 1.0), (5, 2.0)]) is None


def test_the_trend_within_processes_ignores_the_drop_to_each_new_process() -> None:
    # Two processes that each grow 1 MB a minute, the second starting smaller: a sawtooth.
    first, second = [(0, 100.0), (60, 101.0)], [(120, 50.0), (180, 51.0)]
    assert pooled_slope_per_hour([first, second]) == 60.0
    assert slope_per_hour(first + second) < 0     # what one line through all samples says


@pytest.mark.slow   # plays a minute at the fast clock, plus a world's start and stop
def test_a_half_minute_soak_samples_the_bridge_and_the_server_and_gives_finite_trends() -> None:
    run = run_cli("bench", "soak", "--minutes", "0.5", "--sample-every", "1", "--seed", "4242", "--json", timeout=400)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["decisions"] >= 1 and report["episodes"] >= 1 and report["speed"] == 16
    assert report["left_running"] == []
    for role in ("bridge", "server", "agent"):
        memory = report["memory"][role]
        assert memory["samples"] >= 10, (role, memory)            # a sample a second over half a minute
        assert memory["processes"] >= 1
        assert 20 < memory["start_mb"] <= memory["peak_mb"] < 4096 and memory["end_mb"] <= memory["peak_mb"], memory
        for trend in ("trend_mb_per_hour", "trend_within_process_mb_per_hour"):
            assert isinstance(memory[trend], float) and math.isfinite(memory[trend]), (role, trend, memory)
        assert all(p["samples"] >= 1 for p in memory["per_process"])
