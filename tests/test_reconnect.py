"""The agent is told what a reconnect found (issue 14): when the Minecraft server restarts on its world folder,
the episode goes on with the bot's inventory; when a fresh world takes the server's place, the episode ends
saying the world was reset, and the session records both. A real embedded server (as the user's server the env
joins, so the test can restart it), the real bridge and mineflayer bot, a real skill to gather an item."""
from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from agent.env import MinecraftEnv
from agent.recording import load_session
from agent.wrappers import RecordSession, TokenActions
from bridge.messages import FrameSettings
from scripted_world import ScriptedWorld, use_scripted_worlds
from world.embedded_server import EmbeddedServer


SMALL = FrameSettings(fps=0, width=32, height=24)
SEED = 4242   # a training seed with oak trees near the spawn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, folder: Path | None) -> EmbeddedServer:
    """The embedded world on `port`: kept in `folder`, or fresh in memory when None."""
    server = EmbeddedServer(seed=SEED, port=port, world_folder=folder)
    server.start()
    return server


def attached_env(port: int) -> TokenActions:
    """The env on the server at `port`, as on a user's server: the test may restart it under the bot."""
    return TokenActions(MinecraftEnv(task="wooden_sword", server=f"127.0.0.1:{port}", frames=SMALL,
                                     reconnect_timeout=60, stuck_after=None))


@pytest.mark.slow   # starts embedded servers and a bridge: a minute each
def test_a_restart_on_the_world_folder_continues_the_episode_and_a_fresh_world_ends_it_as_reset(tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "world"
    server = start_server(port, folder)
    env = RecordSession(attached_env(port), tmp_path / "sessions")
    try:
        _, info = env.reset()
        world = info["state"]["world"]
        assert world["id"] == server.info.world_id and world["game_time"] >= 0
        _, _, _, truncated, info = env.step(("mine:oak_log", {"count": 1}))
        assert info["result"]["ok"] and not truncated, info["result"]
        logs = info["state"]["inventory"]["oak_log"]

        server.stop()                                   # saves the world folder
        server = start_server(port, folder)
        assert server.info.world_id == world["id"]
        _, _, _, truncated, info = env.step(("equip:oak_log", None))
        assert not truncated, info.get("truncated_reason")
        back = info["reconnects"][-1]
        assert back["same_world"] is True and back["lost"] == [], back
        assert info["state"]["inventory"]["oak_log"] == logs
        assert info["state"]["world"]["game_time"] >= world["game_time"]

        server.stop()
        server = start_server(port, None)               # a fresh world in memory on the same address
        _, _, terminated, truncated, info = env.step(("equip:oak_log", None))
        assert truncated and not terminated
        assert info["lost"].startswith("the world was reset while the bot was away"), info["lost"]
        assert "a different world" in info["truncated_reason"] and "oak_log" in info["truncated_reason"]
        session = load_session(info["session"])
    finally:
        env.close()
        server.stop()

    assert session.metadata["end_reason"] == "lost" and "world was reset" in session.metadata["end_detail"]
    assert session.metadata["world_at_start"]["id"] == world["id"]
    reconnects = [e["data"] for step in session.steps for e in step["events"] if e["event"] == "reconnected"]
    assert [r["same_world"] for r in reconnects] == [True, False], json.dumps(reconnects)
    assert {lost["what"] for lost in reconnects[1]["lost"]} >= {"world", "game_time", "inventory"}
    assert session.steps[-1]["lost"] == info["lost"]


@pytest.mark.slow
def test_a_server_restarted_on_its_world_folder_mid_skill_fails_the_skill_and_the_episode_goes_on(tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "world"
    server = start_server(port, folder)
    env = attached_env(port)
    try:
        env.reset()
        _, _, _, _, info = env.step(("mine:oak_log", {"count": 1}))
        logs = info["state"]["inventory"]["oak_log"]
        out: dict = {}
        walking = threading.Thread(target=lambda: out.setdefault("step", env.step(("explore", {"distance": 64}))))
        walking.start()
        time.sleep(3)                                   # the bot is on its way
        before = env.unwrapped.state["world"]["game_time"]
        server.stop()
        server = start_server(port, folder)
        walking.join(90)
        assert not walking.is_alive(), "the step hung across the restart"
        _, _, terminated, truncated, info = out["step"]
        assert info["result"]["error"]["kind"] == "disconnected", info["result"]
        assert not truncated and not terminated, info.get("truncated_reason")
        assert info["reconnects"][-1]["same_world"] is True and info["reconnects"][-1]["lost"] == []
        assert info["state"]["inventory"]["oak_log"] == logs
        print(f"figure: restarted mid-skill: game time {before} -> {info['state']['world']['game_time']}, "
              f"{logs} oak_log kept, lost {info['reconnects'][-1]['lost']}, episode goes on")
        _, _, _, truncated, info = env.step(("equip:oak_log", None))   # and the bot plays on
        assert info["result"]["ok"] and not truncated, info["result"]
    finally:
        env.close()
        server.stop()


@pytest.mark.slow
def test_a_world_folder_killed_outright_comes_back_older_and_the_episode_ends_saying_the_game_time_went_back(
        tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "world"
    server = start_server(port, folder)
    env = attached_env(port)
    try:
        _, info = env.reset()
        world_id = info["state"]["world"]["id"]
        env.step(("mine:oak_log", {"count": 1}))
        assert server.process is not None
        os.killpg(server.process.pid, signal.SIGKILL)   # no save: the folder holds the world as it began
        server.process.wait(10)
        server = start_server(port, folder)
        assert server.info.world_id == world_id
        _, _, _, truncated, info = env.step(("equip:oak_log", None))
        back = info["reconnects"][-1]
        assert back["same_world"] is True, back          # the same world, but older than the bot left it
        assert truncated and "the game time went backwards" in info["lost"] and "oak_log" in info["lost"], info["lost"]
    finally:
        env.close()
        server.stop()


@pytest.mark.parametrize("later, reason", [
    ({"id": "a", "game_time": 5_000}, None),
    ({"id": "b", "game_time": 9_000}, "the bot is in another world (id a, now b)"),
    ({"id": None, "game_time": 40}, "the game time went backwards (5000 → 40 ticks)"),
])
def test_the_env_checks_the_states_world_against_the_episodes_even_without_a_reconnected_event(
        monkeypatch: pytest.MonkeyPatch, later: dict, reason: str | None) -> None:
    worlds = use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, world={"id": "a", "game_time": 100}))
    env = TokenActions(MinecraftEnv(task="wooden_sword", frames=SMALL))
    try:
        env.reset(seed=3)
        worlds[0].world = {"id": "a", "game_time": 5_000}
        *_, truncated, info = env.step("mine:oak_log")
        assert not truncated
        worlds[0].world = later
        *_, truncated, info = env.step("mine:oak_log")
        assert truncated == (reason is not None) and info.get("lost") == reason
    finally:
        env.close()
