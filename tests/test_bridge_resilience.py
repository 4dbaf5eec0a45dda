"""The bridge when things go wrong: the Minecraft server dies mid-skill and comes back; bad input on the
websocket. Real embedded server, real Node bridge, real websocket."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
from websockets.asyncio.client import connect as ws_connect

from bridge.bridge_process import BridgeProcess
from bridge.client import SyncBridgeClient
from world.embedded_server import EmbeddedServer
from bridge.messages import FrameSettings

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

SMALL = FrameSettings(fps=0, width=64, height=48)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_event(client: SyncBridgeClient, name: str, timeout: float) -> list:
    seen: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += client.drain_events()
        if any(e.event == name for e in seen):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"no '{name}' event within {timeout} s; saw {[e.event for e in seen]}")


def test_server_death_mid_skill_fails_the_skill_then_the_bridge_reconnects() -> None:
    port = free_port()
    server = EmbeddedServer(seed=3, port=port)
    server.start()
    # as on the embedded world, the bridge stops the world between skills: a bot that left must not keep it stopped
    bridge = BridgeProcess(f"127.0.0.1:{port}", username="larm_rc", extra_args=["--pause-world", "yes"])
    bridge.start()
    try:
        client = SyncBridgeClient.connect(bridge.url, bridge.token, SMALL)
        started = threading.Event()
        out: dict = {}
        runner = threading.Thread(target=lambda: out.setdefault("result", client.run_skill(
            "explore", {"distance": 128}, deadline_ms=120_000,
            on_event=lambda e: started.set() if e.event == "skill_started" else None)))
        runner.start()
        assert started.wait(20), "the skill never started"
        time.sleep(1.0)
        server.stop()  # the Minecraft server dies while the bot walks

        runner.join(30)
        assert not runner.is_alive(), "the skill hung after the server died"
        result = out["result"]
        assert not result.ok and result.error is not None and result.error.kind == "disconnected", result
        wait_for_event(client, "disconnect", 10)

        # The bridge keeps serving the agent while the bot is away, and says why it cannot act.
        refused = client.run_skill("explore", deadline_ms=5_000)
        assert refused.error is not None and refused.error.kind == "not_connected", refused
        assert client.ping() < 5

        server = EmbeddedServer(seed=3, port=port)  # the server comes back on the same address
        server.start()
        wait_for_event(client, "reconnected", 60)
        state = client.observe()
        assert state.health > 0
        client.close()
    finally:
        bridge.stop()
        server.stop()


def test_bad_input_gets_structured_errors_and_the_bridge_keeps_serving() -> None:
    server = EmbeddedServer(seed=4)
    info = server.start()
    bridge = BridgeProcess(f"127.0.0.1:{info.port}", username="larm_bad")
    bridge.start()
    try:
        async def probe() -> list[dict]:
            answers = []
            async with ws_connect(bridge.url, max_size=None) as ws:
                async def ask(raw: str) -> dict:
                    await ws.send(raw)
                    while True:
                        msg = await asyncio.wait_for(ws.recv(), 10)
                        if isinstance(msg, str):
                            data = json.loads(msg)
                            if data["type"] != "event":
                                return data

                answers.append(await ask(json.dumps({"type": "observe", "id": "early"})))
                answers.append(await ask(json.dumps({"type": "hello", "protocol": 1, "token": bridge.token,
                                                     "frames": {"fps": 0}})))
                for raw in ["{not json", json.dumps({"type": "teleport"}), "x" * 70_000,
                            json.dumps({"type": "skill", "id": "a", "token": "fly:moon"}),
                            json.dumps({"type": "skill", "id": "b", "token": "mine:oak_log", "args": {"count": 0}}),
                            json.dumps({"type": "skill", "id": "c", "token": "mine:oak_log", "args": {"speed": 3}}),
                            json.dumps({"type": "skill", "id": "d"}),
                            json.dumps({"type": "cancel", "id": "nothing-running"}),
                            json.dumps({"type": "ping", "id": "still-there"})]:
                    answers.append(await ask(raw))
            return answers

        answers = asyncio.run(probe())
        kinds = [a.get("kind", a["type"]) for a in answers]
        assert kinds == ["not_ready", "welcome", "malformed_json", "unknown_type", "too_large", "unknown_skill",
                         "bad_arguments", "bad_arguments", "bad_request", "bad_request", "pong"], kinds
        assert all(a["message"] for a in answers if a["type"] == "error")
        assert answers[5]["id"] == "a" and "fly" in answers[5]["message"]
    finally:
        bridge.stop()
        server.stop()
