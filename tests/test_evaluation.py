"""agent/evaluation.py: one episode's report and the summary over seeds, on scripted worlds
(tests/scripted_world.py) under the real env and wrappers; test_env.py plays real worlds."""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.registration import make_env
from agent.evaluation import EpisodeReport, TierReached, run_episode, summarize
from bridge.messages import FrameSettings
from scripted_world import ScriptedPolicy, ScriptedWorld, use_scripted_worlds

SMALL = FrameSettings(fps=0, width=32, height=24)
TO_THE_SWORD = ["mine:oak_log", "craft:oak_planks", "craft:wooden_pickaxe", "craft:wooden_sword"]


def test_an_episode_reports_tiers_ticks_deaths_and_success(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=100, deaths_at=(2,)))
    lines: list[str] = []
    policy = ScriptedPolicy(["fly:moon", *TO_THE_SWORD])
    report = run_episode(make_env(task="wooden_sword", frames=SMALL), policy, 7, progress=lines.append)
    assert report.success and report.end == report.end_kind == "task done" and report.steps == 5 and report.seed == 7
    assert report.ticks == 500 and report.failed_skills == 1 and report.deaths == 1
    assert list(report.tiers) == ["wooden"] and report.tiers["wooden"].step == 4 and report.tiers["wooden"].ticks == 400
    assert report.episode_return == pytest.approx(1 + 1 + 4 - 5 * 0.01)  # log, planks, wooden_sword
    assert policy.observed == [("fly:moon", False), *((t, True) for t in TO_THE_SWORD)]
    assert lines[0] == "seed 7 step 1: fly:moon -> unknown_skill (0.0 s)"
    assert "seed 7: tier wooden reached at step 4" in lines and report.session is None


def test_every_assist_the_world_reports_is_in_the_report_and_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, give_assist=seed == 2))
    reports = [run_episode(make_env(task="wooden_sword", frames=SMALL), ScriptedPolicy(TO_THE_SWORD[:2]), seed)
               for seed in (1, 2)]
    assert reports[0].assists_used == [] and len(reports[1].assists_used) == 2
    assert summarize(reports)["assists_used"] == 2


def test_a_task_held_from_the_start_is_a_success(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, inventory={"wooden_sword": 1}))
    report = run_episode(make_env(task="wooden_sword", frames=SMALL), ScriptedPolicy([]), 1)
    assert report.success and report.end == report.end_kind == "policy finished" and report.steps == 0
    assert report.tiers["wooden"].step == 0 and report.tiers["wooden"].ticks == 0


def test_a_random_world_reports_the_seed_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    worlds = use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    report = run_episode(make_env(task="wooden_sword", frames=SMALL), ScriptedPolicy(["explore"]), None)
    assert report.seed is not None and report.seed == worlds[0].seed   # replayable with --seed
    assert report.end == report.end_kind == "policy finished" and not report.success


def test_the_step_limit_is_the_reason_given(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    report = run_episode(make_env(task="wooden_sword", frames=SMALL, max_steps=2), ScriptedPolicy(TO_THE_SWORD), 1)
    assert report.end == "truncated: step limit" and report.end_kind == "step limit" and report.steps == 2 and not report.success


def test_a_lost_world_is_the_reason_given(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, dies_after=1))
    report = run_episode(make_env(task="wooden_sword", frames=SMALL, max_steps=9), ScriptedPolicy(TO_THE_SWORD), 1)
    assert report.end == "truncated: world lost: the embedded server exited with code 1" and report.end_kind == "world lost" and report.steps == 1


