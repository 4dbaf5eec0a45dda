"""bridge/client.py and bridge/bridge_process.py against a real embedded server and the real Node bridge."""
from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import time
from typing import Iterator

import numpy as np
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from agent.launch import World, launch
from bridge.bridge_process import BridgeProcess, BridgeProcessError
from bridge.client import BridgeError, SyncBridgeClient
from bridge.messages import SKILL_ERROR_KINDS, FrameSettings, Observation
from conftest import run_cli

SMALL = FrameSettings(fps=0, width=64, height=48)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with launch(seed=11, frames=SMALL) as w:
        yield w


def connect(world: World, frames: FrameSettings = SMALL) -> SyncBridgeClient:
    """Connect, retrying while the bridge still holds the previous test's connection."""
    for attempt in range(40):
        try:
            return SyncBridgeClient.connect(world.url, world.token, frames)
        except BridgeError as err:
            if err.kind != "busy" or attempt == 39:
                raise
            time.sleep(0.25)
    raise AssertionError


@pytest.fixture
def client(world: World) -> Iterator[SyncBridgeClient]:
    c = connect(world)
    yield c
    c.close()


def test_handshake(client: SyncBridgeClient, world: World) -> None:
    w = client.welcome
    assert w.protocol == 1 and w.minecraft == "1.21.4" and w.username == world.username
    assert w.connected and w.frames == SMALL
    assert w.verbs and all(v.verb for v in w.verbs)
    deadlines = {v.verb: v.deadline_ms for v in w.verbs}   # each verb's own, from skills/verbs/<verb>.js
    assert deadlines["dig_down"] == 600_000 and deadlines["mine"] == 300_000 and deadlines["craft"] == 120_000
    assert world.versions["minecraft"] == "1.21.4" and world.versions["node"].startswith("v22")
    assert 0 < client.ping() < 5


def test_bad_token_is_rejected(world: World) -> None:
    with pytest.raises(BridgeError) as err:
        SyncBridgeClient.connect(world.url, "not-the-token-at-all", SMALL)
    assert err.value.kind in ("bad_token", "busy")
    if err.value.kind == "busy":  # the previous test's socket was still closing: try once more
        time.sleep(1)
        with pytest.raises(BridgeError) as err:
            SyncBridgeClient.connect(world.url, "not-the-token-at-all", SMALL)
    assert err.value.kind == "bad_token"
    connect(world).close()  # the bridge still serves the right token


def test_bad_protocol_version_closes_4002(world: World) -> None:
    async def run() -> tuple[dict, int | None]:
        for _ in range(40):
            async with ws_connect(world.url, proxy=None) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": 99, "token": world.token}))
                answer = json.loads(await ws.recv())
                if answer.get("kind") == "busy":
                    await asyncio.sleep(0.25)
                    continue
                try:
                    await ws.recv()
                except ConnectionClosed as closed:
                    return answer, closed.rcvd.code if closed.rcvd else None
        raise AssertionError("the bridge stayed busy")

    answer, code = asyncio.run(run())
    assert answer["type"] == "error" and answer["kind"] == "bad_protocol" and code == 4002


def test_observe_returns_a_full_state(client: SyncBridgeClient) -> None:
    s = client.observe()
    assert isinstance(s, Observation)
    assert s.alive and s.username == client.welcome.username and s.dimension == "overworld"
    assert all(math.isfinite(v) for v in (s.position.x, s.position.y, s.position.z))
    assert 0 < s.health <= 20 and 0 <= s.food <= 20 and s.xp.level >= 0
    assert set(s.equipment) >= {"hand", "offhand", "head", "chest", "legs", "feet"}
    assert s.nearby_blocks.radius > 0 and sum(s.nearby_blocks.counts.values()) > 0
    assert isinstance(s.inventory, dict) and isinstance(s.nearby_entities, list)
    name, near = next(iter(s.nearby_blocks.nearest.items()))
    assert name in s.nearby_blocks.counts and near.distance is not None


def test_frame_request_with_labels(client: SyncBridgeClient) -> None:
    f = client.frame(labels=True)
    assert f.rgb.shape == (48, 64, 3) and f.rgb.dtype == np.uint8
    assert f.labels is not None and f.labels.shape == (48, 64) and f.labels.dtype == np.uint16
    assert f.header.id is not None and f.rgb.std() > 0  # a rendered picture, not a flat fill
    assert client.latest_frame is None  # a requested frame is not a stream frame


def test_frame_stream_arrives(world: World) -> None:
    with connect(world, FrameSettings(fps=5, width=32, height=32)) as c:
        first = c.next_frame(timeout=20)
        assert first.rgb.shape == (32, 32, 3)
        time.sleep(2)
        assert c.frames_received >= 3
        assert c.latest_frame is not None and c.latest_frame.seq > first.seq


