"""What the dashboard's page gets from finetuning (agent/dashboard/training.py: rewards, judgements, curves),
from Ray workers' worlds (one tile per world, agent/rollout.py's events) and for the map (the blocks the scans
found), without a web server: on scripted worlds and the live hub. The page itself is driven in a real
browser by tests/test_dashboard_browser.py."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from agent.dashboard.live import LiveHub
from agent.dashboard.training import TrainingFeed
from scripted_world import ScriptedPolicy, ScriptedWorld, use_scripted_worlds

TASK = "wooden_sword"
TO_THE_SWORD = ["mine:oak_log", "craft:oak_planks", "craft:wooden_pickaxe", "craft:wooden_sword"]
TENSORBOARD_TAGS = {"losses/policy_loss", "losses/value_loss", "losses/kl_ref", "losses/entropy",
                    "losses/explained_variance", "perf/decisions_per_s", "charts/rollout_reward",
                    "referee/share_a", "referee/share_d"}


@pytest.fixture(scope="module")
def init(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen-trunk LARM on the tiny backbone (as tests/test_finetune.py starts from)."""
    from brain.model.larm import LarmConfig, LarmModel

    torch.manual_seed(0)
    model = LarmModel.create(LarmConfig(backbone="tiny-random", vision=None, trunk="frozen"))
    return model.save(tmp_path_factory.mktemp("init") / "larm", {"phase": "dagger", "beta": 1.0, "decisions": 1})


def _finetune_watched(init: Path, out: Path, hub: LiveHub) -> dict[str, Any]:
    from brain.referee import make_referee
    from brain.training.finetune import FinetuneOptions, FinetuneSettings, run
    from brain.training.ppo import PpoSettings

    options = FinetuneOptions(task=TASK, init=init, checkpoint_dir=out, steps=16, referee=make_referee("oracle"),
                              settings=FinetuneSettings(episode_steps=10, rollout=8, value_warmup=0),
                              ppo=PpoSettings(minibatch_size=8))
    return run(options, lambda m: None, watcher=TrainingFeed(hub))


def test_finetune_tells_the_page_each_reward_judgement_and_update(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                 init: Path) -> None:
    from brain.referee import RefereeRewards

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    hub = LiveHub()
    report = _finetune_watched(init, tmp_path / "run", hub)
    snap = hub.snapshot()
    json.dumps(snap, allow_nan=False)   # the page's JSON.parse takes no NaN (explained variance can be one)
    training = snap["training"]
    assert training["run"]["task"] == TASK and training["run"]["referee"] == "oracle" and training["run"]["steps"] == 16
    # every decision judged, the running mix the referee's own count
    assert training["env_steps"] == 16 and training["judged"] == 16
    assert training["mix"] == {k: v for k, v in report["referee"]["class_mix"].items() if v}
    rows = training["decisions"]
    assert [r["step"] for r in rows] == list(range(1, 17))
    rewards = RefereeRewards()
    for row in rows:   # the referee's reward of its class, and the reward PPO learns from (reward_scale 0.1)
        assert row["class"] in ("a", "b", "c", "d") and row["referee_reward"] == getattr(rewards, row["class"])
        assert row["reward"] == pytest.approx((row["env_reward"] + row["referee_reward"]) * 0.1, abs=1e-3)
    # one curve point per PPO update, with the numbers TensorBoard gets, at the run's decision count
    curves = training["curves"]
    assert [(c["update"], c["decisions"]) for c in curves] == [(1, 8), (2, 16)] and training["updates"] == 2
    assert TENSORBOARD_TAGS <= set(curves[-1]["scalars"])
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tb = EventAccumulator(str(tmp_path / "run" / "tb")).Reload()
    assert tb.Scalars("losses/value_loss")[-1].value == pytest.approx(curves[-1]["scalars"]["losses/value_loss"])
    # and the world it played, as play's page shows it: the second episode's
    assert snap["episode"]["task"] == TASK and snap["episode"]["seed"] == 300_001
    assert snap["episode"]["policy"]["name"] == "finetune" and snap["recent"]


