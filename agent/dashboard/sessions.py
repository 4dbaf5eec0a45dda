"""Recorded sessions as the replay page reads them: the list of sessions under a folder, one session's
timeline (the state, skill and result at each step) and its frames as JPEGs.

A session cut off by a crash replays up to its last event, with load_session's warnings shown as a notice;
a folder that is not a session is refused with SessionError's message. Session names are paths relative to
the root, checked to stay inside it.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Mapping

from agent.dashboard.feed import encode_jpeg
from agent.dashboard.live import result_summary, state_summary
from agent.recording import Session, SessionError, load_session
from agent.tasks import TASKS, TIERS

CACHED_SESSIONS = 3     # sessions whose frames are kept decoded (a few MB each)


def session_name(root: Path, folder: Path) -> str:
    return folder.resolve().relative_to(root.resolve()).as_posix()


def resolve(root: Path, name: str) -> Path:
    """The folder of session `name` under root; SessionError for a name that leaves the root."""
    base = root.resolve()
    folder = (base / name).resolve()
    if folder != base and base not in folder.parents:
        raise SessionError(f"{name!r} is not a session under {root}")
    return folder


def list_sessions(root: Path) -> list[dict[str, Any]]:
    """Every session folder under root (by metadata.json), newest first: task, seed, policy, result, duration.
    Reads metadata only; a folder whose metadata cannot be read is listed with its error."""
    if not root.is_dir():
        return []
    rows = []
    for meta_path in root.rglob("metadata.json"):
        folder = meta_path.parent
        row: dict[str, Any] = {"name": session_name(root, folder)}
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as err:
            row["error"] = f"metadata.json unreadable: {err}"
            rows.append(row)
            continue
        policy = meta.get("policy") or {}
        row.update(task=meta.get("task"), seed=meta.get("seed"),
                   policy=policy.get("name") if isinstance(policy, Mapping) else str(policy),
                   status=meta.get("status"), success=meta.get("success"), end_reason=meta.get("end_reason"),
                   steps=meta.get("steps"), started=meta.get("started"),
                   ended=meta.get("ended") or meta.get("updated"),
                   wall_s=(meta.get("clock") or {}).get("wall_s") if isinstance(meta.get("clock"), Mapping) else None)
        rows.append(row)
    return sorted(rows, key=lambda r: str(r.get("started") or ""), reverse=True)


def timeline_payload(session: Session) -> dict[str, Any]:
    """The whole session for the page: metadata, warnings, and per step (the reset is step 0) the frame
    index, state, skill and result; milestones and tiers with the step, ticks and wall seconds they came at."""
    steps: list[dict[str, Any]] = []
    t0 = tick0 = None
    milestones: dict[str, dict[str, Any]] = {}
    tiers: dict[str, dict[str, Any]] = {}
    total = 0.0
    for event in session.events:
        kind = event.get("type")
        if kind not in ("reset", "step"):
            continue
        state = event.get("state") or {}
        if t0 is None:
            t0, tick0 = float(event.get("t") or 0.0), int(state.get("tick", 0) or 0)
        step = 0 if kind == "reset" else int(event.get("step", len(steps)))
        ticks = int(state.get("tick", tick0) or tick0) - tick0
        wall = round(float(event.get("t") or t0) - t0, 1)
        when = {"step": step, "ticks": ticks, "wall_s": wall}
        achieved = list(event.get("milestones_achieved") or []) + list(event.get("milestones") or [])
        for name in achieved:
            milestones.setdefault(name, dict(when))
        for name, tier in TIERS.items():
            if name not in tiers and tier.reached(state):
                tiers[name] = dict(when)
        total += float(event.get("reward") or 0.0)
        ref = event.get("frame")
        row: dict[str, Any] = {
            "step": step, "ticks": ticks, "wall_s": wall, "state": state_summary(state),
            "frame": ref.get("index") if isinstance(ref, Mapping) else None, "return": round(total, 3),
        }
        if kind == "step":
            row["skill"] = result_summary(str(event.get("token", "?")), event.get("args"), event.get("result"), step,
                                          event.get("reward"))
            row["milestones"] = list(event.get("milestones") or [])
        steps.append(row)
    notes = [f"{e.get('type')} at step {e.get('step')}" + (f": {e.get('to')}" if e.get("to") else "")
             for e in session.events if e.get("type") not in ("reset", "step", "end")]
    task = TASKS.get(str(session.metadata.get("task")))
    order = list(task.milestones) if task else sorted(milestones, key=lambda m: milestones[m]["step"])
    return {"metadata": session.metadata, "warnings": list(session.warnings), "complete": session.complete,
            "task_milestones": order, "steps": steps, "milestones": milestones, "tiers": tiers, "tier_names": list(TIERS), "notes": notes}


class SessionStore:
    """Sessions under one root, their timelines and decoded frames cached for the last few opened."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._cache: OrderedDict[Path, tuple[float, Session, dict[int, bytes] | None]] = OrderedDict()

    def _load(self, name: str) -> tuple[Session, dict[int, bytes] | None]:
        folder = resolve(self.root, name)
        meta = folder / "metadata.json"
        stamp = meta.stat().st_mtime if meta.is_file() else 0.0
        with self._lock:
            hit = self._cache.get(folder)
            if hit is not None and hit[0] == stamp:
                self._cache.move_to_end(folder)
                return hit[1], hit[2]
        session = load_session(folder)   # SessionError for anything that is not a session
        with self._lock:
            self._cache[folder] = (stamp, session, None)
            while len(self._cache) > CACHED_SESSIONS:
                self._cache.popitem(last=False)
        return session, None

    def timeline(self, name: str) -> dict[str, Any]:
        session, _ = self._load(name)
        payload = timeline_payload(session)
        payload["name"] = name
        return payload

    def frame(self, name: str, index: int) -> bytes:
        """Frame `index` of the session as JPEG; the session's frames are decoded once, on the first ask."""
        session, frames = self._load(name)
        if frames is None:
            frames = {i: encode_jpeg(rgb) for i, rgb in session.frames()}
            folder = resolve(self.root, name)
            with self._lock:
                if folder in self._cache:
                    stamp, cached, _ = self._cache[folder]
                    self._cache[folder] = (stamp, cached, frames)
        if index not in frames:
            raise SessionError(f"{name}: frame {index} is not readable")
        return frames[index]
