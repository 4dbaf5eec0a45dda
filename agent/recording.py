"""Session recording: one folder per episode, readable even after the agent is killed mid-episode.

Layout of a session folder:

    metadata.json        seed, versions, policy, assists, task...; written at start (status "running"), after
                         every step (steps, frames and time so far) and at close (status "closed"), each
                         time atomically (temp file + os.replace)
    events.jsonl         one JSON object per line: {"type": "reset"|"step"|"end", ...}; flushed and fsynced
                         after every line
    frames/seg_NNNNNNNN.avi
                         the frames, Motion-JPEG in AVI written by OpenCV's own MJPEG writer, NNNNNNNN = the
                         index of the segment's first frame. A segment is closed (and fsynced) every
                         `segment_frames` frames, or when the frame size changes.
    frames/pending_NNNNNNNN.jpg
                         each frame of the segment still open, also as a JPEG file (written under a temporary
                         name and renamed, so a kill leaves none half-written), deleted once its segment is
                         closed. OpenCV's writer keeps recent frames in a user-space buffer, so after a
                         kill -9 the open segment is unreadable or short; the loader then reads those frames
                         from the pending JPEGs. (MP4 is not used at all: without its final moov atom nothing
                         in it is readable.)
    frames/labels_NNNNNNNN.png
                         per-pixel block ids of frame NNNNNNNN (16-bit PNG), when the frame had labels

A step event refers to its frame as {"frame": {"index": N}}.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

FORMAT_VERSION = 1
SEGMENT_RE = re.compile(r"^seg_(\d{8})\.avi$")


class SessionError(RuntimeError):
    """A session folder is missing, empty or corrupt; the message says which file and where."""


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to `path` so that readers see the old or the new file, never a half-written one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(value, default=_json_default, ensure_ascii=False, indent=2))
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _whole_jpeg(path: Path) -> bool:
    """A JPEG file ends with its end-of-image marker; one cut off by a kill does not."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() < 4:
                return False
            f.seek(-2, os.SEEK_END)
            return f.read(2) == b"\xff\xd9"
    except OSError:
        return False


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class SessionRecorder:
    """Write one session folder. Use as a context manager, or call close() at the end."""

    def __init__(self, folder: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None,
                 segment_frames: int = 100, fps: float = 10.0, jpeg_quality: int = 90) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and any(self.folder.iterdir()):
            raise SessionError(f"session folder {self.folder} already exists and is not empty")
        (self.folder / "frames").mkdir(parents=True, exist_ok=True)
        self.segment_frames = max(1, int(segment_frames))
        self.fps = float(fps)
        self.jpeg_quality = int(jpeg_quality)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.metadata.update(format=FORMAT_VERSION, status="running", started=_now(), steps=0, frames=0)
        write_json_atomic(self.folder / "metadata.json", self.metadata)
        self._events = open(self.folder / "events.jsonl", "a", encoding="utf-8")
        self._writer: Any = None
        self._writer_size: tuple[int, int] | None = None
        self._in_segment = 0
        self._segment_path: Path | None = None
        self._pending: list[Path] = []
        self.frame_count = 0
        self.step_count = 0
        self.closed = False

    # -- frames

    def add_frame(self, rgb: np.ndarray, labels: np.ndarray | None = None) -> dict[str, int]:
        """Append a frame (HxWx3 uint8 RGB); returns its reference {"index": N} for the events log."""
        import cv2

        if self.closed:
            raise SessionError("the recorder is closed")
        rgb = np.asarray(rgb)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"a frame must be an HxWx3 uint8 array, got {rgb.shape} {rgb.dtype}")
        size = (rgb.shape[1], rgb.shape[0])
        if self._writer is not None and (self._in_segment >= self.segment_frames or size != self._writer_size):
            self._close_segment()
        if self._writer is None:
            self._segment_path = self.folder / "frames" / f"seg_{self.frame_count:08d}.avi"
            writer = cv2.VideoWriter(str(self._segment_path), cv2.CAP_OPENCV_MJPEG,
                                     cv2.VideoWriter.fourcc(*"MJPG"), self.fps, size)
            if not writer.isOpened():
                raise SessionError(f"OpenCV could not open an MJPEG writer at {self._segment_path}")
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, self.jpeg_quality)
            self._writer, self._writer_size, self._in_segment = writer, size, 0
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        self._writer.write(bgr)
        index = self.frame_count
        pending = self.folder / "frames" / f"pending_{index:08d}.jpg"
        ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise SessionError(f"could not encode frame {index} as JPEG")
        partial = pending.with_name(f".{pending.name}.tmp")
        partial.write_bytes(jpeg.tobytes())
        os.replace(partial, pending)
        self._pending.append(pending)
        if labels is not None:
            lab = np.asarray(labels)
            if lab.shape != rgb.shape[:2]:
                raise ValueError(f"labels shape {lab.shape} does not match the frame {rgb.shape[:2]}")
            cv2.imwrite(str(self.folder / "frames" / f"labels_{index:08d}.png"), lab.astype(np.uint16))
        self._in_segment += 1
        self.frame_count += 1
        return {"index": index}

    def _close_segment(self) -> None:
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        if self._segment_path is not None:
            try:
                with open(self._segment_path, "rb+") as f:
                    os.fsync(f.fileno())
            except OSError:
                pass
        _fsync_dir(self.folder / "frames")
        for pending in self._pending:  # the closed segment now holds these frames durably
            pending.unlink(missing_ok=True)
        self._pending = []

    # -- events

    def log(self, record: Mapping[str, Any]) -> None:
        """Append one event (a JSON object) and make it durable before returning."""
        if self.closed:
            raise SessionError("the recorder is closed")
        line = dumps(dict(record))
        if "\n" in line:  # json.dumps never emits raw newlines; this guards the one-line-per-event format
            raise ValueError("an event must serialise to one line")
        self._events.write(line + "\n")
        self._events.flush()
        os.fsync(self._events.fileno())

    def log_reset(self, observation_text: str, state: Mapping[str, Any] | None = None,
                  frame: Mapping[str, int] | None = None, **extra: Any) -> None:
        self.log({"type": "reset", "t": time.time(), "observation": observation_text, "state": state,
                  "frame": frame, **extra})

    def log_step(self, step: int, observation_text: str, token: str, result: Any, reward: float,
                 timings: Mapping[str, float] | None = None, frame: Mapping[str, int] | None = None,
                 **extra: Any) -> None:
        """One decision: the observation it was made on, the token, the skill result, the reward, timings.

        `frame` is the reference of the frame after the step (from add_frame); extra keys (state, referee
        class, milestones, events...) are stored as given.
        """
        self.step_count += 1
        self.log({"type": "step", "t": time.time(), "step": step, "observation": observation_text, "token": token,
                  "result": result, "reward": reward, "timings": dict(timings or {}), "frame": frame, **extra})
        self.update_metadata(steps=self.step_count, frames=self.frame_count, updated=_now())

    # -- metadata

    def update_metadata(self, **fields: Any) -> None:
        self.metadata.update(fields)
        write_json_atomic(self.folder / "metadata.json", self.metadata)

    def close(self, **final: Any) -> None:
        """Close the video segment, write an "end" event and the final metadata (status "closed")."""
        if self.closed:
            return
        self._close_segment()
        try:
            self.log({"type": "end", "t": time.time(), **final})
        finally:
            self._events.close()
            self.closed = True
        self.metadata.update(final)
        self.metadata.update(status="closed", ended=_now(), steps=self.step_count, frames=self.frame_count)
        write_json_atomic(self.folder / "metadata.json", self.metadata)

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.close(error=f"{getattr(exc_type, '__name__', exc_type)}: {exc}")
        else:
            self.close()


