"""The bridge's `stream` request (bridge/PROTOCOL.md), which the dashboard turns the frame stream on and off
with while a page watches, against a real embedded world and the real Node bridge."""
from __future__ import annotations

import time

import pytest

from agent.launch import launch
from bridge.client import SyncBridgeClient
from bridge.messages import FrameSettings

pytestmark = pytest.mark.slow   # starts a server and a bot


def test_stream_request_turns_the_frame_stream_on_and_off() -> None:
    frames = FrameSettings(fps=0, width=48, height=32)
    with launch(seed=12, frames=frames) as world, SyncBridgeClient.connect(world.url, world.token, frames) as client:
        time.sleep(1.0)
        assert client.frames_received == 0, "a stream with fps 0 sent frames"
        client.stream(10)
        first = client.next_frame(timeout=20)
        time.sleep(1.5)
        assert first.rgb.shape == (32, 48, 3) and client.frames_received >= 8
        client.stream(0)
        time.sleep(0.5)   # a frame already rendering may still come
        stopped_at = client.frames_received
        time.sleep(1.0)
        assert client.frames_received == stopped_at, "frames went on after stream 0"
        client.stream(31)   # beyond the schema's 30: refused, and the bridge keeps serving
        time.sleep(0.5)
        refused = [e for e in client.drain_events() if e.event == "protocol_error"]
        assert refused and refused[0].data["kind"] == "bad_request" and "fps" in refused[0].data["message"]
        assert client.observe().alive
