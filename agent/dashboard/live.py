"""The live episode as the dashboard shows it: one thread-safe store that the agent's loop writes to and
the web server's pages read from.

The agent's side (DashboardFeed, agent/dashboard/feed.py) only takes a lock, copies a few fields and wakes
the pages' event loop without waiting for it; a slow, closed or absent page therefore never holds the agent
up. Pages get the newest snapshot when they are ready for it (older ones are skipped, never queued).
"""
from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any, Callable, Mapping

from agent.tasks import TIERS, get_task

MAX_RECENT = 12         # the last skills a page lists
MAX_PATH = 20_000       # path points kept (a point every half second or step: hours of play)
MIN_STEP_BLOCKS = 0.5   # a new path point only once the bot has moved this far (standing still adds none)
MAX_SEEN = 6_000        # block positions the map keeps (the nearest of each kind, as the scans found them)
MAX_DECISIONS = 40      # finetuning's decisions a page lists (with their rewards and judgements)
MAX_CURVE = 600         # PPO updates a page plots (older ones thinned, first and last kept)
MAX_TILE_PATH = 400     # path points kept per world tile (sent whole with every snapshot: the tiles' maps are small)

Wake = Callable[[], None]


def state_summary(state: Mapping[str, Any]) -> dict[str, Any]:
    """What the page shows of a protocol state (bridge/PROTOCOL.md): vitals, inventory, equipment, place."""
    keys = ("health", "food", "saturation", "xp", "inventory", "equipment", "enchanted", "position", "facing",
            "tick", "dimension", "biome", "time_of_day", "alive")
    out = {k: state.get(k) for k in keys if k in state}
    nearby = state.get("nearby_blocks") or {}
    out["nearest"] = {name: p for name, p in (nearby.get("nearest") or {}).items() if isinstance(p, Mapping)}
    out["scan_radius"] = nearby.get("radius")
    return out


def result_summary(token: str, args: Mapping[str, Any] | None, result: Mapping[str, Any] | None,
                   step: int | None, reward: float | None = None) -> dict[str, Any]:
    """One finished skill as the page lists it, with the environment's reward for it."""
    result = result or {}
    error = result.get("error") or None
    return {"step": step, "token": token, "args": dict(args or {}), "ok": bool(result.get("ok")), "reward": reward,
            "error": ({"kind": error.get("kind"), "message": error.get("message")} if isinstance(error, Mapping)
                      else None),
            "inventory_delta": dict(result.get("inventory_delta") or {}), "ticks": result.get("ticks"),
            "wall_ms": result.get("wall_ms")}


def ended_text(info: Mapping[str, Any], terminated: bool, truncated: bool) -> str | None:
    """How a step ended its episode, in words (None: it goes on)."""
    if terminated:
        return "task done"
    return f"truncated: {info.get('truncated_reason')}" if truncated else None


def step_summary(info: Mapping[str, Any], reward: float, terminated: bool, truncated: bool) -> dict[str, Any]:
    """A finished skill as a Ray worker posts it for its world's tile: small (no frame, no observation text)."""
    state = info.get("state") or {}
    step = int(info.get("step", 0) or 0)
    return {"step": step, "last": result_summary(str(info.get("token")), info.get("args"), info.get("result"), step,
                                                 reward),
            "state": state_summary(state), "return": info.get("episode_return"),
            "milestones": list(info.get("milestones_achieved") or []), "ended": ended_text(info, terminated, truncated)}


def seen_blocks(state: Mapping[str, Any]) -> list[list[Any]]:
    """[x, y, z, name] of the nearest block of each kind in the state's scan (bridge/PROTOCOL.md
    nearby_blocks.nearest): what the map can honestly draw of the terrain without a survey of its own."""
    nearest = (state.get("nearby_blocks") or {}).get("nearest") or state.get("nearest") or {}
    out = []
    for name, p in nearest.items():
        if isinstance(p, Mapping) and all(isinstance(p.get(k), (int, float)) for k in "xyz"):
            out.append([int(p["x"]), int(p["y"]), int(p["z"]), str(name)])
    return out


