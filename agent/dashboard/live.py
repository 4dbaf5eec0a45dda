"""The live episode as the dashboard shows it: one thread-safe store that the agent's loop writes to and
the web server's pages read from.

The agent's side (DashboardFeed, agent/dashboard/feed.py) only takes a lock, copies a few fields and wakes
the pages' event loop without waiting for it; a slow, closed or absent page therefore never holds the agent
up. Pages get the newest snapshot when they are ready for it (older ones are skipped, never queued).
"""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable, Mapping

from agent.tasks import TIERS, get_task

MAX_RECENT = 12         # the last skills a page lists
MAX_PATH = 20_000       # path points kept (a point every half second or step: hours of play)
MIN_STEP_BLOCKS = 0.5   # a new path point only once the bot has moved this far (standing still adds none)

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


class LiveHub:
    """The current episode, its skills, progress, path and newest frame; woken pages read snapshot()."""

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

    def snapshot(self, path_from: int = 0, path_epoch: int | None = None) -> dict[str, Any]:
        """Everything but the frame, with the path points from index `path_from` on (from 0 when the page's
        `path_epoch` is not the current one)."""
        with self._lock:
            if path_epoch != self.path_epoch:
                path_from = 0
            return {"path_epoch": self.path_epoch, "version": self.version, "episode": dict(self.episode), "state": dict(self.state),
                    "current": None if self.current is None else dict(self.current),
                    "recent": list(self.recent), "milestones": dict(self.milestones), "tiers": dict(self.tiers),
                    "path_from": path_from, "path": self.path[path_from:], "path_len": len(self.path),
                    "frame_seq": self.frame_seq, "notes": list(self.notes), "viewers": len(self._wakers)}

    def latest_frame(self) -> tuple[int, bytes | None]:
        with self._lock:
            return self.frame_seq, self.frame_jpeg

    # ------------------------------------------------------------------ the agent's side

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
            self.path_epoch += 1
            self.notes = []
            self._progress(state, list(info.get("milestones_achieved") or []), 0)
            self._add_point(state)
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
            self._changed()

    def live_state(self, state: Mapping[str, Any]) -> None:
        """A state observed while a skill runs (the frame pump's): vitals, inventory and the path move on."""
        with self._lock:
            if not self.episode:
                return
            self.state = state_summary(state)
            self._add_point(state)
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
