"""Experience the learners can trust (issue 10): two resets are two clean starts, the game clock runs K times
faster on both sides, a stuck episode ends as stuck, and training refuses evaluation seeds."""
from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.env import MinecraftEnv
from agent.recording import load_session
from agent.registration import make_env
from agent.seeds import EVALUATION_SEEDS, TRAINING_SEEDS, check_training_seeds, seed_range_name
from agent.wrappers import TokenActions
from conftest import run_cli
from bridge.messages import FrameSettings
from scripted_world import ScriptedWorld, use_scripted_worlds
from world.embedded_server import MAX_SPEED, check_speed
from world.node_runtime import NODE_BIN as NODE, REPO_ROOT

SMALL = FrameSettings(fps=0, width=32, height=24)


# ------------------------------------------------------------------------------------------- real worlds

@pytest.mark.slow
def test_two_consecutive_resets_give_two_clean_starts() -> None:
    env = TokenActions(MinecraftEnv(task="wooden_sword", frames=SMALL, speed=4))
    try:
        _, info = env.reset(seed=11)
        start = info["state"]
        assert start["inventory"] == {} and start["health"] == 20
        _, _, _, _, info = env.step(("mine:oak_log", {"count": 2}))
        assert info["result"]["ok"], info["result"]
        played = info["state"]
        assert played["inventory"].get("oak_log", 0) >= 1 and played["tick"] > start["tick"] + 100
        first_server = env.unwrapped.world.server

        _, info = env.reset(seed=11)
        again = info["state"]
        assert env.unwrapped.world.server != first_server          # a new world, not the last one's leftovers
        assert again["inventory"] == {} and again["health"] == 20 and again["food"] == 20
        assert again["tick"] < played["tick"] - 100                 # the clock starts over
        here, there = again["position"], start["position"]
        assert abs(here["x"] - there["x"]) < 1 and abs(here["z"] - there["z"]) < 1   # at the seed's spawn
        assert info["step"] == 0 and info["milestones_achieved"] == []
    finally:
        env.close()


@pytest.mark.slow
def test_skill_deadlines_and_the_tick_rate_follow_the_game_clock() -> None:
    env = TokenActions(MinecraftEnv(task="wooden_sword", frames=SMALL, speed=4))
    try:
        env.reset(seed=12)
        # 12 s of game time: a long explore is cut by its deadline after about 3 s of real time at K = 4
        env.unwrapped.deadline_ms = 12_000
        t = time.monotonic()
        _, _, _, _, info = env.step(("explore", {"distance": 128}))
        real = time.monotonic() - t
        assert info["result"]["error"]["kind"] == "deadline", info["result"]
        assert 1.5 < real < 8.0, f"a 12 s game-time deadline took {real:.1f} s of real time at speed 4"
        assert 180 <= info["result"]["ticks"] <= 300                 # 12 s of game time is 240 ticks
        clock = info["clock"]
        assert clock["speed"] == 4 and 55 < clock["ticks_per_s"] < 100 and clock["keeps_up"] in (True, False)
    finally:
        env.close()


@pytest.mark.slow
def test_the_embedded_world_stands_still_while_the_agent_looks_and_decides() -> None:
    env = TokenActions(MinecraftEnv(task="wooden_sword", frames=SMALL, speed=4))
    try:
        env.reset(seed=13)   # before the first skill the world runs, but not while a frame it asked for renders
        client = env.unwrapped.client
        paused0 = client.observe().to_dict()["paused_s"]
        for _ in range(3):
            client.frame()
        assert client.observe().to_dict()["paused_s"] > paused0, "the world ran while the agent's frames rendered"
        _, _, _, _, info = env.step(("explore", {"distance": 16}))
        before = info["state"]
        time.sleep(1.5)   # the agent thinks: 120 game ticks at K = 4 if the world ran on
        still = client.observe().to_dict()
        assert still["tick"] == before["tick"], "the bot's clock ran between skills"
        assert still["time_of_day"] == before["time_of_day"], "the server's clock ran between skills"
        assert still["paused_s"] - before["paused_s"] >= 1.4
        _, _, _, _, info = env.step(("explore", {"distance": 16}))
        assert info["state"]["tick"] > still["tick"] and info["state"]["time_of_day"] > still["time_of_day"]
        assert info["clock"]["paused_s"] >= 1.4 and info["clock"]["keeps_up"] in (True, False)
    finally:
        env.close()