def test_a_skill_returns_a_structured_result(client: SyncBridgeClient) -> None:
    seen = []
    r = client.run_skill("mine:oak_log", {"count": 1}, deadline_ms=90_000, on_event=seen.append)
    assert r.token == "mine:oak_log" and isinstance(r.ok, bool) and r.ticks >= 0 and r.wall_ms > 0
    if r.ok:
        assert r.inventory_delta.get("oak_log", 0) >= 1
    else:
        assert r.error is not None and r.error.kind in SKILL_ERROR_KINDS
    assert [e.event for e in seen][:1] == ["skill_started"]
    # a skill that cannot run fails fast with a structured error
    r2 = client.run_skill("craft:diamond_sword", deadline_ms=10_000)
    assert not r2.ok and r2.error is not None and r2.error.kind in SKILL_ERROR_KINDS
    assert not r2.detail.get("refused")


def test_unknown_skill_is_a_structured_error_and_the_bridge_keeps_serving(client: SyncBridgeClient) -> None:
    r = client.run_skill("fly:moon", deadline_ms=5_000)
    assert not r.ok and r.error is not None and r.error.kind == "unknown_skill" and r.detail == {"refused": True}
    r = client.run_skill("mine:oak_log", {"count": 999}, deadline_ms=5_000)
    assert not r.ok and r.error is not None and r.error.kind == "bad_arguments"
    r = client.run_skill("mine:not_a_block", deadline_ms=5_000)
    assert not r.ok and r.error is not None and r.error.kind == "unknown_skill"
    assert client.observe().alive and client.ping() < 5


def test_cancel_and_deadline(client: SyncBridgeClient) -> None:
    started = []

    def on_event(e):  # runs in the client's loop thread
        if e.event == "skill_started":
            started.append(e.id)

    import threading

    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", client.run_skill(
        "mine:oak_log", {"count": 64}, deadline_ms=120_000, on_event=on_event, skill_id="long1")))
    t.start()
    deadline = time.monotonic() + 20
    while not started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started == ["long1"]
    client.cancel("long1")
    t.join(30)
    r = result["r"]
    assert not r.ok and r.error is not None and r.error.kind == "cancelled"
    r = client.run_skill("mine:oak_log", {"count": 64}, deadline_ms=300)
    assert not r.ok and r.error is not None and r.error.kind == "deadline" and r.wall_ms < 5000
    assert not r.detail.get("client_timeout")  # the bridge's own deadline ended it


def test_a_dying_bridge_fails_the_skill_instead_of_hanging(world: World) -> None:
    """A second bridge (its own bot) on the same server, killed with SIGKILL while a skill runs."""
    bridge = BridgeProcess(world.server, username="larm_kill")
    bridge.start()
    try:
        c = SyncBridgeClient.connect(bridge.url, bridge.token, SMALL)
        try:
            import threading

            out = {}
            started = threading.Event()
            t = threading.Thread(target=lambda: out.setdefault("r", c.run_skill(
                "mine:oak_log", {"count": 64}, deadline_ms=120_000,
                on_event=lambda e: started.set() if e.event == "skill_started" else None)))
            t.start()
            assert started.wait(20)
            time.sleep(0.5)
            assert bridge.process is not None
            os.killpg(bridge.process.pid, signal.SIGKILL)
            t.join(30)
            assert not t.is_alive(), "run_skill hung after the bridge died"
            r = out["r"]
            assert not r.ok and r.error is not None
            assert r.error.kind == "disconnected"
            deadline = time.monotonic() + 10
            while not c.closed and time.monotonic() < deadline:
                time.sleep(0.1)
            assert c.closed
            assert any(e.event == "bridge_closed" for e in c.drain_events())
            with pytest.raises(BridgeError) as err:
                c.observe(timeout=5)
            assert err.value.kind == "disconnected"
            r2 = c.run_skill("explore")
            assert r2.error is not None and r2.error.kind == "disconnected"
        finally:
            c.close()
        deadline = time.monotonic() + 10  # the killed process is reaped asynchronously
        while bridge.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(BridgeProcessError, match="died"):
            bridge.ensure_running()
    finally:
        bridge.stop()


def test_bridge_process_surfaces_the_bridge_log_when_it_cannot_start() -> None:
    bridge = BridgeProcess("127.0.0.1:25565", username="x")  # too short a name: the bridge exits 2 at once
    with pytest.raises(BridgeProcessError, match="exited with code 2") as err:
        bridge.start()
    assert "--username" in str(err.value)  # its stderr tail is in the error
    assert not bridge.alive()


@pytest.mark.slow
def test_bridge_process_reports_a_server_that_is_not_there() -> None:
    """The bridge gives up after its 60 s join timeout: exit 3 with an error line."""
    bridge = BridgeProcess("127.0.0.1:1", startup_timeout=90)
    with pytest.raises(BridgeProcessError) as err:
        bridge.start()
    assert "could not" in str(err.value) or "exited" in str(err.value)
    assert not bridge.alive()


def test_bench_bridge_json() -> None:
    result = run_cli("bench", "bridge", "--json", "--seed", "4", "--observes", "30", "--stream-seconds", "2",
                     "--skill-trials", "5", "--size", "64x48", timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["observe"]["n"] == 30 and report["observe"]["p50_ms"] > 0
    assert report["stream"]["frames"] > 0 and report["stream"]["fps"] > 0
    assert report["skill_dispatch"]["overhead"]["n"] == 5
