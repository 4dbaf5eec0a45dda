"""A gymnasium environment over the bridge: one step = one skill of the vocabulary.

    env = MinecraftEnv(task="enchanted_diamond_sword")
    obs, info = env.reset(seed=7)          # a fresh embedded world with seed 7
    obs, reward, terminated, truncated, info = env.step(token_index()["mine:oak_log"])
    env.close()

agent/registration.py's make_env (gymnasium.make("larm/Minecraft-v0")) wraps it as the agent plays it: token
actions, the step limit and recording.

- Each reset() launches a fresh embedded world (agent/launch.py), unless the env is attached to a user's
  server (server="HOST:PORT"): then the bridge is started once and reset() only starts a new episode there.
- action_space: Discrete(len(vocabulary())); step() takes an index of the vocabulary. step_token() runs any
  token with arguments (the TokenActions wrapper, agent/wrappers.py, gives step() that form).
- observation: {"text": observation_text() of the state, "frame": HxWx3 uint8 first-person frame}.
- info: action_mask (numpy bool over the vocabulary), state (the protocol state dict), result (the skill
  result dict), milestones (new this step) and milestones_achieved, success (the task's success milestone
  is reached), events (seen during the step), step, episode_return, seed, task; after a step also token,
  args, in_vocabulary and timings.
- terminated when the task succeeds; truncated when the world is lost (the bridge or the server died, the
  bot's connection did not come back within reconnect_timeout, or it came back to a world that was reset: another
  world id, the game time gone back, items lost; info["lost"]), or when the bot is stuck
  (`stuck_after` decisions in a row brought neither a milestone nor an inventory not held since the last
  milestone: info["stuck"]); info["truncated_reason"] says why. The step limit and recording are wrappers
  (agent/wrappers.py).
- reconnects: when the bot's connection to the server drops and comes back, the bridge's `reconnected` event
  says whether it is the same world and state (bridge/PROTOCOL.md); the episode goes on when nothing was lost
  and ends as lost, saying what was, when something was. info["reconnects"] holds the step's reconnected events'
  data; the state's `world` (id, game time) is checked against the episode's too, in case an event was missed.
- speed: the embedded world's game clock, K times real time (the server's ticks and every rule tied to time,
  and the bot's physics, digging and skill deadlines, which are game time). info["clock"] measures what the
  machine achieved (game ticks per real second since reset); a user's server runs at its own speed.
- record_labels: also ask the renderer for per-pixel block labels with every frame (info["labels"]), which
  RecordSession records beside the frames: supervision for the vision encoder (brain/training/vision.py).
"""
from __future__ import annotations

import contextlib
import dataclasses
import random
import time
from typing import Any, Iterable, Mapping

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agent.launch import World, check_world_speed, launch
from agent.observation_text import MAX_RECENT, MAX_TEXT, TEXT_CHARSET, observation_text
from agent.rewards import MilestoneReward
from agent.seeds import random_world_seed
from agent.tasks import DEFAULT_TASK, Task, get_task
from bridge.client import DEFAULT_DEADLINE_MS, BridgeError, SyncBridgeClient
from bridge.messages import Event, FrameSettings, Reconnection
from skills.vocabulary import SkillToken, action_mask, token_index, vocabulary, vocabulary_fingerprint
from world.node_process import NodeProcessError

RECENT = MAX_RECENT  # the last skill results the observation shows (info['recent'])
DEFAULT_STUCK_AFTER = 40   # decisions with no milestone and no new inventory before an episode ends as stuck
TICKS_PER_S = 20           # Minecraft's game ticks per second at speed 1
BRIDGE_LOG_LINES = 40      # lines of the bridge's log kept with a skill's internal error
# The fastest game clock the 2-core machine keeps up with while a bot plays, two worlds at once (`run_agent.py
# bench world`, README): the default of the commands that play for data rather than for people to watch.
FAST_SPEED = 16.0

Step = tuple[dict[str, Any], float, bool, bool, dict[str, Any]]