def test_the_node_game_clock_scales_timers_and_clocks_and_refuses_bad_speeds() -> None:
    script = """
const clock = require('./world/util/game_clock')
clock.install(5)
const { setTimeout: sleep } = require('node:timers/promises')
const real0 = clock.real.perfNow(), game0 = performance.now(), date0 = Date.now()
setTimeout(async () => {
  const real = clock.real.perfNow() - real0
  await sleep(500)
  const realAll = clock.real.perfNow() - real0
  console.log(JSON.stringify({ real, realAll, game: performance.now() - game0, date: Date.now() - date0, speed: clock.speed() }))
}, 1000)
"""
    out = subprocess.run([str(NODE), "-e", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    import json

    r = json.loads(out.stdout)
    assert r["speed"] == 5
    assert 180 <= r["real"] <= 600, r               # setTimeout 1000 game ms = 200 real ms
    assert 80 <= r["realAll"] - r["real"] <= 300, r  # timers/promises too: 500 game ms = 100 real ms
    assert 1400 <= r["game"] <= 4500 and 1400 <= r["date"] <= 4500, r   # both clocks run 5x
    for bad in ("0", "-1", "abc", "", "21"):
        refused = subprocess.run([str(NODE), "-e", f"require('./world/util/game_clock').install({bad!r})"],
                                 cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
        assert refused.returncode != 0 and "bad --speed" in refused.stderr, (bad, refused.stderr)


def test_the_speed_bound_is_the_same_in_python_and_node() -> None:
    source = (REPO_ROOT / "world" / "util" / "game_clock.js").read_text()
    assert f"const MAX_SPEED = {MAX_SPEED:g} " in source
    assert check_speed("2.5") == 2.5 and check_speed(1) == 1.0
    for bad in (0, -1, "abc", float("nan"), float("inf"), MAX_SPEED + 1, True, None):
        with pytest.raises(ValueError, match="speed"):
            check_speed(bad)
    with pytest.raises(ValueError, match="its own speed"):
        MinecraftEnv(server="127.0.0.1:25565", speed=4)


# ------------------------------------------------------------------------------------------- scripted worlds

def test_a_skill_bug_is_recorded_with_the_bridge_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = ["[bridge] internal error in surface: TypeError: Cannot read properties of undefined (reading 'y')",
           "    at climbStairs (skills/lib/escape.js:210:20)"]
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, bridge=SimpleNamespace(stderr_tail=log)))
    env = make_env(task="wooden_sword", frames=SMALL, record_dir=tmp_path, max_steps=5)
    try:
        env.reset(seed=5)
        _, _, _, _, info = env.step(("bug", None))
        assert info["result"]["error"]["kind"] == "internal"
        assert info["result"]["detail"]["bridge_log"] == log
        _, _, _, _, info = env.step(("craft:oak_planks", None))
        assert "bridge_log" not in (info["result"]["detail"] or {})     # only with an internal error
    finally:
        env.close()
    steps = [e for e in load_session(next(tmp_path.iterdir())).events if e["type"] == "step"]
    assert steps[0]["result"]["detail"]["bridge_log"] == log


def test_an_episode_ends_as_stuck_after_n_decisions_with_no_change(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    env = make_env(task="wooden_sword", frames=SMALL, stuck_after=3, record_dir=tmp_path, max_steps=50)
    try:
        env.reset(seed=1)
        _, _, _, truncated, info = env.step(("mine:oak_log", None))       # the inventory changes
        assert not truncated and env.unwrapped.unchanged == 0
        for n in (1, 2):
            _, _, _, truncated, info = env.step(("fly:moon", None))        # fails: nothing changes
            assert not truncated and env.unwrapped.unchanged == n
        _, _, terminated, truncated, info = env.step(("fly:moon", None))
        assert truncated and not terminated and info["stuck"]
        assert info["truncated_reason"].startswith("stuck: 3 decisions in a row")
        from agent.recording import load_session

        assert load_session(info["session"]).metadata["end_reason"] == "stuck"
    finally:
        env.close()


def test_an_inventory_that_goes_back_and_forth_is_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    # make_obsidian cut by its deadline empties the water bucket, the next fills it again: a trapped bot
    # that toggles its inventory is stuck all the same
    skills = {"pour": {"water_bucket": -1, "bucket": 1}, "fill": {"bucket": -1, "water_bucket": 1},
              "mine:oak_log": {"oak_log": 1}}
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, skills=skills, inventory={"water_bucket": 1}))
    env = make_env(task="wooden_sword", frames=SMALL, stuck_after=4, max_steps=50)
    try:
        env.reset(seed=1)
        truncated = False
        for n, token in enumerate(["pour", "fill", "pour", "fill", "pour"], 1):
            _, _, _, truncated, info = env.step((token, None))
            assert truncated == (n == 5), (n, info.get("truncated_reason"))
        assert info["stuck"]                     # pour (new), fill, pour, fill, pour: 4 unchanged after the first
        env.reset(seed=1)
        for token in ["pour", "fill", "mine:oak_log", "pour", "fill"]:   # a new item (and milestone) in between
            _, _, _, truncated, info = env.step((token, None))
            assert not truncated
    finally:
        env.close()


