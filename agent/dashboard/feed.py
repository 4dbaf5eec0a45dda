"""What feeds the live page: a gymnasium wrapper that tells the hub about every reset and skill, and a frame
pump that, only while a page is open, turns on the bridge's frame stream on the agent's own connection
(the `stream` request, bridge/PROTOCOL.md) and hands its frames (and now and then the state) to the hub.

Stream frames are rendered beside the game in real time; a `frame` request would stop the embedded world's
clock while it renders, so the page never asks for one. With no page open the stream is off and nothing is
rendered for the dashboard. The pump runs on its own thread: the agent's loop never waits for it.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping

import gymnasium as gym
import numpy as np

from agent.dashboard.live import LiveHub, ended_text
from agent.env import MinecraftEnv

DEFAULT_FPS = 12.0          # a little above the 10 the page must show: the bridge skips a beat while a render runs
OBSERVE_EVERY_S = 0.5       # the state during a skill: the path and the inventory move on between decisions
JPEG_QUALITY = 85


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """An RGB frame as JPEG bytes (what the page's <img> shows)."""
    import cv2

    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the frame as JPEG")
    return data.tobytes()


def action_token(action: Any, vocab: list[Any]) -> tuple[str, dict[str, Any]]:
    """The token and arguments of an action as TokenActions takes it (index, token or (token, args[, notes]))."""
    if isinstance(action, str):
        return action, {}
    if isinstance(action, (tuple, list)) and action and isinstance(action[0], str):
        return action[0], dict((action[1] if len(action) > 1 else None) or {})
    try:
        return str(vocab[int(action)].token), {}
    except (TypeError, ValueError, IndexError):
        return str(action), {}


class FramePump:
    """A daemon thread: while hub.viewers > 0, the bridge's stream at `fps` and each frame (as JPEG) into the
    hub, and the state every OBSERVE_EVERY_S while a skill runs; the stream off again when nobody watches."""

    def __init__(self, hub: LiveHub, client_of: Callable[[], Any], fps: float = DEFAULT_FPS) -> None:
        self.hub = hub
        self.client_of = client_of
        self.fps = float(fps)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-frames", daemon=True)
        self._streaming: Any = None   # the client whose stream is on
        self.frames = 0
        self.errors = 0

    def start(self) -> FramePump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.hub.viewers_changed.set()
        self._thread.join(10)
        self._stream_off()

    def _stream_off(self) -> None:
        client, self._streaming = self._streaming, None
        if client is not None and not client.closed:
            try:
                client.stream(0)
            except Exception:   # the world is closing: its stream ends with it
                pass

    def _run(self) -> None:
        last_observe = 0.0
        while not self._stop.is_set():
            if self.hub.viewers == 0:
                self._stream_off()
                self.hub.viewers_changed.wait(0.5)
                self.hub.viewers_changed.clear()
                continue
            client = self.client_of()
            if client is None or client.closed:
                self._streaming = None
                self._stop.wait(0.2)   # between worlds: the next reset brings a client
                continue
            try:
                if client is not self._streaming:
                    client.stream(self.fps)
                    self._streaming = client
                frame = client.next_frame(timeout=2)
                self.hub.frame(encode_jpeg(frame.rgb), frame.tick)
                self.frames += 1
                now = time.monotonic()
                if self.hub.current is not None and now - last_observe >= OBSERVE_EVERY_S:
                    last_observe = now
                    self.hub.live_state(client.observe(timeout=5).to_dict())
            except Exception:   # a world closing under us, a renderer that failed: the page waits, the agent never
                self.errors += 1
                self._streaming = None if client.closed else self._streaming
                self._stop.wait(0.5)


class DashboardFeed(gym.Wrapper[dict[str, Any], Any, dict[str, Any], Any]):
    """Wraps make_env's stack (outermost): every reset and step goes to the hub; close() stops the pump."""

    def __init__(self, env: gym.Env[dict[str, Any], Any], hub: LiveHub, policy: Mapping[str, Any] | None = None,
                 fps: float = DEFAULT_FPS) -> None:
        if not isinstance(env.unwrapped, MinecraftEnv):
            raise TypeError(f"DashboardFeed feeds a MinecraftEnv, not {env.unwrapped}")
        super().__init__(env)
        self.minecraft = env.unwrapped
        self.hub = hub
        self.policy = dict(policy or {})
        self.pump = FramePump(hub, lambda: self.minecraft.client, fps).start()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.hub.episode_started(info, self.policy)
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        token, args = action_token(action, self.minecraft.vocab)
        self.hub.skill_started(token, args, self.minecraft.steps + 1)
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.hub.step_done(str(info.get("token", token)), info.get("args", args), info,
                           ended_text(info, terminated, truncated), float(reward))
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        self.pump.stop()
        super().close()
