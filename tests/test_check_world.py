"""check-world, the proof of the embedded world: every survival mechanic must pass through mineflayer.

One run of `python run_agent.py check-world --json --seed 7 --recipes all` is shared by the module; each
mechanic is its own test, so a failure names the mechanic and shows the check's detail.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import run_cli

SEED = 7
RECIPE_SAMPLE = "all"  # the target is every recipe; about 30 s
RUN_TIMEOUT_S = 1500


def _mechanics() -> list[str]:
    try:
        from world.check_world import list_mechanics

        return list_mechanics()
    except Exception as err:  # collection must not crash: the run fixture reports the real error
        return [f"unavailable ({type(err).__name__}: {err})"]


MECHANICS = _mechanics()
# With pytest-xdist, every test of this module runs on one worker; the run is session-scoped because that worker
# may interleave other modules' tests with these, which would tear a module-scoped run down and start it again.
pytestmark = [pytest.mark.xdist_group("check_world"), pytest.mark.slow]  # starts servers: minutes


@pytest.fixture(scope="session")
def run() -> dict[str, Any]:
    result = run_cli("check-world", "--json", "--seed", str(SEED), "--recipes", str(RECIPE_SAMPLE), timeout=RUN_TIMEOUT_S)
    assert result.stdout.strip(), f"check-world printed no report (exit {result.returncode}):\n{result.stderr[-3000:]}"
    doc = json.loads(result.stdout)
    doc["_returncode"] = result.returncode
    doc["_stderr"] = result.stderr
    return doc


def test_report_shape(run: dict[str, Any]) -> None:
    assert run["seed"] == SEED
    assert not run.get("error"), run.get("error")
    names = [r["mechanic"] for r in run["rows"]]
    assert names == MECHANICS, "the run's rows differ from check_world.js --list"
    for row in run["rows"]:
        assert set(row) >= {"mechanic", "ok", "seconds", "detail"}
        assert isinstance(row["ok"], bool) and row["seconds"] >= 0


def test_exit_code_matches_the_rows(run: dict[str, Any]) -> None:
    all_pass = all(r["ok"] for r in run["rows"])
    assert run["ok"] == all_pass
    assert run["_returncode"] == (0 if all_pass else 1)


def test_ore_census_reports_every_ore_per_band(run: dict[str, Any]) -> None:
    census = run["ore_census"]
    assert census and "ores" in census, census
    for ore in ("coal", "iron", "copper", "gold", "redstone", "lapis", "diamond"):
        assert len(census["ores"][ore]["bands"]) == len(census["bands"])


def test_recipe_coverage_is_reported(run: dict[str, Any]) -> None:
    coverage = run["recipe_coverage"]
    assert coverage is not None
    assert coverage.get("available"), coverage.get("detail")
    assert coverage["total"] > 0
    assert coverage["passed"] == coverage["total"], f"bot.craft failed on: {coverage['failures'][:10]}"


@pytest.mark.parametrize("mechanic", MECHANICS)
def test_mechanic(run: dict[str, Any], mechanic: str) -> None:
    row = next((r for r in run["rows"] if r["mechanic"] == mechanic), None)
    assert row is not None, f"{mechanic} did not run"
    assert row["ok"], f"{mechanic}: {row['detail']}"