def finite(value: Any) -> Any:
    """NaN and infinities as None, all the way down: the page's JSON.parse refuses the NaN that json.dumps
    writes (explained variance is NaN when a rollout's returns do not vary)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def thin(points: list[Any], limit: int) -> list[Any]:
    """Every other point but the first and the last once there are more than `limit` (a long run's curve
    keeps its whole span at half the detail)."""
    if len(points) <= limit:
        return points
    return points[:1] + points[1:-1:2] + points[-1:]


class LiveHub:
    """The current episode, its skills, progress, path and newest frame; woken pages read snapshot().
    Finetuning adds `training` (its rewards, judgements and curves: TrainingFeed, agent/dashboard/training.py);
    episodes on Ray workers add `worlds`, one tile per worker (world_event, posted by agent/rollout.py)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wakers: dict[int, Wake] = {}
        self._next_id = 0
        self.viewers_changed = threading.Event()   # the frame pump sleeps on it while nobody watches
        self.version = 0
        self.episode: dict[str, Any] = {}
        self.state: dict[str, Any] = {}
        self.current: dict[str, Any] | None = None
        self.recent: list[dict[str, Any]] = []
        self.milestones: dict[str, dict[str, Any]] = {}
        self.tiers: dict[str, dict[str, Any]] = {}
        self.path: list[list[float]] = []
        self.path_epoch = 0     # bumped when the path is replaced (a reset) or thinned: pages take it whole
        self.frame_jpeg: bytes | None = None
        self.frame_seq = 0
        self.frame_tick: int | None = None
        self.notes: list[str] = []
        self.seen: list[list[Any]] = []          # [x, y, z, block] the scans found (the map's terrain)
        self._seen_keys: set[tuple[int, int, int]] = set()
        self.training: dict[str, Any] = {}
        self.training_version = 0   # pages get the training part again only when it changed (its curves are long)
        self.worlds: dict[int, dict[str, Any]] = {}
        self._t0 = time.monotonic()
        self._tick0 = 0

    # ------------------------------------------------------------------ pages (the server's event loop)

    def subscribe(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> int:
        """A page's wake-up: `event` is set (in `loop`) after every change. Returns its id for unsubscribe."""
        def wake() -> None:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:    # the page's loop is closed: nothing to wake
                pass
        with self._lock:
            self._next_id += 1
            self._wakers[self._next_id] = wake
            ident = self._next_id
        self.viewers_changed.set()
        return ident

    def unsubscribe(self, ident: int) -> None:
        with self._lock:
            self._wakers.pop(ident, None)
        self.viewers_changed.set()

    @property
    def viewers(self) -> int:
        with self._lock:
            return len(self._wakers)

    def snapshot(self, path_from: int = 0, path_epoch: int | None = None, seen_from: int = 0,
                 training_version: int | None = None) -> dict[str, Any]:
        """Everything but the frame, with the path points from index `path_from` on and the seen blocks from
        `seen_from` on (both from 0 when the page's `path_epoch` is not the current one), and the training
        part unless the page has its `training_version` already (then None: unchanged)."""
        with self._lock:
            if path_epoch != self.path_epoch:
                path_from = seen_from = 0
            training = None if training_version == self.training_version else _copy_training(self.training)
            return {"path_epoch": self.path_epoch, "version": self.version, "episode": dict(self.episode), "state": dict(self.state),
                    "current": None if self.current is None else dict(self.current),
                    "recent": list(self.recent), "milestones": dict(self.milestones), "tiers": dict(self.tiers),
                    "path_from": path_from, "path": self.path[path_from:], "path_len": len(self.path),
                    "seen_from": seen_from, "seen": self.seen[seen_from:], "seen_len": len(self.seen),
                    "training": training, "training_version": self.training_version,
                    "worlds": [dict(tile) for _, tile in sorted(self.worlds.items())],   # their lists are replaced, never changed
                    "frame_seq": self.frame_seq, "notes": list(self.notes), "viewers": len(self._wakers)}

    def latest_frame(self) -> tuple[int, bytes | None]:
        with self._lock:
            return self.frame_seq, self.frame_jpeg

    # ------------------------------------------------------------------ the agent's side

    def _training_changed(self) -> None:
        self.training_version += 1
        self._changed()

    def _changed(self, data: bool = True) -> None:
        """Called with the lock held: bump the version (not for a frame alone) and wake every page (never
        blocks)."""
        if data:
            self.version += 1
        for wake in self._wakers.values():
            wake()

    def episode_started(self, info: Mapping[str, Any], policy: Mapping[str, Any] | None) -> None:
        """A reset: a new world (or a new episode on a user's server)."""
        state = info.get("state") or {}
        task = get_task(str(info.get("task")))
        with self._lock:
            self._t0 = time.monotonic()
            self._tick0 = int(state.get("tick", 0) or 0)
            self.episode = {"task": task.name, "description": task.description, "seed": info.get("seed"),
                            "policy": dict(policy or {}), "session": info.get("session"),
                            "task_milestones": list(task.milestones), "success_milestone": task.success,
                            "tiers": list(TIERS), "started": time.time(), "steps": 0, "ended": None}
            self.state = state_summary(state)
            self.current, self.recent, self.milestones, self.tiers, self.path = None, [], {}, {}, []
            self.seen, self._seen_keys = [], set()
            self.path_epoch += 1
            self.notes = []
            self._progress(state, list(info.get("milestones_achieved") or []), 0)
            self._add_point(state)
            self._add_seen(state)
            self._changed()

    def skill_started(self, token: str, args: Mapping[str, Any] | None, step: int) -> None:
        with self._lock:
            self.current = {"token": token, "args": dict(args or {}), "step": step, "started": time.time()}
            self._changed()

    def step_done(self, token: str, args: Mapping[str, Any] | None, info: Mapping[str, Any],
                  ended: str | None = None, reward: float | None = None) -> None:
        """A finished skill: its result and reward, the state after it, the milestones and tiers reached."""
        state = info.get("state") or {}
        step = int(info.get("step", 0) or 0)
        with self._lock:
            self.current = None
            summary = result_summary(token, args, info.get("result"), step, reward)
            self.recent = (self.recent + [summary])[-MAX_RECENT:]
            self.state = state_summary(state)
            self.episode["steps"] = step
            self.episode["session"] = info.get("session") or self.episode.get("session")
            self.episode["return"] = info.get("episode_return")
            if ended:
                self.episode["ended"] = ended
            self._progress(state, list(info.get("milestones_achieved") or []), step)
            self._add_point(state)
            self._add_seen(state)
            self._changed()

    def live_state(self, state: Mapping[str, Any]) -> None:
        """A state observed while a skill runs (the frame pump's): vitals, inventory and the path move on."""
        with self._lock:
            if not self.episode:
                return
            self.state = state_summary(state)
            self._add_point(state)
            self._add_seen(state)
            self._changed()

    def frame(self, jpeg: bytes, tick: int | None) -> None:
        with self._lock:
            self.frame_jpeg, self.frame_tick = jpeg, tick
            self.frame_seq += 1
            self._changed(data=False)

    def note(self, message: str) -> None:
        """A line for the page (the switch into finetuning, a lost world)."""
        with self._lock:
            self.notes = (self.notes + [message])[-MAX_RECENT:]
            self._changed()

    def _progress(self, state: Mapping[str, Any], achieved: list[str], step: int) -> None:
        """Milestones and tiers first seen now, with their step, game ticks and wall seconds since the reset."""
        ticks = int(state.get("tick", self._tick0) or self._tick0) - self._tick0
        when = {"step": step, "ticks": ticks, "wall_s": round(time.monotonic() - self._t0, 1)}
        for name in achieved:
            self.milestones.setdefault(name, dict(when))
        for name, tier in TIERS.items():
            if name not in self.tiers and tier.reached(state):
                self.tiers[name] = dict(when)

    # ------------------------------------------------------------------ finetuning (TrainingFeed's side)

    def training_started(self, run: Mapping[str, Any]) -> None:
        """A finetuning run begins: what it trains, with which referee and rewards (the page's heading)."""
        with self._lock:
            # a resumed run starts from its saved counts
            self.training = {"run": dict(run), "decisions": [], "mix": {}, "curves": [],
                             "env_steps": int(run.get("env_steps") or 0), "updates": int(run.get("updates") or 0),
                             "judged": 0}
            self._training_changed()

    def decision(self, row: Mapping[str, Any]) -> None:
        """A decision finetuning played (step, token, ok, env_reward, the seed of its world); its judgement
        follows in judged()."""
        with self._lock:
            if not self.training:
                return
            self.training["decisions"] = (self.training["decisions"] + [dict(row)])[-MAX_DECISIONS:]
            self.training["env_steps"] = max(self.training["env_steps"], int(row.get("step") or 0))
            self._training_changed()

    def judged(self, step: int, verdict: str | None, referee_reward: float, reward: float, reason: str = "") -> None:
        """The referee's judgement of decision `step` (its class, or None for no judgement), the referee's
        reward and the reward PPO learns from; the class counts in the run's mix even when its row scrolled off."""
        with self._lock:
            if not self.training:
                return
            label = verdict or "none"
            mix = self.training["mix"]
            mix[label] = mix.get(label, 0) + 1
            self.training["judged"] += 1
            for row in self.training["decisions"]:
                if row.get("step") == step:
                    row.update({"class": label, "referee_reward": referee_reward, "reward": reward, "reason": reason})
            self._training_changed()

    def update_done(self, point: Mapping[str, Any]) -> None:
        """One PPO update's numbers (the ones finetune logs to TensorBoard): a point on each curve."""
        with self._lock:
            if not self.training:
                return
            self.training["curves"] = thin(self.training["curves"] + [finite(point)], MAX_CURVE)
            self.training["updates"] = int(point.get("update") or self.training["updates"] + 1)
            self._training_changed()

    # ------------------------------------------------------------------ many worlds (agent/rollout.py's events)

    def world_event(self, index: int, kind: str, payload: Mapping[str, Any]) -> None:
        """An event from worker `index`'s world (agent/rollout.py posts them): "reset" (seed, task, state),
        "skill" (token, args, step: it started) or "step" (step_summary's)."""
        with self._lock:
            if kind == "reset":
                self.worlds[index] = _new_tile(index, payload)
            tile = self.worlds.get(index)
            if tile is None:
                return
            if kind == "skill":
                tile["current"] = {"token": payload.get("token"), "args": dict(payload.get("args") or {}),
                                   "step": payload.get("step"), "started": time.time()}
            elif kind == "step":
                _tile_step(tile, payload)
            self._changed()

    # ------------------------------------------------------------------ the map

    def _add_seen(self, state: Mapping[str, Any]) -> None:
        for block in seen_blocks(state):
            key = (block[0], block[1], block[2])
            if key in self._seen_keys or len(self.seen) >= MAX_SEEN:
                continue
            self._seen_keys.add(key)
            self.seen.append(block)

    def _add_point(self, state: Mapping[str, Any]) -> None:
        p = state.get("position") or {}
        if not all(isinstance(p.get(k), (int, float)) for k in "xyz"):
            return
        point = [round(float(p["x"]), 1), round(float(p["y"]), 1), round(float(p["z"]), 1)]
        if self.path:
            last = self.path[-1]
            if sum((a - b) ** 2 for a, b in zip(point, last)) < MIN_STEP_BLOCKS ** 2:
                return
        self.path.append(point)
        if len(self.path) > MAX_PATH:   # keep the start and thin the rest: the map stays whole
            self.path = self.path[:1] + self.path[2::2]
            self.path_epoch += 1


def _copy_training(training: Mapping[str, Any]) -> dict[str, Any]:
    """The training part of a snapshot: its lists copied (the hub goes on changing them)."""
    if not training:
        return {}
    return {**training, "decisions": [dict(r) for r in training["decisions"]], "mix": dict(training["mix"]),
            "curves": list(training["curves"])}


def _new_tile(index: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A world's tile after its reset."""
    state = payload.get("state") or {}   # a state_summary already
    tile: dict[str, Any] = {"index": index, "seed": payload.get("seed"), "task": payload.get("task"), "steps": 0,
                            "current": None, "last": None, "state": dict(state), "tiers": [], "tier_names": list(TIERS),
                            "milestones": [], "return": 0.0, "ended": None, "path": [], "started": time.time()}
    _tile_where(tile, state)
    return tile


def _tile_step(tile: dict[str, Any], payload: Mapping[str, Any]) -> None:
    """A finished skill in a tile: its result, the state after it, the tiers reached so far."""
    state = payload.get("state") or {}   # a state_summary already (step_summary's)
    tile["current"] = None
    tile["steps"] = int(payload.get("step") or tile["steps"])
    tile["last"] = payload.get("last")
    tile["state"] = dict(state)
    tile["return"] = payload.get("return", tile["return"])
    tile["milestones"] = list(payload.get("milestones") or tile["milestones"])
    tile["ended"] = payload.get("ended") or tile["ended"]
    _tile_where(tile, state)


def _tile_where(tile: dict[str, Any], state: Mapping[str, Any]) -> None:
    """The tiers the state shows (kept once reached) and its position on the tile's path."""
    tile["tiers"] = tile["tiers"] + [n for n, tier in TIERS.items() if n not in tile["tiers"] and tier.reached(state)]
    p = state.get("position") or {}
    if all(isinstance(p.get(k), (int, float)) for k in "xyz"):
        point = [round(float(p["x"]), 1), round(float(p["y"]), 1), round(float(p["z"]), 1)]
        if not tile["path"] or tile["path"][-1] != point:
            tile["path"] = thin(tile["path"] + [point], MAX_TILE_PATH)
