"""How long the client waits for a skill (bridge/client.py): on the embedded world the game clock stands still
while the bot computes, so a skill may take longer than its deadline over K in real time. The client waits on
while the bridge answers `ping` with a tick that still moves and is within the deadline, and gives up (cancel,
then `client_timeout`) when the tick stops. The other side here is a stand-in that speaks the protocol:
what is checked is the client's rule, with timings a real world cannot be made to hold."""
from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from bridge.client import BridgeClient
from bridge.messages import FrameSettings

WELCOME = {"type": "welcome", "protocol": 1, "bridge": "stand-in", "minecraft": "1.21.4", "username": "larm",
           "server": "127.0.0.1:1", "connected": True, "frames": {"fps": 0, "width": 32, "height": 24},
           "speed": 1, "verbs": []}


async def stand_in(result_after_s: float, tick_moves: bool, speed: float = 1, tick_step: int = 5) -> Any:
    """A bridge whose skill answers after `result_after_s` of real time; its tick moves (by tick_step per ping)
    only if `tick_moves`; its welcome announces `speed`."""
    tick = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal tick
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"] == "hello":
                await ws.send(json.dumps({**WELCOME, "speed": speed}))
            elif msg["type"] == "ping":
                tick += tick_step if tick_moves else 0
                await ws.send(json.dumps({"type": "pong", "id": msg["id"], "tick": tick}))
            elif msg["type"] == "skill":
                await ws.send(json.dumps({"type": "event", "event": "skill_started", "id": msg["id"], "tick": 0, "data": {}}))

                async def answer(sid: str = msg["id"], token: str = msg["token"]) -> None:
                    await asyncio.sleep(result_after_s)
                    await ws.send(json.dumps({"type": "skill_result", "id": sid, "token": token, "ok": True, "error": None,
                                              "inventory_delta": {}, "ticks": tick, "wall_ms": 100, "detail": {}}))
                asyncio.get_running_loop().create_task(answer())
            elif msg["type"] == "cancel":
                await ws.send(json.dumps({"type": "skill_result", "id": msg["id"], "token": "explore", "ok": False,
                                          "error": {"kind": "cancelled", "message": "cancelled by the agent"},
                                          "inventory_delta": {}, "ticks": tick, "wall_ms": 100, "detail": {}}))

    return await serve(handler, "127.0.0.1", 0)


async def run_one(result_after_s: float, tick_moves: bool) -> Any:
    server = await stand_in(result_after_s, tick_moves)
    port = server.sockets[0].getsockname()[1]
    client = await BridgeClient.connect(f"ws://127.0.0.1:{port}", "t" * 16, FrameSettings(fps=0, width=32, height=24))
    try:
        # 1 s of game time (20 ticks) at speed 1, with 0.2 s of margin: a first wait of 1.2 s
        return await client.run_skill("explore", deadline_ms=1000, margin_s=0.2)
    finally:
        await client.close()
        server.close()


def test_the_client_waits_on_while_the_bridge_clock_moves_within_the_deadline() -> None:
    result = asyncio.run(run_one(result_after_s=1.6, tick_moves=True))
    assert result.ok, result


def test_the_client_gives_up_when_the_bridge_clock_stops() -> None:
    result = asyncio.run(run_one(result_after_s=3.0, tick_moves=False))
    assert not result.ok and result.error.kind == "cancelled", result


@pytest.mark.slow
def test_the_blocking_client_waits_as_long_as_the_async_one() -> None:
    """Seed 4244 at K = 1: a skill whose clock stood still for its path searches answered after its deadline plus
    margins in real time; the blocking client gave up at a fixed limit (deadline + 30 s) and raised."""
    from bridge.client import SyncBridgeClient

    async def start() -> Any:  # 4 s of game time at K = 20: a first wait of 0.5 s, then 80 ticks, a ping each 0.3 s
        return await stand_in(result_after_s=19.6, tick_moves=True, speed=20, tick_step=1)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        port = server.sockets[0].getsockname()[1]
        client = SyncBridgeClient.connect(f"ws://127.0.0.1:{port}", "t" * 16, FrameSettings(fps=0, width=32, height=24))
        try:
            result = client.run_skill("explore", deadline_ms=4_000, margin_s=0.3)  # the fixed limit was 19.3 s
        finally:
            client.close()
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    assert result.ok, result