class MinecraftEnv(gym.Env[dict[str, Any], int]):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        task: str | Task = DEFAULT_TASK,
        server: str | None = None,
        assists: Iterable[str] = (),
        frames: FrameSettings | None = None,
        frame_source: str = "request",
        deadline_ms: int | None = None,
        strict_mask: bool = False,
        reconnect_timeout: float = 60.0,
        step_penalty: float | None = None,
        render_mode: str | None = None,
        username: str = "larm",
        record_labels: bool = False,
        speed: float = 1.0,
        stuck_after: int | None = DEFAULT_STUCK_AFTER,
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
        self.speed = check_world_speed(server, speed)
        if stuck_after is not None and (isinstance(stuck_after, bool) or int(stuck_after) < 1):
            raise ValueError(f"stuck_after must be a positive number of decisions or None, got {stuck_after!r}")
        self.stuck_after = None if stuck_after is None else int(stuck_after)
        # 'request': one frame rendered after each step (no stream); 'stream': the latest streamed frame.
        self.frames = frames or FrameSettings(fps=0 if frame_source == "request" else 10)
        if frame_source == "stream" and self.frames.fps <= 0:
            raise ValueError("frame_source='stream' needs frames.fps > 0")
        self.record_labels = bool(record_labels)
        if self.record_labels and frame_source == "stream" and not self.frames.labels:
            self.frames = dataclasses.replace(self.frames, labels=True)  # streamed frames must carry them
        self.deadline_ms = None if deadline_ms is None else int(deadline_ms)   # None: each verb's own
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
        self.state: dict[str, Any] = {}
        self.frame: np.ndarray = np.zeros((self.frames.height, self.frames.width, 3), np.uint8)
        self.labels: np.ndarray | None = None   # the current frame's block labels (record_labels only)
        self.recent: list[dict[str, Any]] = []
        self.steps = 0
        self.episode_return = 0.0
        self.seed_used: int | None = None
        self.unchanged = 0                      # decisions in a row with no milestone and no new inventory
        self._inventories: set[tuple[tuple[str, int], ...]] = set()   # those seen since the last milestone
        self._clock0 = (0.0, 0, 0.0)            # (monotonic s, game tick, seconds stopped) at reset
        self._world: dict[str, Any] = {}        # the episode's world: id and the last game time seen

    # ---------------------------------------------------------------------------------- lifecycle

    def _start_world(self, seed: int | None) -> None:
        stack = contextlib.ExitStack()
        try:
            self.world = stack.enter_context(launch(seed=seed, server=self.server, assists=self.assists,
                                                    frames=self.frames, username=self.username, speed=self.speed))
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
        try:
            if stack is not None:
                stack.close()
        except NodeProcessError:
            pass  # the server or the bridge had died: the step that saw it ended the episode as lost
        finally:
            self.world, self.client = None, None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        fresh = self.server is None or self.client is None or self.client.closed
        if fresh:
            self._stop_world()
            world_seed = None
            if self.server is None:
                world_seed = int(seed) if seed is not None else random_world_seed(random.Random(int(self.np_random.integers(2**63))))
            self.seed_used = world_seed
            self._start_world(world_seed)
        assert self.client is not None and self.world is not None
        self.client.drain_events()
        self.steps = 0
        self.episode_return = 0.0
        self.recent = []
        self.unchanged = 0
        self._inventories = set()
        observed_at = time.monotonic()   # the state (and its tick) is read first, the frame after
        self._observe_both()
        self._clock0 = (observed_at, int(self.state.get("tick", 0)), float(self.state.get("paused_s", 0.0)))
        self._world = dict(self.state.get("world") or {})
        self.reward_fn.reset(self.state)
        return self._obs(self._text()), self._info(result=None, events=[], new=[])

    def close(self) -> None:
        self._stop_world()
        super().close()

    # ---------------------------------------------------------------------------------- stepping

    def deadline_for(self, token: str) -> int:
        """The deadline a skill runs with: `deadline_ms` when given, else its verb's own, which the bridge
        announces in the handshake (written once, in skills/verbs/<verb>.js)."""
        if self.deadline_ms is not None:
            return self.deadline_ms
        verb = token.split(":", 1)[0]
        own = next((v.deadline_ms for v in self.client.welcome.verbs if v.verb == verb), None) if self.client else None
        return own if own is not None else DEFAULT_DEADLINE_MS

    def step(self, action: int) -> Step:
        """Run the skill vocabulary()[action]."""
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not an index of the vocabulary (0..{len(self.vocab) - 1}); "
                             "agent.wrappers.TokenActions takes tokens")
        return self.step_token(self.vocab[int(action)].token)

    def step_token(self, token: str, args: Mapping[str, Any] | None = None) -> Step:
        """Run one skill token with its arguments; a token outside the vocabulary (dig_down:-50, say)
        runs too, and an unknown one comes back as a failed result (info["in_vocabulary"] says which)."""
        if self.client is None:
            raise RuntimeError("call reset() before step()")
        self._inventories.add(_inventory_key(self.state))
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
        reconnects = [e["data"] for e in events if e["event"] == "reconnected"]
        if lost is None:
            lost = self._world_reset(events)
        result_dict = result.to_dict()
        if (result_dict.get("error") or {}).get("kind") == "internal" and self.world.bridge is not None:
            # a bug in a skill: its stack is in the bridge's log, which the session keeps with the result
            result_dict["detail"] = {**(result_dict.get("detail") or {}),
                                     "bridge_log": self.world.bridge.stderr_tail[-BRIDGE_LOG_LINES:]}
        self.recent.append(result_dict)
        self.recent = self.recent[-RECENT:]
        step_reward = self.reward_fn.step(self.state, result_dict, events)
        self.steps += 1
        self.episode_return += step_reward.reward
        # An inventory seen before since the last milestone is no change: a skill that fails halfway and gives
        # back what it took (a bucket emptied and filled again) must not keep a stuck bot's episode going.
        if step_reward.new_milestones:
            self._inventories = set()
        changed = bool(step_reward.new_milestones) or _inventory_key(self.state) not in self._inventories
        self.unchanged = 0 if changed else self.unchanged + 1
        stuck = self.stuck_after is not None and self.unchanged >= self.stuck_after
        terminated = step_reward.success
        truncated = not terminated and (lost is not None or stuck)
        info = self._info(result_dict, events, step_reward.new_milestones)
        info.update(token=token, args=None if args is None else dict(args), in_vocabulary=token in self._index,
                    timings={"skill_s": t1 - t0, "observe_s": observe_s, "frame_s": frame_s})
        if reconnects:
            info["reconnects"] = reconnects
        if lost is not None:
            info["lost"] = lost
            info["truncated_reason"] = f"world lost: {lost}"
        elif stuck and not terminated:
            info["stuck"] = True
            info["truncated_reason"] = (f"stuck: {self.unchanged} decisions in a row brought no milestone and no "
                                        "inventory not seen before")
        return self._obs(self._text(events)), float(step_reward.reward), bool(terminated), bool(truncated), info

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

    def _world_reset(self, events: list[dict[str, Any]]) -> str | None:
        """Why the bot's world is no longer the episode's (a reconnect lost something, or the state's world id or
        game time says so), or None while it is."""
        for event in events:
            if event["event"] == "reconnected":
                reason = Reconnection.from_event(Event.from_dict(event)).reason
                if reason:
                    return f"the world was reset while the bot was away: {reason}"
        world = self.state.get("world") or {}
        was_id, now_id = self._world.get("id"), world.get("id")
        if was_id and now_id and was_id != now_id:
            return f"the bot is in another world (id {was_id}, now {now_id})"
        was_time, now_time = self._world.get("game_time"), world.get("game_time")
        if was_time is not None and now_time is not None and now_time < was_time:
            return f"the game time went backwards ({was_time} → {now_time} ticks)"
        if now_time is not None:
            self._world["game_time"] = now_time
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
        return observation_text(self.state, self.recent, task=self.task.description, events=events or [])

    def _obs(self, text: str) -> dict[str, Any]:
        return {"text": text, "frame": self.frame}

    def action_mask(self) -> np.ndarray:
        return action_mask(self.vocab, self.state, strict=self.strict_mask)

    def _info(self, result: dict[str, Any] | None, events: list[dict[str, Any]], new: list[str]) -> dict[str, Any]:
        info = {
            "action_mask": self.action_mask(), "state": self.state, "recent": list(self.recent),
            "result": result, "events": events,
            "milestones": list(new), "milestones_achieved": list(self.reward_fn.achieved),
            "success": self.reward_fn.succeeded, "step": self.steps, "episode_return": self.episode_return,
            "seed": self.seed_used, "task": self.task.name, "assists_used": self.assists_used(),
            "clock": self.clock_report(),
        }
        if self.labels is not None:
            info["labels"] = self.labels
        return info

    def render(self) -> np.ndarray | None:
        return self.frame if self.render_mode == "rgb_array" else None

    # ---------------------------------------------------------------------------------- for recording

    def session_metadata(self) -> dict[str, Any]:
        """What a session's metadata.json says of this env and its world (agent/wrappers.py RecordSession)."""
        assert self.world is not None, "call reset() first"
        return {"task": self.task.name,
                "vocabulary": {"size": len(self.vocab), "fingerprint": vocabulary_fingerprint(self.vocab)},
                "frames": self.frames.to_dict(), "frame_source": self.frame_source, **self.world.metadata(),
                "world_at_start": self.state.get("world")}

    def clock_report(self) -> dict[str, Any]:
        """The game clock asked for and what the machine achieved since reset: game ticks per real second while
        the clock ran (the embedded world stands still while the bot computes and the agent decides: `paused_s`),
        and whether that is within 10% of the speed asked (a machine that cannot keep up is never silently wrong)."""
        t0, tick0, paused0 = self._clock0
        wall = time.monotonic() - t0 if t0 else 0.0
        ticks = int(self.state.get("tick", tick0)) - tick0 if self.state else 0
        paused = max(0.0, float(self.state.get("paused_s", paused0)) - paused0) if self.state else 0.0
        report: dict[str, Any] = {"speed": self.speed, "ticks": ticks, "wall_s": round(wall, 2),
                                  "paused_s": round(paused, 2)}
        running = wall - paused
        if running >= 1.0 and self.server is None:
            achieved = ticks / running
            report.update(ticks_per_s=round(achieved, 1), achieved_speed=round(achieved / TICKS_PER_S, 2),
                          keeps_up=achieved >= 0.9 * TICKS_PER_S * self.speed)
        return report

    def assists_used(self) -> list[dict[str, Any]]:
        """Every use of an assist in the current world so far."""
        return self.world.assist_events() if self.world is not None else []


def _inventory_key(state: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((name, n) for name, n in (state.get("inventory") or {}).items() if n))
