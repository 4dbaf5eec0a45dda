"""agent/play.py: `play` and `eval` as the command line runs them (printed report, JSON, exit code, recorded
sessions), on scripted worlds (tests/scripted_world.py); test_env.py and test_cli.py use real worlds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.play import evaluate, play
from agent.recording import load_sessions
from scripted_world import ScriptedPolicy, ScriptedWorld, use_scripted_worlds

TO_THE_SWORD = ["mine:oak_log", "craft:oak_planks", "craft:wooden_pickaxe", "craft:wooden_sword"]
META = {"name": "scripted"}


def test_play_prints_the_episode_and_exits_0_on_success(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=50))
    code = play("wooden_sword", ScriptedPolicy(TO_THE_SWORD), META, 3, None, str(tmp_path), 10, [], False)
    out, err = capsys.readouterr()
    (session,) = load_sessions(tmp_path)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("wooden_sword with scripted: SUCCESS after 4 skills, 200 game ticks, ")
    assert lines[0].endswith("(task done)")
    tier_line = lines[1].split()   # tier, step, game ticks, wall seconds (a scripted world takes next to none)
    assert tier_line[:5] == ["wooden", "step", "3", "150", "ticks"] and tier_line[6] == "s"
    assert 0.0 <= float(tier_line[5]) < 5.0
    assert lines[2] == f"session: {session.path}" and session.metadata["policy"] == META
    assert err.startswith(f"playing wooden_sword with the scripted policy on a fresh embedded world (seed 3); "
                          f"recording to {tmp_path}/")


def test_play_json_and_exit_1_without_success(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    code = play("wooden_sword", ScriptedPolicy(TO_THE_SWORD), META, 3, None, str(tmp_path), 2, [], True)
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and not report["success"] and report["end"] == "truncated: step limit"
    assert report["steps"] == 2 and report["seed"] == 3 and report["tiers"] == {}


def test_eval_reports_each_tier_over_the_seeds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # Seeds 1..3: skills take 100, 200 and 900 ticks; seed 3's world cannot make the sword.
    ticks = {1: 100, 2: 200, 3: 900}
    no_sword = {t: {t.split(":")[1]: 1} for t in TO_THE_SWORD[:3]}
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=ticks[seed],
                                                                **({"skills": no_sword} if seed == 3 else {})))
    built: list[int] = []

    def policies(seed: int) -> ScriptedPolicy:
        built.append(seed)
        return ScriptedPolicy(TO_THE_SWORD)

    meta = {**META, "checkpoint": "/runs/iter_2"}
    code = evaluate("wooden_sword", policies, meta, 3, 1, str(tmp_path), 10, True, True)
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and built == [1, 2, 3] and summary["seeds"] == [1, 2, 3] and summary["policy"] == "scripted"
    assert summary["checkpoint"] == "/runs/iter_2"                 # `report` places it by this checkpoint
    assert summary["episodes"] == 3 and summary["task_successes"] == 2 and summary["assists"] == []
    wooden = summary["tiers"]["wooden"]
    assert (wooden["successes"], wooden["episodes"], wooden["median_ticks"]) == (3, 3, 600)  # of 300, 600, 2700
    assert summary["tiers"]["stone"]["successes"] == 0 and summary["median_steps"] == 4
    assert [e["end"] for e in summary["episodes_detail"]] == ["task done", "task done", "policy finished"]
    assert summary["ends"] == {"task done": 2, "policy finished": 1} and summary["seed_ranges"] == ["training"]
    assert len(load_sessions(tmp_path)) == 3


def test_eval_prints_a_table_per_tier(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=100 * seed))
    evaluate("wooden_sword", lambda seed: ScriptedPolicy(TO_THE_SWORD), META, 2, 1, str(tmp_path), 10, False, False)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "wooden_sword with scripted over 2 seeds (assists off): 2 successes"
    assert lines[1].split() == ["tier", "successes", "median", "ticks", "median", "wall", "s"]
    assert lines[2].split()[:3] == ["wooden", "2/2", "450"]                # median of 300 and 600
    assert lines[3].split() == ["stone", "0/2", "-", "-"] and len(lines) == 8
    assert lines[7] == "episodes ended: 2 task done; seeds 1..2 (training range); game clock 1x, 1 worker(s)"
    assert "episode 1/2: seed 1" in err and "seed 2: success (task done); tiers wooden;" in err
    assert "are not all evaluation seeds" in err   # seeds 1-2 are training seeds: said, not hidden