def test_a_run_without_a_page_watches_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, init: Path) -> None:
    from brain.referee import make_referee
    from brain.training.finetune import FinetuneOptions, FinetuneSettings, run

    worlds = use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    run(FinetuneOptions(task=TASK, init=init, checkpoint_dir=tmp_path / "run", steps=4, referee=make_referee("oracle"),
                        settings=FinetuneSettings(episode_steps=4, rollout=4)), lambda m: None)
    assert len(worlds) == 1


def test_finetune_prints_the_dashboard_address_and_no_dashboard_turns_it_off(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, init: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import run_agent

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    common = ["finetune", "--task", TASK, "--init", str(init), "--steps", "2", "--set", "rollout=2",
              "--set", "episode_steps=2"]
    assert run_agent.main([*common, "--checkpoint-dir", str(tmp_path / "a"), "--dashboard-port", "0"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("dashboard: ")]
    assert len(lines) == 1 and lines[0].startswith("dashboard: http://127.0.0.1:")
    assert run_agent.main([*common, "--checkpoint-dir", str(tmp_path / "b"), "--no-dashboard"]) == 0
    assert "dashboard: " not in capsys.readouterr().err


def test_each_worker_posts_its_world_to_a_tile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from agent.rollout import WorldWorker

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=50))
    worker = WorldWorker(1, {"task": TASK, "max_steps": 10, "record_dir": str(tmp_path), "policy": {"name": "scripted"}})
    try:
        quiet = list(worker.run(7, lambda seed: ScriptedPolicy(TO_THE_SWORD)))
        events = list(worker.run(8, lambda seed: ScriptedPolicy(TO_THE_SWORD), watched=True))
    finally:
        worker.close()
    assert "tile" not in {kind for kind, _ in quiet}   # nobody watching: nothing more travels through Ray
    tiles = [payload for kind, payload in events if kind == "tile"]
    assert [k for k, _ in tiles] == ["reset"] + ["skill", "step"] * 4
    json.dumps(tiles, allow_nan=False)
    hub = LiveHub()
    for kind, summary in tiles[:4]:
        hub.world_event(1, kind, summary)
    (tile,) = hub.snapshot()["worlds"]
    assert tile["index"] == 1 and tile["seed"] == 8 and tile["steps"] == 1
    assert tile["current"]["token"] == "craft:oak_planks" and tile["last"]["token"] == "mine:oak_log"
    for kind, summary in tiles[4:]:
        hub.world_event(1, kind, summary)
    (tile,) = hub.snapshot()["worlds"]
    assert tile["current"] is None and tile["last"]["token"] == "craft:wooden_sword" and tile["last"]["ok"]
    assert tile["tiers"] == ["wooden"] and tile["ended"] == "task done" and tile["steps"] == 4
    assert tile["state"]["inventory"]["wooden_sword"] == 1 and tile["path"] == [[0.0, 64.0, 0.0]]


def test_eval_on_workers_feeds_the_tiles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """evaluate --workers N hands the hub to the pool as its watch (the pool here a stand-in: no Ray)."""
    import agent.rollout
    from agent.evaluation import EpisodeReport
    from agent.play import evaluate

    class Pool:
        def __init__(self, workers: int, env_options: Any, **_: Any) -> None:
            self.slots = list(range(workers))

        def __enter__(self) -> Pool:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def run(self, seeds: list[int], policies: Any, progress: Any = None, watch: Any = None) -> Any:
            for i, seed in enumerate(seeds):
                watch(i, "reset", {"seed": seed, "task": TASK, "state": {"position": {"x": i, "y": 64, "z": 0}}})
                yield EpisodeReport(seed=seed, policy="scripted", task=TASK)

    monkeypatch.setattr(agent.rollout, "RolloutPool", Pool)
    monkeypatch.setattr(agent.rollout, "fit_workers", lambda n: (n, None))
    dashboard = type("Dash", (), {"hub": LiveHub()})()
    assert evaluate(TASK, lambda seed: ScriptedPolicy([]), {"name": "scripted"}, 2, 7, str(tmp_path), 10, True, True,
                    workers=2, dashboard=dashboard) == 0   # type: ignore[arg-type]
    assert [(t["index"], t["seed"]) for t in dashboard.hub.snapshot()["worlds"]] == [(0, 7), (1, 8)]