def test_the_report_names_the_session_when_recording(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    env = make_env(task="wooden_sword", frames=SMALL, record_dir=tmp_path)
    report = run_episode(env, ScriptedPolicy(TO_THE_SWORD), 3)
    env.close()
    assert report.session is not None and Path(report.session).parent == tmp_path
    assert Path(report.session, "metadata.json").is_file()


def _report(seed: int, steps: int, tiers: dict[str, tuple[int, float]], success: bool = False, deaths: int = 0
            ) -> EpisodeReport:
    return EpisodeReport(seed=seed, policy="p", task="stone_sword", success=success, steps=steps, deaths=deaths,
                         tiers={name: TierReached(ticks, wall, 1) for name, (ticks, wall) in tiers.items()})


def test_the_summary_counts_successes_and_takes_medians_over_the_successes() -> None:
    reports = [_report(1, 10, {"wooden": (100, 1.0), "stone": (400, 4.0)}, success=True, deaths=1),
               _report(2, 40, {"wooden": (300, 2.0)}, deaths=2),
               _report(3, 100, {"wooden": (1100, 9.0), "stone": (800, 6.0)}, success=True)]
    summary = summarize(reports)
    assert summary["episodes"] == 3 and summary["task_successes"] == 2 and summary["deaths"] == 3
    assert summary["median_steps"] == 40 and summary["assists_used"] == 0
    assert list(summary["tiers"]) == ["wooden", "stone", "iron", "diamond", "enchanted_diamond"]
    assert summary["tiers"]["wooden"] == {"successes": 3, "episodes": 3, "median_ticks": 300, "median_wall_s": 2.0}
    assert summary["tiers"]["stone"] == {"successes": 2, "episodes": 3, "median_ticks": 600, "median_wall_s": 5.0}
    assert summary["tiers"]["iron"] == {"successes": 0, "episodes": 3, "median_ticks": None, "median_wall_s": None}


def test_the_summary_of_no_episodes_is_empty() -> None:
    summary = summarize([])
    assert summary["episodes"] == 0 and summary["median_steps"] is None
    assert all(row["successes"] == 0 and row["median_ticks"] is None for row in summary["tiers"].values())


def test_the_end_kind_comes_from_the_flags_of_the_truncating_step() -> None:
    from agent.evaluation import truncation_kind

    assert truncation_kind({"lost": "the bridge died", "truncated_reason": "world lost: the bridge died"}) == "world lost"
    assert truncation_kind({"stuck": True, "truncated_reason": "stuck: 40 decisions"}) == "stuck"
    assert truncation_kind({"truncated_reason": "step limit"}) == "step limit"


def test_a_failed_skill_repeated_and_failing_the_same_way_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    # fly:moon fails three times in a row (two repeats), then once more after another skill (not a repeat)
    policy = ScriptedPolicy(["fly:moon", "fly:moon", "fly:moon", "mine:oak_log", "fly:moon", "craft:oak_planks"])
    report = run_episode(make_env(task="wooden_sword", frames=SMALL), policy, 1)
    assert report.failed_skills == 4 and report.repeated_failures == 2
    assert summarize([report])["repeated_failure_rate"] == pytest.approx(2 / 6, abs=1e-4)


def test_notes_a_policy_adds_are_recorded_with_the_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))

    class Noting(ScriptedPolicy):
        def act(self, obs, info):  # type: ignore[no-untyped-def]
            action = super().act(obs, info)
            return None if action is None else (*action, {"label": {"token": "explore", "args": {}}, "actor": "me"})

    env = make_env(task="wooden_sword", frames=SMALL, record_dir=tmp_path)
    run_episode(env, Noting(["mine:oak_log"]), 1)
    env.close()
    (session,) = tmp_path.iterdir()
    step = [json.loads(line) for line in (session / "events.jsonl").read_text().splitlines()][1]
    assert step["token"] == "mine:oak_log" and step["label"] == {"token": "explore", "args": {}} and step["actor"] == "me"
    with pytest.raises(ValueError, match="may not replace the recorded step fields"):
        env = make_env(task="wooden_sword", frames=SMALL, record_dir=tmp_path / "b")
        try:
            env.reset(seed=1)
            env.step(("mine:oak_log", None, {"token": "x"}))
        finally:
            env.close()
