"""agent/recording.py: session folders, atomic metadata, and survival of a kill -9 mid-recording."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from agent.recording import SessionError, SessionRecorder, load_session, load_sessions
from conftest import REPO_ROOT


def frame(i: int, w: int = 64, h: int = 48) -> np.ndarray:
    """A frame whose mean colour encodes i (MJPEG is lossy: compare means, not pixels)."""
    f = np.zeros((h, w, 3), np.uint8)
    f[:, :, 0] = (i * 5) % 256
    f[:, :, 1] = 100
    f[:, :, 2] = 255 - (i * 5) % 256
    return f


def test_record_and_load(tmp_path: Path) -> None:
    folder = tmp_path / "s1"
    with SessionRecorder(folder, {"seed": 7, "policy": "random", "assists": []}, segment_frames=4) as rec:
        ref = rec.add_frame(frame(0))
        rec.log_reset("start", state={"inventory": {}}, frame=ref)
        for i in range(1, 10):
            ref = rec.add_frame(frame(i), labels=np.full((48, 64), i, np.uint16) if i == 3 else None)
            rec.log_step(i, f"obs {i}", "explore", {"ok": True, "error": None}, -0.01, {"skill_s": 0.1}, ref,
                         milestones=["log"] if i == 1 else [])
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["status"] == "closed" and meta["seed"] == 7 and meta["steps"] == 9 and meta["frames"] == 10
    s = load_session(folder)
    assert s.complete and not s.warnings
    assert [e["type"] for e in s.events] == ["reset"] + ["step"] * 9 + ["end"]
    assert s.steps[0]["milestones"] == ["log"] and s.steps[-1]["frame"] == {"index": 9}
    assert [start for start, _ in s.segments()] == [0, 4, 8]
    assert not s.pending_frames()  # closed segments hold every frame
    frames = list(s.frames())
    assert [i for i, _ in frames] == list(range(10))
    for i, rgb in frames:
        assert rgb.shape == (48, 64, 3)
        assert abs(float(rgb[:, :, 0].mean()) - (i * 5) % 256) < 6  # RGB order kept
    assert s.labels(3) is not None and int(s.labels(3)[0, 0]) == 3 and s.labels(4) is None
    pairs = list(s.step_frames())
    assert len(pairs) == 9 and all(f is not None for _, f in pairs)
    assert load_sessions(tmp_path)[0].path == folder


def test_frame_size_change_starts_a_segment(tmp_path: Path) -> None:
    with SessionRecorder(tmp_path / "s", {}, segment_frames=100) as rec:
        rec.add_frame(frame(0))
        rec.add_frame(frame(1, 32, 32))
    s = load_session(tmp_path / "s")
    assert [f.shape for _, f in s.frames()] == [(48, 64, 3), (32, 32, 3)]


def test_errors_for_bad_folders(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="does not exist"):
        load_sessions(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SessionError, match="no sessions"):
        load_sessions(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "metadata.json").write_text("{")
    with pytest.raises(SessionError, match="metadata.json is corrupt"):
        load_session(bad)
    (bad / "metadata.json").write_text("{}")
    with pytest.raises(SessionError, match="events.jsonl is missing"):
        load_session(bad)
    (bad / "events.jsonl").write_text('{"type":"step"}\nnot json\n{"type":"step"}\n')
    with pytest.raises(SessionError, match="line 2 is corrupt"):
        load_session(bad)
    (bad / "events.jsonl").write_text('{"type":"step"}\n{"type":"st')  # cut mid-write: dropped, warned
    s = load_session(bad)
    assert len(s.events) == 1 and any("truncated" in w for w in s.warnings)
    with pytest.raises(SessionError, match="not empty"):
        SessionRecorder(bad, {})


WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    from agent.recording import SessionRecorder
    rec = SessionRecorder(sys.argv[1], {{"seed": 3, "policy": "test"}}, segment_frames=10)
    i = 0
    while True:
        f = np.zeros((48, 64, 3), np.uint8); f[:, :, 0] = (i * 5) % 256; f[:, :, 1] = 100
        ref = rec.add_frame(f)
        rec.log_step(i, "obs", "explore", {{"ok": True}}, -0.01, {{}}, ref)
        print(i, flush=True)
        i += 1
        time.sleep(0.01)
""")


def test_recording_survives_sigkill(tmp_path: Path) -> None:
    folder = tmp_path / "killed"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(REPO_ROOT)))
    proc = subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = -1
    deadline = time.monotonic() + 60
    while last < 35 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        last = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL and last >= 35
    s = load_session(folder)
    assert not s.complete and any("not closed" in w for w in s.warnings)
    assert s.metadata["seed"] == 3 and s.metadata["status"] == "running"
    assert s.metadata["steps"] >= last + 1 and s.metadata["frames"] >= last + 1  # kept current while it ran
    steps = s.steps
    assert len(steps) >= last + 1  # every step that was reported is durable
    assert [e["step"] for e in steps] == list(range(len(steps)))
    indices = [i for i, _ in s.frames()]
    assert indices == list(range(len(indices)))
    assert len(indices) >= last + 1  # every frame of a reported step is readable, the open segment's too
    for i, rgb in s.frames():
        assert abs(float(rgb[:, :, 0].mean()) - (i * 5) % 256) < 6
        assert rgb.shape == (48, 64, 3)


def test_a_cut_off_frame_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """A pending JPEG cut off by a kill (written before the rename-into-place) is reported, not decoded as a
    half-grey frame."""
    folder = tmp_path / "cut"
    rec = SessionRecorder(folder, {"seed": 1})
    for i in range(3):
        rec.add_frame(frame(i))
        rec.log_step(i, "obs", "explore", {"ok": True}, 0.0)
    pending = folder / "frames" / "pending_00000001.jpg"
    pending.write_bytes(pending.read_bytes()[: pending.stat().st_size // 2])
    assert not list((folder / "frames").glob(".*.tmp"))  # no temporary frame left by a completed write
    s = load_session(folder)
    assert [i for i, _ in s.frames()] == [0, 2]
    assert any("frame 1" in w and "cut off" in w for w in s.warnings)
