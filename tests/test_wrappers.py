"""agent/wrappers.py and gymnasium's contract, on scripted worlds (tests/scripted_world.py) under the real
MinecraftEnv: token actions, the step limit and its reason, recording; check_env (test_env.py runs it on a
real world)."""
from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agent  # noqa: F401  (registers larm/Minecraft-v0)
from agent.env import MinecraftEnv
from agent.registration import make_env
from agent.recording import load_session, load_sessions
from bridge.messages import FrameSettings
from scripted_world import ScriptedWorld, use_scripted_worlds
from skills.vocabulary import token_index, vocabulary

SMALL = FrameSettings(fps=0, width=32, height=24)


@pytest.fixture
def worlds(monkeypatch: pytest.MonkeyPatch) -> list[ScriptedWorld]:
    return use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version")
def test_check_env_passes_on_the_env_and_the_registered_stack(worlds: list[ScriptedWorld], tmp_path: Path) -> None:
    env = gym.make("larm/Minecraft-v0", task="wooden_sword", frames=SMALL, record_dir=tmp_path)
    try:
        assert isinstance(env.unwrapped, MinecraftEnv) and env.unwrapped.spec is not None
        assert env.action_space == gym.spaces.Discrete(len(vocabulary()))
        check_env(env.unwrapped)
        check_env(env)
    finally:
        env.close()
    assert len(worlds) > 10  # check_env resets a fresh world many times


def test_the_env_takes_only_vocabulary_indices(worlds: list[ScriptedWorld]) -> None:
    env = MinecraftEnv(task="wooden_sword", frames=SMALL)
    try:
        env.reset(seed=1)
        for bad in ("mine:oak_log", ("mine:oak_log", {}), -1, len(vocabulary()), 2.0):
            with pytest.raises(ValueError, match="not an index of the vocabulary"):
                env.step(bad)  # type: ignore[arg-type]
        _, _, _, _, info = env.step(np.int64(token_index()["mine:oak_log"]))
        assert info["token"] == "mine:oak_log" and info["args"] is None and info["result"]["ok"]
        assert worlds[-1].calls == [("mine:oak_log", None)]
    finally:
        env.close()


def test_token_actions_carry_args_and_tokens_outside_the_vocabulary(worlds: list[ScriptedWorld]) -> None:
    env = make_env(task="wooden_sword", frames=SMALL)
    try:
        env.reset(seed=1)
        _, _, _, _, info = env.step(("mine:oak_log", {"count": 3}))
        assert info["in_vocabulary"] and info["args"] == {"count": 3}
        _, _, _, _, info = env.step("dig_down:-50")
        assert not info["in_vocabulary"] and info["result"]["error"]["kind"] == "unknown_skill"
        env.step(token_index()["craft:oak_planks"])
        assert worlds[-1].calls == [("mine:oak_log", {"count": 3}), ("dig_down:-50", None), ("craft:oak_planks", None)]
    finally:
        env.close()


def test_the_step_limit_truncates_and_says_why(worlds: list[ScriptedWorld]) -> None:
    env = make_env(task="wooden_sword", frames=SMALL, max_steps=2)
    try:
        env.reset(seed=1)
        _, _, terminated, truncated, info = env.step("explore")
        assert not terminated and not truncated and "truncated_reason" not in info
        _, _, terminated, truncated, info = env.step("explore")
        assert truncated and not terminated and info["truncated_reason"] == "step limit"
    finally:
        env.close()


def test_a_lost_world_truncates_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, dies_after=1))
    env = make_env(task="wooden_sword", frames=SMALL, max_steps=5)
    try:
        env.reset(seed=1)
        _, _, terminated, truncated, info = env.step("mine:oak_log")
        assert truncated and not terminated
        assert info["lost"] == "the embedded server exited with code 1"
        assert info["truncated_reason"] == "world lost: the embedded server exited with code 1"
    finally:
        env.close()


def test_record_session_writes_each_episode_and_why_it_ended(worlds: list[ScriptedWorld], tmp_path: Path) -> None:
    env = make_env(task="wooden_sword", frames=SMALL, max_steps=2, record_dir=tmp_path, policy="scripted",
                   record_labels=True)
    try:
        _, info = env.reset(seed=4)
        first = Path(info["session"])
        env.step(("mine:oak_log", {"count": 3}))
        _, _, _, truncated, info = env.step("fly:moon")
        assert truncated and info["session"] == str(first)
        _, info = env.reset(seed=5)                      # a second episode, left open
        second = Path(info["session"])
        env.step("mine:oak_log")
    finally:
        env.close()
    assert [s.path for s in load_sessions(tmp_path)] == sorted([first, second])
    one, two = load_session(first), load_session(second)
    assert one.complete and one.metadata["end_reason"] == "max_steps" and two.metadata["end_reason"] == "close"
    assert one.metadata["policy"] == {"name": "scripted"} and one.metadata["max_steps"] == 2
    assert (one.metadata["episode"], two.metadata["episode"]) == (1, 2) and one.metadata["seed"] == 4
    assert one.metadata["milestones_achieved"] == ["log"] and not one.metadata["success"]
    assert [e["type"] for e in one.events] == ["reset", "step", "step", "end"]
    step1, step2 = one.steps
    assert (step1["token"], step1["args"], step2["token"], step2["args"]) == ("mine:oak_log", {"count": 3}, "fly:moon", None)
    assert step1["observation"] == one.events[0]["observation"]  # the text the decision was made on
    assert step2["observation"].endswith("mine:oak_log ok (+3 oak_log)")
    assert step2["truncated"] and not step2["terminated"] and step2["lost"] is None
    assert one.frame_count() == 3 and one.labels(1) is not None and one.labels(1).shape == (24, 32)


def test_record_session_ends_with_success_and_with_a_lost_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, dies_after=2 if seed == 2 else None))
    env = make_env(task="wooden_sword", frames=SMALL, max_steps=10, record_dir=tmp_path)
    try:
        env.reset(seed=1)
        _, _, terminated, _, info = env.step("craft:wooden_sword")
        done = load_session(info["session"])
        env.reset(seed=2)
        env.step("explore")
        _, _, _, truncated, info = env.step("explore")
        lost = load_session(info["session"])
    finally:
        env.close()
    assert terminated and done.metadata["end_reason"] == "success" and done.metadata["success"]
    assert truncated and lost.metadata["end_reason"] == "lost"
    assert lost.steps[-1]["lost"] == "the embedded server exited with code 1"


def test_skills_run_with_their_verbs_own_deadline_unless_one_is_given(worlds: list[ScriptedWorld]) -> None:
    env = MinecraftEnv(task="wooden_sword", frames=SMALL)
    try:
        env.reset(seed=1)
        env.step_token("mine:oak_log")       # the bridge announced 300 000 ms for mine
        env.step_token("craft:oak_planks")   # craft announced no deadline of its own
        env.step_token("eat:bread")          # a verb the bridge did not list
        assert env.client.deadlines == [300_000, 120_000, 120_000]
    finally:
        env.close()
    env = MinecraftEnv(task="wooden_sword", frames=SMALL, deadline_ms=5_000)
    try:
        env.reset(seed=1)
        env.step_token("mine:oak_log")
        assert env.client.deadlines == [5_000]
    finally:
        env.close()
