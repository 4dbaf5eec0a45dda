"""A gymnasium environment over the bridge: one step = one skill token.

    env = MinecraftEnv(task="enchanted_diamond_sword", max_steps=300)
    obs, info = env.reset(seed=7)          # a fresh embedded world with seed 7
    obs, reward, terminated, truncated, info = env.step("mine:oak_log")
    env.close()

- Each reset() launches a fresh embedded world (agent/launch.py), unless the env is attached to a user's
  server (server="HOST:PORT"): then the bridge is started once and reset() only starts a new episode there.
- action_space: Discrete(len(vocabulary())); step() also takes a token string, or (token, args).
- observation: {"text": the state rendered for a language model, "frame": HxWx3 uint8 first-person frame}.
- info: action_mask (numpy bool over the vocabulary), state (the protocol state dict), result (the skill
  result dict), milestones (new this step) and milestones_achieved, events (seen during the step), token.
- terminated when the task succeeds; truncated at max_steps, or when the world is lost (the bridge or the
  server died, or the bot's connection did not come back within reconnect_timeout).
- record_dir: every episode is recorded as a session folder there (agent/recording.py).
- record_labels: also ask the renderer for per-pixel block labels with every frame and record them beside
  the frames (frames/labels_NNNNNNNN.png): supervision for the vision encoder (brain/vision_train.py).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import string
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agent.launch import World, launch
from agent.observation_text import render_events, render_state_text
from agent.recording import SessionRecorder
from agent.rewards import DEFAULT_TASK, MilestoneReward, Task, get_task
from bridge.client import BridgeError, SyncBridgeClient
from bridge.messages import FrameSettings
from skills.vocabulary import SkillToken, action_mask, token_index, vocabulary, vocabulary_fingerprint

TEXT_CHARSET = frozenset(string.printable)
MAX_TEXT = 8192
DEFAULT_DEADLINE_MS = 120_000
# Skills that legitimately take longer than the default deadline.
VERB_DEADLINES_MS = {"dig_down": 600_000, "surface": 300_000, "mine": 300_000, "kill": 180_000, "smelt": 300_000,
                     "make_obsidian": 300_000, "explore": 180_000}
RECENT = 5


class MinecraftEnv(gym.Env[dict[str, Any], int]):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        task: str | Task = DEFAULT_TASK,
        server: str | None = None,
        assists: Iterable[str] = (),
        frames: FrameSettings | None = None,
        frame_source: str = "request",
        max_steps: int = 500,
        deadline_ms: int = DEFAULT_DEADLINE_MS,
        verb_deadlines_ms: Mapping[str, int] | None = None,
        record_dir: str | Path | None = None,
        policy: Mapping[str, Any] | str | None = None,
        strict_mask: bool = False,
        reconnect_timeout: float = 60.0,
        step_penalty: float | None = None,
        render_mode: str | None = None,
        username: str = "larm",
        record_labels: bool = False,
    ) -> None:
        super().__init__()
        self.task = get_task(task) if isinstance(task, str) else task
        self.server = server
        self.assists = tuple(assists)
        if server is not None and self.assists:
            raise ValueError("assists are flags of the embedded server; they cannot be used with a user's server")
        if frame_source not in ("request", "stream"):
            raise ValueError(f"frame_source must be 'request' or 'stream', got {frame_source!r}")
        self.frame_source = frame_source
        # 'request': one frame rendered after each step (no stream); 'stream': the latest streamed frame.
        self.frames = frames or FrameSettings(fps=0 if frame_source == "request" else 10)
        if frame_source == "stream" and self.frames.fps <= 0:
            raise ValueError("frame_source='stream' needs frames.fps > 0")
        self.record_labels = bool(record_labels)
        if self.record_labels and frame_source == "stream" and not self.frames.labels:
            self.frames = dataclasses.replace(self.frames, labels=True)  # streamed frames must carry them
        self.max_steps = int(max_steps)
        self.deadline_ms = int(deadline_ms)
        self.verb_deadlines_ms = dict(VERB_DEADLINES_MS if verb_deadlines_ms is None else verb_deadlines_ms)
        self.record_dir = Path(record_dir) if record_dir is not None else None
        self.policy = {"name": policy} if isinstance(policy, str) else dict(policy or {})
        self.strict_mask = strict_mask
        self.reconnect_timeout = reconnect_timeout
        self.render_mode = render_mode
        self.username = username
        self.vocab: list[SkillToken] = vocabulary()
        self._index = token_index()
        self.action_space: spaces.Discrete = spaces.Discrete(len(self.vocab))  # type: ignore[assignment]
        self.observation_space = spaces.Dict({
            "text": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=TEXT_CHARSET),
            "frame": spaces.Box(0, 255, (self.frames.height, self.frames.width, 3), np.uint8),
        })
        self.reward_fn = MilestoneReward(self.task) if step_penalty is None else MilestoneReward(self.task, step_penalty)
        self.world: World | None = None
        self.client: SyncBridgeClient | None = None
        self._world_stack: contextlib.ExitStack | None = None
        self.recorder: SessionRecorder | None = None
        self.state: dict[str, Any] = {}
        self.frame: np.ndarray = np.zeros((self.frames.height, self.frames.width, 3), np.uint8)
        self.labels: np.ndarray | None = None   # the current frame's block labels (record_labels only)
        self.recent: list[dict[str, Any]] = []
        self.steps = 0
        self.episode = 0
        self.episode_return = 0.0
        self.last_text = ""
        self.seed_used: int | None = None
        self.last_session_folder: Path | None = None

    # ---------------------------------------------------------------------------------- lifecycle

    def _start_world(self, seed: int | None) -> None:
        stack = contextlib.ExitStack()
        try:
            self.world = stack.enter_context(launch(seed=seed, server=self.server, assists=self.assists,
                                                    frames=self.frames, username=self.username))
            self.client = self.world.connect(self.frames)
            stack.callback(self._close_client)
        except BaseException:
            stack.close()
            self.world, self.client = None, None
            raise
        self._world_stack = stack

    def _close_client(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def _stop_world(self) -> None:
        stack, self._world_stack = self._world_stack, None
        if stack is not None:
            stack.close()
        self.world, self.client = None, None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        self._close_recorder(reason="reset")
        fresh = self.server is None or self.client is None or self.client.closed
        if fresh:
            self._stop_world()
            world_seed = None
            if self.server is None:
                world_seed = int(seed) if seed is not None else int(self.np_random.integers(1, 2**31 - 1))
            self.seed_used = world_seed
            self._start_world(world_seed)
        assert self.client is not None and self.world is not None
        self.client.drain_events()
        self.steps = 0
        self.episode += 1
        self.episode_return = 0.0
        self.recent = []
        state, frame, _ = self._observe_both()
        self.reward_fn.reset(self.state)
        text = self._text()
        if self.record_dir is not None:
            self._open_recorder()
            assert self.recorder is not None
            ref = self.recorder.add_frame(frame, labels=self.labels)
            self.recorder.log_reset(text, state=self.state, frame=ref, milestones_achieved=list(self.reward_fn.achieved))
        return self._obs(text), self._info(result=None, events=[], new=[])

    def close(self) -> None:
        self._close_recorder(reason="close")
        self._stop_world()
        super().close()

    # ---------------------------------------------------------------------------------- stepping

    def token_of(self, action: Any) -> tuple[str, dict[str, Any] | None]:
        """(token, args) for an action index, a token string, or (token, args)."""
        if isinstance(action, (tuple, list)) and len(action) == 2 and isinstance(action[0], str):
            return action[0], dict(action[1] or {})
        if isinstance(action, str):
            return action, None
        if isinstance(action, (int, np.integer)) or (isinstance(action, np.ndarray) and action.ndim == 0):
            i = int(action)
            if not 0 <= i < len(self.vocab):
                raise ValueError(f"action {i} is outside the vocabulary (0..{len(self.vocab) - 1})")
            return self.vocab[i].token, None
        raise TypeError(f"an action is an index, a token string or (token, args), got {action!r}")

    def deadline_for(self, token: str) -> int:
        return int(self.verb_deadlines_ms.get(token.split(":", 1)[0], self.deadline_ms))

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self.client is None:
            raise RuntimeError("call reset() before step()")
        token, args = self.token_of(action)
        decided_on = self.last_text
        t0 = time.perf_counter()
        result = self.client.run_skill(token, args, deadline_ms=self.deadline_for(token))
        t1 = time.perf_counter()
        events = [e.to_dict() for e in self.client.drain_events()]
        lost = self._lost_reason()
        observe_s = frame_s = 0.0
        if lost is None:
            try:
                _, _, (observe_s, frame_s) = self._observe_both(wait_reconnect=True)
            except BridgeError as err:
                lost = f"{err.kind}: {err.message}"
            events += [e.to_dict() for e in self.client.drain_events()]
        result_dict = result.to_dict()
        self.recent.append(result_dict)
        self.recent = self.recent[-RECENT:]
        step_reward = self.reward_fn.step(self.state, result_dict, events)
        self.steps += 1
        self.episode_return += step_reward.reward
        terminated = step_reward.success
        truncated = not terminated and (self.steps >= self.max_steps or lost is not None)
        text = self._text(events)
        info = self._info(result_dict, events, step_reward.new_milestones)
        info["token"] = token
        info["in_vocabulary"] = token in self._index
        info["timings"] = {"skill_s": t1 - t0, "observe_s": observe_s, "frame_s": frame_s}
        if lost is not None:
            info["lost"] = lost
        if self.recorder is not None:
            ref = self.recorder.add_frame(self.frame, labels=self.labels)
            self.recorder.log_step(self.steps, decided_on, token, result_dict, step_reward.reward, info["timings"], ref,
                                   args=args, state=self.state, events=events, milestones=step_reward.new_milestones,
                                   terminated=terminated, truncated=truncated, lost=lost)
            if terminated or truncated:
                self._close_recorder(reason="success" if terminated else ("lost" if lost else "max_steps"))
        return self._obs(text), float(step_reward.reward), bool(terminated), bool(truncated), info

    def _lost_reason(self) -> str | None:
        """Why the world is gone for good (None while it can still serve)."""
        assert self.client is not None and self.world is not None
        try:
            self.world.check_alive()
        except Exception as err:
            return str(err).splitlines()[0]
        if self.client.closed:
            return f"the bridge connection closed: {self.client.client.close_reason}"
        return None

    def _observe_both(self, wait_reconnect: bool = False) -> tuple[dict[str, Any], np.ndarray, tuple[float, float]]:
        """Observe the state and a frame; with wait_reconnect, wait while the bot reconnects."""
        assert self.client is not None
        deadline = time.monotonic() + (self.reconnect_timeout if wait_reconnect else 30)
        t0 = time.perf_counter()
        while True:
            try:
                obs = self.client.observe()
                break
            except BridgeError as err:
                if err.kind != "not_connected" or time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
        t1 = time.perf_counter()
        self.state = obs.to_dict()
        self.frame = self._get_frame()
        t2 = time.perf_counter()
        return self.state, self.frame, (t1 - t0, t2 - t1)

    def _get_frame(self) -> np.ndarray:
        assert self.client is not None
        shape = (self.frames.height, self.frames.width, 3)
        self.labels = None
        try:
            if self.frame_source == "stream":
                f = self.client.latest_frame or self.client.next_frame(timeout=10)
            else:
                f = self.client.frame(labels=True) if self.record_labels else self.client.frame()
        except BridgeError:
            return np.zeros(shape, np.uint8)  # no renderer, or it failed: a black frame, the text still serves
        rgb = f.rgb
        labels = f.labels if self.record_labels else None
        if rgb.shape != shape:
            import cv2

            rgb = cv2.resize(rgb, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
            if labels is not None:  # nearest: block ids must never be blended
                labels = cv2.resize(labels, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
        self.labels = None if labels is None else np.ascontiguousarray(labels, dtype=np.uint16)
        return np.ascontiguousarray(rgb)

    # ---------------------------------------------------------------------------------- output

    def _text(self, events: list[dict[str, Any]] | None = None) -> str:
        text = render_state_text(self.state, self.recent, task=self.task.description)
        extra = render_events(events or [])
        if extra:
            text += "\n" + extra
        self.last_text = text[:MAX_TEXT]
        return self.last_text

    def _obs(self, text: str) -> dict[str, Any]:
        return {"text": text, "frame": self.frame}

    def action_mask(self) -> np.ndarray:
        return action_mask(self.vocab, self.state, strict=self.strict_mask)

    def _info(self, result: dict[str, Any] | None, events: list[dict[str, Any]], new: list[str]) -> dict[str, Any]:
        return {
            "action_mask": self.action_mask(), "state": self.state, "result": result, "events": events,
            "milestones": list(new), "milestones_achieved": list(self.reward_fn.achieved), "step": self.steps,
            "episode_return": self.episode_return, "seed": self.seed_used, "task": self.task.name,
        }

    def render(self) -> np.ndarray | None:
        return self.frame if self.render_mode == "rgb_array" else None

    # ---------------------------------------------------------------------------------- recording

    def _open_recorder(self) -> None:
        assert self.record_dir is not None and self.world is not None
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}_ep{self.episode:04d}_{self.task.name}_{'seed' + str(self.seed_used) if self.seed_used is not None else 'server'}"
        folder = self.record_dir / name
        n = 1
        while folder.exists():
            n += 1
            folder = self.record_dir / f"{name}_{n}"
        metadata = {
            "task": self.task.name, "episode": self.episode, "max_steps": self.max_steps, "policy": self.policy,
            "vocabulary": {"size": len(self.vocab), "fingerprint": vocabulary_fingerprint(self.vocab)},
            "frames": self.frames.to_dict(), "frame_source": self.frame_source, **self.world.metadata(),
        }
        self.recorder = SessionRecorder(folder, metadata, fps=max(1.0, float(self.frames.fps or 1)))
        self.last_session_folder = folder

    def _close_recorder(self, reason: str) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        assists_used = self.world.assist_events() if self.world is not None else []
        recorder.close(end_reason=reason, episode_return=self.episode_return, success=self.reward_fn.succeeded,
                       milestones_achieved=list(self.reward_fn.achieved), assists_used=assists_used)

    @property
    def session_folder(self) -> Path | None:
        return self.recorder.folder if self.recorder is not None else None


def make_env(**kwargs: Any) -> MinecraftEnv:
    """gymnasium-style factory."""
    return MinecraftEnv(**kwargs)


