"""agent/env.py: the gymnasium environment and its wrappers on a real embedded world and the real bridge
(test_wrappers.py checks the same contract on scripted worlds, in seconds)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from agent.env import MinecraftEnv
from agent.registration import make_env
from agent.recording import load_session, load_sessions
from bridge.messages import FrameSettings
from conftest import run_cli
from skills.vocabulary import token_index, vocabulary
from world.embedded_server import EmbeddedServer

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

SMALL = FrameSettings(fps=0, width=64, height=48)


def test_reset_step_record_and_fresh_worlds(tmp_path: Path) -> None:
    env = make_env(task="wooden_sword", max_steps=3, frames=SMALL, record_dir=tmp_path / "sessions", policy="test")
    minecraft = env.unwrapped
    assert isinstance(minecraft, MinecraftEnv)
    try:
        obs, info = env.reset(seed=5)
        assert env.observation_space.contains(obs)
        assert obs["frame"].shape == (48, 64, 3) and obs["frame"].dtype == np.uint8
        assert "inventory:" in obs["text"] and "task: craft a wooden sword" in obs["text"]
        mask = info["action_mask"]
        assert mask.dtype == np.bool_ and mask.shape == (len(vocabulary()),) == (env.action_space.n,)
        assert mask[token_index()["explore"]] and not mask[token_index()["craft:oak_planks"]]
        assert info["seed"] == 5 and minecraft.world is not None and minecraft.world.seed == 5
        first_server = minecraft.world.server

        obs, reward, terminated, truncated, info = env.step("craft:diamond_sword")
        assert not info["result"]["ok"] and info["result"]["error"]["kind"] in ("missing_items", "missing_tool", "not_found")
        assert reward == pytest.approx(-0.01) and not terminated and not truncated
        assert "craft:diamond_sword FAILED" in obs["text"]

        obs, reward, terminated, truncated, info = env.step(token_index()["mine:oak_log"])
        assert info["token"] == "mine:oak_log" and isinstance(info["result"]["ok"], bool)
        if info["result"]["ok"]:
            assert "log" in info["milestones"] and reward > 0.9
        assert not truncated

        obs, reward, terminated, truncated, info = env.step("fly:moon")  # not a skill: a structured failure
        assert info["result"]["error"]["kind"] == "unknown_skill" and not info["in_vocabulary"]
        assert truncated and not terminated and info["truncated_reason"] == "step limit"  # max_steps reached
        assert env.observation_space.contains(obs)

        folder = info["session"]
        session = load_session(folder)
        assert session.complete and session.metadata["seed"] == 5 and session.metadata["end_reason"] == "max_steps"
        assert session.metadata["policy"] == {"name": "test"} and session.metadata["versions"]["minecraft"] == "1.21.4"
        assert [e["type"] for e in session.events] == ["reset", "step", "step", "step", "end"]
        assert [e["token"] for e in session.steps] == ["craft:diamond_sword", "mine:oak_log", "fly:moon"]
        assert session.steps[0]["observation"].startswith("task:") and "state" in session.steps[0]
        assert session.frame_count() == 4
        assert len(load_sessions(tmp_path / "sessions")) == 1

        replay = run_cli("replay", str(folder), "--video", str(tmp_path / "replay.mp4"), timeout=120)
        assert replay.returncode == 0, replay.stderr
        assert "craft:diamond_sword" in replay.stdout and "unknown_skill" in replay.stdout
        import cv2

        cap = cv2.VideoCapture(str(tmp_path / "replay.mp4"))
        n = 0
        while cap.read()[0]:
            n += 1
        assert n == 4

        bridge = minecraft.world.bridge
        obs, info = env.reset()  # a fresh world, with a seed drawn from the env's generator
        assert minecraft.world.server != first_server and info["seed"] is not None and info["seed"] != 5
        assert bridge is not None and not bridge.alive()  # the previous world was stopped
        assert [s.complete for s in load_sessions(tmp_path / "sessions")] == [True, False]  # the new one is open
    finally:
        env.close()
    assert minecraft.world is None
    sessions = load_sessions(tmp_path / "sessions")
    assert [s.complete for s in sessions] == [True, True] and sessions[1].metadata["end_reason"] == "close"


@pytest.fixture(scope="module")
def user_server() -> Iterator[str]:
    """An embedded server standing for a user's own: envs attach to it (HOST:PORT)."""
    with EmbeddedServer(seed=9) as server:
        assert server.info is not None
        yield f"127.0.0.1:{server.info.port}"


