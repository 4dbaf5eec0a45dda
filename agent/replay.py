"""Replay a recorded session: its timeline as text, and an annotated video.

    python run_agent.py replay SESSION_DIR [--video|--export OUT.mp4] [--json]
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

import numpy as np

from agent.recording import Session, SessionError, load_session


@dataclass(frozen=True)
class TimelineRow:
    step: int
    token: str
    ok: bool
    error: str | None
    reward: float
    total: float
    milestones: list[str]
    seconds: float


def timeline(session: Session) -> list[TimelineRow]:
    rows: list[TimelineRow] = []
    total = 0.0
    for e in session.steps:
        result = e.get("result") or {}
        err = result.get("error") or None
        reward = float(e.get("reward") or 0.0)
        total += reward
        timings = e.get("timings") or {}
        rows.append(TimelineRow(
            step=int(e.get("step", len(rows) + 1)), token=str(e.get("token", "?")), ok=bool(result.get("ok")),
            error=(f"{err.get('kind')}: {err.get('message', '')}" if isinstance(err, dict) else None),
            reward=reward, total=total, milestones=list(e.get("milestones") or []),
            seconds=float(timings.get("skill_s", 0.0)),
        ))
    return rows


def print_timeline(session: Session, out: TextIO = sys.stdout) -> None:
    m = session.metadata
    out.write(f"session {session.path}\n")
    out.write(f"task {m.get('task', '?')}  seed {m.get('seed')}  policy {json.dumps(m.get('policy'))}  "
              f"status {m.get('status')}  steps {len(session.steps)}\n")
    for w in session.warnings:
        out.write(f"warning: {w}\n")
    out.write(f"{'step':>5}  {'token':<32} {'result':<40} {'reward':>8} {'return':>8}  milestones\n")
    for r in timeline(session):
        outcome = "ok" if r.ok else (r.error or "failed")
        if len(outcome) > 40:
            outcome = outcome[:37] + "..."
        out.write(f"{r.step:>5}  {r.token:<32} {outcome:<40} {r.reward:>8.2f} {r.total:>8.2f}  {', '.join(r.milestones)}\n")
    if m.get("status") == "closed":
        out.write(f"end: {m.get('end_reason', '?')}, success {m.get('success')}, return {m.get('episode_return')}\n")


def _annotate(rgb: np.ndarray, lines: list[str], scale: int) -> np.ndarray:
    import cv2

    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    if scale > 1:
        bgr = cv2.resize(bgr, (bgr.shape[1] * scale, bgr.shape[0] * scale), interpolation=cv2.INTER_NEAREST)
    band = 18 * len(lines) + 8
    overlay = bgr.copy()
    cv2.rectangle(overlay, (0, 0), (bgr.shape[1], band), (0, 0, 0), -1)
    bgr = cv2.addWeighted(overlay, 0.55, bgr, 0.45, 0)
    for i, line in enumerate(lines):
        cv2.putText(bgr, line, (6, 18 + 18 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return bgr


def inventory_line(state: dict[str, Any] | None, width: int = 60) -> str:
    """The inventory as one overlay line, largest stacks first, cut to `width` characters."""
    items = sorted(((n, k) for k, n in ((state or {}).get("inventory") or {}).items() if n > 0), reverse=True)
    line = "inventory: " + (", ".join(f"{n} {k}" for n, k in items) or "empty")
    return line if len(line) <= width else line[:width - 3] + "..."


def annotated_frames(session: Session, scale: int | None = None) -> Iterator[np.ndarray]:
    """BGR frames with the step, token, outcome, reward and inventory written on them."""
    rows = {r.step: r for r in timeline(session)}
    states = {e.get("step"): e.get("state") for e in session.steps}
    by_index: dict[int, tuple[str, int | None]] = {}
    for e in session.events:
        ref = e.get("frame")
        if isinstance(ref, dict) and isinstance(ref.get("index"), int):
            by_index[ref["index"]] = (str(e.get("type")), e.get("step"))
    for index, rgb in session.frames():
        s = scale or (2 if rgb.shape[1] < 320 else 1)
        kind, step = by_index.get(index, ("", None))
        if kind == "reset":
            lines = ["reset", f"task {session.metadata.get('task', '?')}  seed {session.metadata.get('seed')}"]
        elif step is not None and step in rows:
            r = rows[step]
            lines = [f"step {r.step}  {r.token}", ("ok" if r.ok else (r.error or "failed"))[:48],
                     f"reward {r.reward:+.2f}  return {r.total:+.2f}" + (f"  {', '.join(r.milestones)}" if r.milestones else ""),
                     inventory_line(states.get(step))]
        else:
            lines = [f"frame {index}"]
        yield _annotate(rgb, lines, s)


def write_video(session: Session, out: str | Path, fps: float = 2.0) -> int:
    """Write the annotated frames to `out` (.mp4: mp4v; .avi: MJPG). Returns the number of frames."""
    import cv2

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if out.suffix.lower() == ".avi" else "mp4v"))
    writer = None
    size = (0, 0)
    n = 0
    try:
        for bgr in annotated_frames(session):
            if writer is None:
                writer = cv2.VideoWriter(str(out), fourcc, fps, (bgr.shape[1], bgr.shape[0]))
                if not writer.isOpened():
                    raise SessionError(f"OpenCV cannot write a video at {out}")
                size = (bgr.shape[1], bgr.shape[0])
            if (bgr.shape[1], bgr.shape[0]) != size:
                bgr = cv2.resize(bgr, size)
            writer.write(bgr)
            n += 1
    finally:
        if writer is not None:
            writer.release()
    if n == 0:
        raise SessionError(f"{session.path} has no readable frames: no video written")
    return n


def main(session_dir: str, video: str | None = None, as_json: bool = False, fps: float = 2.0) -> int:
    try:
        session = load_session(session_dir)
    except SessionError as err:
        print(f"replay: {err}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({"path": str(session.path), "metadata": session.metadata, "warnings": session.warnings,
                          "timeline": [asdict(r) for r in timeline(session)]}, indent=2, default=str))
    else:
        print_timeline(session)
    if video:
        try:
            n = write_video(session, video, fps)
        except SessionError as err:
            print(f"replay: {err}", file=sys.stderr)
            return 1
        print(f"wrote {n} frames to {video}", file=sys.stderr)
    return 0
