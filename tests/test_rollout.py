"""agent/rollout.py: many worlds at once on Ray (real embedded worlds, a real local Ray runtime), a lost world
reported and its worker restarted, and `eval --workers` on bad input."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from agent.policies import Policy
from agent.recording import load_sessions
from agent.rollout import Capacity, RolloutPool, fit_workers, is_lost
from conftest import REPO_ROOT, run_cli

GB = 1 << 30


def worlds(test: Callable[..., None]) -> Callable[..., None]:
    """Ray and embedded worlds: tens of seconds each; one after the other (one Ray runtime at a time)."""
    return pytest.mark.slow(pytest.mark.xdist_group("rollout")(test))


def test_importing_the_agent_and_the_command_line_does_not_import_ray() -> None:
    code = "import sys, agent.rollout, agent.play, run_agent; sys.exit('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, timeout=120).returncode == 0


def test_workers_are_capped_by_cpus_and_memory_with_a_warning() -> None:
    assert fit_workers(2, Capacity(cpus=2, memory_free_bytes=20 * GB)) == (2, None)
    used, warning = fit_workers(8, Capacity(cpus=2, memory_free_bytes=20 * GB))
    assert used == 2 and warning is not None and "2 CPUs" in warning and warning.endswith("using 2 workers")
    used, warning = fit_workers(8, Capacity(cpus=16, memory_free_bytes=int(3.5 * GB)))  # 1 GB kept, 1 GB a world
    assert used == 2 and warning is not None and "3.5 GB of memory free" in warning
    assert fit_workers(3, Capacity(cpus=1, memory_free_bytes=GB // 2))[0] == 1   # always at least one
    with pytest.raises(ValueError, match="at least 1"):
        fit_workers(0)


@pytest.mark.parametrize("value, message", [("0", "--workers must be at least 1"), ("-2", "--workers must be at least 1"),
                                            ("two", "invalid int value: 'two'")])
def test_eval_refuses_a_bad_worker_count(value: str, message: str) -> None:
    result = run_cli("eval", "--policy", "random", "--seeds", "1", "--workers", value)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_eval_with_a_ray_address_where_nothing_answers_is_one_clear_error() -> None:
    result = run_cli("eval", "--policy", "random", "--seeds", "1", "--workers", "2", "--ray-address", "127.0.0.1:1")
    assert result.returncode == 2 and result.stdout == ""
    *before, last = result.stderr.splitlines()          # before it: at most the dashboard's address
    assert last.startswith("run_agent.py eval: error: cannot join the Ray cluster at 127.0.0.1:1: ")
    assert all(line.startswith("dashboard: ") for line in before) and "Traceback" not in result.stderr


@worlds
def test_eval_plays_seeds_on_parallel_worlds_and_caps_the_workers_to_the_machine(tmp_path: Path) -> None:
    # 1000 workers: more than any machine holds -> a warning and this machine's capacity (at most the 2 seeds).
    result = run_cli("eval", "--policy", "random", "--task", "wooden_sword", "--seeds", "2", "--seed-start", "101",
                     "--max-steps", "2", "--workers", "1000", "--record", str(tmp_path), "--json", timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "warning: --workers 1000: this machine holds" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["seeds"] == [101, 102] and summary["episodes"] == 2 and summary["policy"] == "random"
    episodes = summary["episodes_detail"]
    assert [e["seed"] for e in episodes] == [101, 102]
    assert [e["end"] for e in episodes] == ["truncated: step limit"] * 2
    assert len({e["session"] for e in episodes}) == 2
    sessions = load_sessions(tmp_path)  # --record still holds every session, complete
    assert sorted(s.metadata["seed"] for s in sessions) == [101, 102] and all(s.complete for s in sessions)
    assert {str(s.path) for s in sessions} == {e["session"] for e in episodes}
    # Each world on its own worker: the progress lines of both reach this process's stderr.
    assert "[w0] seed 101: episode started" in result.stderr and "[w1] seed 102: episode started" in result.stderr
    assert "[w0] seed 101 step 2:" in result.stderr and "[w1] seed 102 step 2:" in result.stderr


def _slow_first_decision(killed_seed: int, wait_s: float) -> Callable[[int], Policy]:
    """The random policy; on `killed_seed` it waits before its first decision (time for the test to kill the
    world). Its class is local so that Ray ships it by value to the worker."""
    from agent.policies import make_policy

    class WaitFirst:
        def __init__(self, seed: int) -> None:
            self.inner = make_policy("random", "wooden_sword", seed)
            self.name = self.inner.name
            self.waited = seed != killed_seed

        def reset(self) -> None:
            self.inner.reset()

        def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Any:
            import time

            if not self.waited:
                self.waited = True
                time.sleep(wait_s)
            return self.inner.act(obs, info)

        def observe(self, token: str, result: dict[str, Any]) -> None:
            self.inner.observe(token, result)

    return WaitFirst


@worlds
def test_a_killed_world_is_reported_lost_and_the_next_episode_runs_on_a_restarted_worker(tmp_path: Path) -> None:
    import ray

    lines: list[str] = []
    killed: dict[str, int] = {}

    def progress(line: str) -> None:
        lines.append(line)
        if line.startswith("[w0] seed 201: world: server pid") and not killed:
            killed.update(pool.worlds()[0])
            os.kill(killed["server"], signal.SIGKILL)   # mid-episode: the policy waits on its first decision

    with RolloutPool(1, {"record_dir": tmp_path, "policy": {"name": "random"}}, task="wooden_sword", max_steps=2,
                     policy=_slow_first_decision(201, wait_s=5.0), progress=progress) as pool:
        first_worker = ray.get(pool.slots[0].actor.pid.remote())
        assert os.getpriority(os.PRIO_PROCESS, first_worker) == os.getpriority(os.PRIO_PROCESS, 0)  # not niced below us
        reports = list(pool.run([201, 202]))
        second_worker = ray.get(pool.slots[0].actor.pid.remote())
        second_world = pool.worlds()[0]
    lost, played = reports
    assert killed and lost.seed == 201 and is_lost(lost) and not lost.success, (lost, lines)
    assert "embedded server died" in lost.end and lost.end_kind == "world lost"   # as eval's summary counts it
    assert any(line.startswith("[w0] seed 201: lost: ") and line.endswith("restarting the worker") for line in lines)
    assert played.seed == 202 and played.end == "truncated: step limit" and played.end_kind == "step limit" and played.steps == 2
    assert second_worker != first_worker and second_world["server"] != killed["server"]
    assert played.session is not None and Path(played.session).parent == tmp_path
    with pytest.raises(ProcessLookupError):       # the lost world's bridge was stopped with its worker
        os.kill(killed["bridge"], 0)


@worlds
@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_ctrl_c_or_kill_stops_eval_on_workers_with_its_worlds_in_seconds(tmp_path: Path, how: str) -> None:
    import queue
    import re
    import threading
    import time

    # A terminal's Ctrl-C: SIGINT to the whole foreground process group (the command and Ray's processes).
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "run_agent.py"), "eval", "--policy", "expert", "--task", "wooden_sword",
         "--seeds", "4", "--seed-start", "111", "--workers", "2", "--max-steps", "60", "--speed", "1",
         "--record", str(tmp_path)],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        # `kill` is tried on a command started as a shell's background job, which inherits SIGINT ignored
        start_new_session=True, preexec_fn=lambda: signal.signal(
            signal.SIGINT, signal.SIG_DFL if how == "ctrl-c" else signal.SIG_IGN))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []
    pids: list[int] = []
    deadline = time.monotonic() + 240
    try:
        while not all(any(f"[w{w}] seed" in s and " step 1:" in s for s in seen) for w in (0, 1)):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)[-3000:]
            with __import__("contextlib").suppress(queue.Empty):
                seen.append(line := lines.get(timeout=1))
                if m := re.search(r"world: server pid (\d+), bridge pid (\d+)", line):
                    pids += [int(m.group(1)), int(m.group(2))]
        assert len(pids) == 4, seen
        interrupted = time.monotonic()
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)
        else:                                    # `kill PID`: SIGTERM to the command alone
            os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 130
        took = time.monotonic() - interrupted
        time.sleep(1)
        while not lines.empty():
            seen.append(lines.get())
        assert "interrupted: stopping 2 world(s)" in "".join(seen) and took < 20, (took, "".join(seen)[-2000:])
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().split()[2]]
        assert not alive, f"world processes left running: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