def test_attached_to_a_user_server_keeps_the_world(user_server: str) -> None:
    env = make_env(server=user_server, frames=SMALL, max_steps=2, render_mode="rgb_array")
    minecraft = env.unwrapped
    assert isinstance(minecraft, MinecraftEnv)
    try:
        obs, info = env.reset()
        bridge = minecraft.world.bridge if minecraft.world else None
        assert info["seed"] is None and minecraft.world is not None and not minecraft.world.embedded
        assert env.render() is obs["frame"]
        env.step("craft:diamond_sword")
        _, info = env.reset()
        assert minecraft.world.bridge is bridge and bridge is not None and bridge.alive()
        assert info["step"] == 0
    finally:
        env.close()


def test_check_env_passes_on_a_real_world(user_server: str) -> None:
    # Short deadlines: check_env steps random skills (dig_down may dig for minutes otherwise). The render
    # check makes a second env, whose bot would log in under the same name: render is checked above.
    env = gym.make("larm/Minecraft-v0", server=user_server, frames=SMALL, deadline_ms=5000)
    try:
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="assists"):
        MinecraftEnv(server="127.0.0.1:25565", assists=["give"])
    env = MinecraftEnv(frames=SMALL)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    with pytest.raises(ValueError, match="not an index of the vocabulary"):
        env.step(10_000)


def test_render_state_text_is_compact_and_complete() -> None:
    from agent.observation_text import render_events, render_state_text

    state = {
        "username": "larm", "alive": True, "tick": 5, "time_of_day": 14000, "dimension": "overworld", "biome": "plains",
        "position": {"x": 1.26, "y": 64, "z": -3.5}, "facing": {"yaw": 0, "pitch": 0}, "health": 18.5, "food": 20,
        "xp": {"level": 2, "points": 20, "progress": 0.1}, "inventory": {"oak_log": 3, "diamond_sword": 1},
        "enchanted": {"diamond_sword": [[{"name": "sharpness", "level": 2}]]},
        "equipment": {"hand": "diamond_sword", "offhand": None, "head": "iron_helmet", "chest": None, "legs": None, "feet": None},
        "nearby_blocks": {"radius": 16, "counts": {"stone": 400, "iron_ore": 3, "oak_log": 9},
                          "nearest": {"iron_ore": {"x": 1, "y": 60, "z": 2, "distance": 5.2}}},
        "nearby_entities": [{"name": "cow", "kind": "animal", "position": {"x": 8, "y": 64, "z": 1}, "distance": 7.1}],
        "dropped_items": [{"item": "oak_log", "count": 1, "position": {"x": 2, "y": 64, "z": 0}, "distance": 2.0}],
    }
    recent = [{"token": "mine:oak_log", "ok": True, "error": None, "inventory_delta": {"oak_log": 3}},
              {"token": "craft:stick", "ok": False, "error": {"kind": "missing_items", "message": "needs planks"},
               "inventory_delta": {}}]
    text = render_state_text(state, recent, task="craft a diamond sword")
    for part in ("task: craft a diamond sword", "health 18.5/20", "xp level 2", "x=1.3 y=64 z=-3.5", "plains", "night",
                 "holding diamond_sword", "wearing iron_helmet", "1 diamond_sword, 3 oak_log",
                 "diamond_sword (sharpness 2)", "iron_ore 3 (nearest 5.2m)", "cow 7.1m", "1 oak_log 2m",
                 "mine:oak_log ok (+3 oak_log)", "craft:stick FAILED missing_items: needs planks"):
        assert part in text, part
    assert text.index("iron_ore") < text.index("stone 400")  # ores before common blocks
    assert text.isascii() and len(text) < 1200
    assert render_state_text(state, recent) == render_state_text(state, recent)
    assert render_events([{"event": "chat", "data": {"username": "bob", "message": "h\u00e9llo"}}]).isascii()
    assert render_events([]) == ""