def test_the_map_keeps_the_blocks_the_scans_found_once_each() -> None:
    hub = LiveHub()
    nearest = {"oak_log": {"x": 4, "y": 65, "z": 2, "distance": 4.6}, "stone": {"x": 1, "y": 60, "z": -1}}
    hub.episode_started({"task": TASK, "seed": 1, "state": {"tick": 0, "nearby_blocks": {"nearest": nearest}}}, None)
    assert hub.snapshot()["seen"] == [[4, 65, 2, "oak_log"], [1, 60, -1, "stone"]]
    moved = {"iron_ore": {"x": 9, "y": 40, "z": 9}, "stone": {"x": 1, "y": 60, "z": -1}}
    hub.live_state({"nearby_blocks": {"nearest": moved}, "position": {"x": 3, "y": 64, "z": 3}})
    first = hub.snapshot()
    assert first["seen_len"] == 3 and first["seen"][-1] == [9, 40, 9, "iron_ore"]
    later = hub.snapshot(first["path_len"], first["path_epoch"], first["seen_len"])
    assert later["seen"] == [] and later["seen_from"] == 3         # a page gets only what is new to it
    hub.episode_started({"task": TASK, "seed": 2, "state": {"tick": 0}}, None)
    fresh = hub.snapshot(first["path_len"], first["path_epoch"], first["seen_len"])
    assert fresh["seen"] == [] and fresh["seen_len"] == 0 and fresh["path_epoch"] != first["path_epoch"]


def test_curve_points_stay_finite_and_few() -> None:
    hub = LiveHub()
    hub.training_started({"task": TASK})
    for i in range(1, 1500):
        hub.update_done({"update": i, "decisions": 8 * i, "scalars": {"losses/explained_variance": float("nan")}})
    curves = hub.snapshot()["training"]["curves"]
    assert len(curves) <= 600 and curves[0]["update"] == 1 and curves[-1]["update"] == 1499
    assert curves[-1]["scalars"]["losses/explained_variance"] is None


def test_a_page_gets_the_training_part_again_only_when_it_changed() -> None:
    hub = LiveHub()
    hub.training_started({"task": TASK})
    first = hub.snapshot()
    assert first["training"]["run"] == {"task": TASK}
    hub.skill_started("explore", None, 1)   # news of the world, none of the training
    again = hub.snapshot(training_version=first["training_version"])
    assert again["training"] is None and again["version"] > first["version"]
    hub.update_done({"update": 1, "decisions": 8, "scalars": {}})
    changed = hub.snapshot(training_version=first["training_version"])
    assert changed["training"]["curves"] == [{"update": 1, "decisions": 8, "scalars": {}}]


def test_play_hands_its_page_to_the_finetuning_it_switches_into(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                init: Path) -> None:
    import run_agent

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    fed: list[Any] = []
    feed = run_agent._training_feed
    monkeypatch.setattr(run_agent, "_training_feed", lambda dashboard: fed.append(feed(dashboard)) or fed[-1])
    assert run_agent.main(["play", "--policy", "larm", "--checkpoint", str(init), "--task", TASK, "--seed", "77",
                           "--max-steps", "6", "--record", str(tmp_path / "sessions"), "--dashboard-port", "0",
                           "--finetune-dir", str(tmp_path / "run"), "--finetune-after", "2",
                           "--finetune-steps", "4"]) == 0
    (watcher,) = fed
    snap = watcher.hub.snapshot()
    assert snap["episode"]["seed"] == 77                      # the page followed play's world, then finetuning in it
    assert snap["training"]["env_steps"] == 4 and snap["training"]["judged"] == 4
    assert [r["seed"] for r in snap["training"]["decisions"]] == [77] * 4