def test_stuck_after_none_never_ends_an_episode_and_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    env = make_env(task="wooden_sword", frames=SMALL, stuck_after=None, max_steps=100)
    try:
        env.reset(seed=1)
        for _ in range(60):
            _, _, _, truncated, _ = env.step(("fly:moon", None))
            assert not truncated
    finally:
        env.close()
    for bad in (0, -3, True):
        with pytest.raises(ValueError, match="stuck_after"):
            MinecraftEnv(frames=SMALL, stuck_after=bad)


def test_evaluation_and_training_seeds_are_disjoint_and_training_refuses_evaluation_seeds() -> None:
    assert not set(range(TRAINING_SEEDS.stop - 5, TRAINING_SEEDS.stop)) & set(EVALUATION_SEEDS)
    assert TRAINING_SEEDS.stop <= EVALUATION_SEEDS.start
    assert [seed_range_name(s) for s in (7, 1_000_000, 1_999_999, 2_000_000)] == \
        ["training", "evaluation", "evaluation", "other"]
    check_training_seeds(range(1, 100))
    with pytest.raises(ValueError, match="1000000 is an evaluation seed"):
        check_training_seeds(range(999_990, 1_000_010))
    check_training_seeds([1_000_001], allow_evaluation_seeds=True)


def test_cola_rl_refuses_evaluation_seeds_before_it_loads_anything(tmp_path: Path) -> None:
    from brain.training import cola_rl
    from brain.training.options import TrainOptions

    def options(**settings: str) -> TrainOptions:
        return TrainOptions(phase="cola-rl", out=tmp_path / "out", init=tmp_path / "missing", steps=8,
                            extra=settings)

    with pytest.raises(ValueError, match="1000000 is an evaluation seed"):
        cola_rl.run(options(world_seed="1000000"), print)
    with pytest.raises(ValueError, match="999999 is an evaluation seed|1000000 is an evaluation seed"):
        cola_rl.run(options(world_seed="999995"), print)       # 8 episodes would cross into the range
    with pytest.raises(ValueError, match="speed"):
        cola_rl.run(options(speed="0"), print)
    with pytest.raises(Exception) as past_the_check:              # allowed: it goes on (to the missing init)
        cola_rl.run(dataclasses.replace(options(world_seed="1000000"), allow_evaluation_seeds=True), print)
    assert "evaluation seed" not in str(past_the_check.value)