# ------------------------------------------------------------------------------------------ loading

@dataclass
class Session:
    """A recorded session: metadata, events, and its frames (read lazily from the video segments)."""

    path: Path
    metadata: dict[str, Any]
    events: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when the recorder closed the session (False after a crash or a kill)."""
        return self.metadata.get("status") == "closed"

    @property
    def steps(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == "step"]

    def segments(self) -> list[tuple[int, Path]]:
        """(first frame index, path) of each video segment, in order."""
        out = []
        folder = self.path / "frames"
        if folder.is_dir():
            for p in folder.iterdir():
                m = SEGMENT_RE.match(p.name)
                if m:
                    out.append((int(m.group(1)), p))
        return sorted(out)

    def pending_frames(self) -> dict[int, Path]:
        """Frames of a segment that was still open when the recorder stopped (index -> JPEG)."""
        folder = self.path / "frames"
        out = {}
        if folder.is_dir():
            for p in folder.glob("pending_*.jpg"):
                try:
                    out[int(p.stem.split("_", 1)[1])] = p
                except ValueError:
                    continue
        return out

    def frames(self) -> Iterator[tuple[int, np.ndarray]]:
        """(index, RGB frame) for every readable frame, in order."""
        import cv2

        pending = self.pending_frames()
        done: set[int] = set()

        def from_pending(upto: int | None) -> Iterator[tuple[int, np.ndarray]]:
            for i in sorted(pending):
                if i in done or (upto is not None and i >= upto):
                    continue
                done.add(i)
                if not _whole_jpeg(pending[i]):  # OpenCV would decode the rest as grey
                    self._warn(f"frame {i} ({pending[i].name}) is cut off and was skipped")
                    continue
                bgr = cv2.imread(str(pending[i]), cv2.IMREAD_COLOR)
                if bgr is not None:
                    yield i, np.ascontiguousarray(bgr[:, :, ::-1])

        for start, path in self.segments():
            yield from from_pending(start)
            cap = cv2.VideoCapture(str(path))
            try:
                index = start
                while cap.isOpened():
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    if index not in done:
                        done.add(index)
                        yield index, np.ascontiguousarray(bgr[:, :, ::-1])
                    index += 1
            finally:
                cap.release()
        yield from from_pending(None)

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def frame(self, index: int) -> np.ndarray:
        """One frame by index (reads its segment from the start)."""
        for i, rgb in self.frames():
            if i == index:
                return rgb
            if i > index:
                break
        raise SessionError(f"{self.path}: frame {index} is not readable")

    def frame_count(self) -> int:
        return sum(1 for _ in self.frames())

    def labels(self, index: int) -> np.ndarray | None:
        """The block-id labels of a frame, or None when it had none."""
        import cv2

        path = self.path / "frames" / f"labels_{index:08d}.png"
        if not path.is_file():
            return None
        lab = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        return None if lab is None else lab.astype(np.uint16)

    def step_frames(self) -> Iterator[tuple[dict[str, Any], np.ndarray | None]]:
        """(step event, its frame or None) for every step, reading the video once."""
        wanted: dict[int, np.ndarray | None] = {}
        for e in self.events:
            ref = e.get("frame")
            if isinstance(ref, Mapping) and isinstance(ref.get("index"), int):
                wanted[ref["index"]] = None
        if wanted:
            for i, rgb in self.frames():
                if i in wanted:
                    wanted[i] = rgb
        for e in self.steps:
            ref = e.get("frame")
            yield e, wanted.get(ref["index"]) if isinstance(ref, Mapping) and "index" in ref else None


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read one session folder. Raises SessionError for a missing, empty or corrupt session.

    A truncated last line in events.jsonl (the agent killed while writing) is dropped with a warning;
    a bad line anywhere else is corruption.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise SessionError(f"{folder} is not a folder")
    meta_path = folder / "metadata.json"
    events_path = folder / "events.jsonl"
    if not meta_path.is_file():
        raise SessionError(f"{folder} is not a session: metadata.json is missing")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SessionError(f"{meta_path} is corrupt: {err}") from None
    if not isinstance(metadata, dict):
        raise SessionError(f"{meta_path} must hold a JSON object")
    if not events_path.is_file():
        raise SessionError(f"{folder} is not a session: events.jsonl is missing")
    warnings: list[str] = []
    events: list[dict[str, Any]] = []
    raw = events_path.read_bytes()
    lines = raw.split(b"\n")
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8"))
            if not isinstance(event, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as err:
            if number == last:  # no newline after it: the write was cut short
                warnings.append(f"events.jsonl line {number + 1} is truncated and was dropped")
                continue
            raise SessionError(f"{events_path} line {number + 1} is corrupt: {err}") from None
        events.append(event)
    if metadata.get("status") != "closed":
        warnings.append("the session was not closed (the recorder crashed or was killed): it ends at its last event")
    return Session(folder, metadata, events, warnings)


def load_sessions(root: str | os.PathLike[str]) -> list[Session]:
    """Every session under `root` (root itself, or its sub-folders at any depth), sorted by path.

    Raises SessionError when root does not exist, holds no session, or a session is corrupt.
    """
    base = Path(root)
    if not base.exists():
        raise SessionError(f"{base} does not exist")
    if (base / "metadata.json").is_file():
        return [load_session(base)]
    found = sorted({p.parent for p in base.rglob("metadata.json")})
    if not found:
        raise SessionError(f"no sessions under {base} (a session folder holds metadata.json and events.jsonl)")
    return [load_session(p) for p in found]