@pytest.mark.slow
def test_a_world_killed_mid_episode_ends_it_lost_and_the_next_reset_starts_a_new_one() -> None:
    import os
    import signal

    env = TokenActions(MinecraftEnv(task="wooden_sword", frames=SMALL, speed=4, reconnect_timeout=5))
    try:
        env.reset(seed=13)
        server = env.unwrapped.world.embedded_server
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(10)
        _, _, terminated, truncated, info = env.step(("mine:oak_log", None))
        assert truncated and not terminated and info["truncated_reason"].startswith("world lost")
        _, info = env.reset(seed=13)                     # no traceback from the dead world, a fresh one
        assert env.unwrapped.world.embedded_server.alive() and info["state"]["inventory"] == {}
    finally:
        env.close()


def test_offline_training_refuses_sessions_recorded_on_evaluation_seeds(tmp_path: Path) -> None:
    from agent.recording import SessionRecorder
    from brain.data.decisions import DatasetError, load_decisions

    for name, seed in (("train", 5), ("held_out", EVALUATION_SEEDS.start + 5)):
        with SessionRecorder(tmp_path / name, {"task": "wooden_sword", "seed": seed}) as rec:
            rec.log_reset("the start", state={"inventory": {}})
            rec.log_step(1, "the start", "mine:oak_log", {"token": "mine:oak_log", "ok": True}, 0.1,
                         state={"inventory": {"oak_log": 1}}, terminated=True, truncated=False)
    assert len(load_decisions([tmp_path / "train"], with_frames=False)) == 1
    with pytest.raises(DatasetError, match=f"held_out: recorded on seed {EVALUATION_SEEDS.start + 5} is an evaluation seed"):
        load_decisions([tmp_path], with_frames=False)
    assert len(load_decisions([tmp_path], with_frames=False, allow_evaluation_seeds=True)) == 2


def test_a_world_with_no_seed_given_never_gets_an_evaluation_or_training_seed() -> None:
    import random

    from agent.seeds import OTHER_SEEDS, random_world_seed

    rng = random.Random(0)
    drawn = [random_world_seed(rng) for _ in range(10_000)] + [random_world_seed() for _ in range(100)]
    assert all(s in OTHER_SEEDS and s not in EVALUATION_SEEDS and s not in TRAINING_SEEDS for s in drawn)


def test_bench_world_refuses_bad_speeds_and_counts() -> None:
    for args, message in ((["--speeds", "0"], "--speeds"), (["--speeds", "1,50"], "above the most"),
                          (["--worker-speed", "-1"], "--worker-speed"), (["--seeds", "0"], "at least 1")):
        result = run_cli("bench", "world", *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr[-500:])


@pytest.mark.slow
def test_bench_world_measures_each_speed_and_the_workers_against_speed_1() -> None:
    import json

    result = run_cli("bench", "world", "--speeds", "1,4", "--workers", "1", "--worker-speed", "4", "--decisions", "2",
                     "--seeds", "1", "--resets", "1", "--json", timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["reset"]["resets"] == 1 and 0 < report["reset"]["mean_s"] < 60
    slow, fast = report["speeds"]
    assert (slow["speed"], fast["speed"]) == (1.0, 4.0) and slow["decisions"] == fast["decisions"] == 2
    assert slow["speedup"] == 1.0 and fast["ticks"] > 0 and fast["keeps_up"] in (True, False)
    assert sum(v["skills"] for v in slow["ticks_by_verb"].values()) == 2 and fast["ticks_by_verb"].keys() == slow["ticks_by_verb"].keys()
    # the game clock is what was asked: ticks per second near 20 K (a busy machine may fall behind at 4)
    assert 15 <= slow["ticks_per_s"] <= 25 and fast["ticks_per_s"] > 1.5 * slow["ticks_per_s"], report["speeds"]
    assert 0 < slow["stood_still"] < 1 and 0 < fast["stood_still"] < 1   # the clock stood still between skills
    (row,) = report["workers"]
    assert row["workers"] == 1 and row["speed"] == 4.0 and row["decisions"] == 2 and row["lost"] == 0
    assert row["speedup"] == round(row["decisions_per_hour"] / slow["decisions_per_hour"], 2)
