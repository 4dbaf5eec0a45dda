"""`run_agent.py bench soak`: memory over a long run, the way `eval` plays.

The expert plays the enchanted-diamond-sword task at the fastest clock this machine keeps up with (FAST_SPEED) in
fresh worlds of training seeds N, N+1, ... (a new episode, with a new server and bridge, whenever one ends) for
M minutes, while a thread samples every few seconds the resident memory (RSS) of the bridge's Node process, the
embedded server's Node process and this agent process. Per role: samples, processes, start, end and peak MB, and
two trends in MB per hour (least squares): over all samples, and within each process (one line per process
with its own intercept: how fast a process grows while it lives, which is what a leak looks like when every
episode starts fresh processes). It also counts decisions and episodes, and checks that no process it saw
is left running at the end.
"""
from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import gymnasium as gym
import psutil

from agent.env import FAST_SPEED
from agent.evaluation import run_episode
from agent.policies import make_policy
from agent.registration import make_env

SOAK_TASK = "enchanted_diamond_sword"
ROLES = ("bridge", "server", "agent")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Sample:
    role: str
    pid: int
    t: float        # seconds since the soak began
    mb: float


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB, or None once it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def slope_per_hour(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) points, in MB per hour; None for fewer than two distinct times."""
    return pooled_slope_per_hour([points])


def pooled_slope_per_hour(groups: Sequence[Sequence[tuple[float, float]]]) -> float | None:
    """One slope for several series of (seconds, MB), each with its own intercept (each process starts at its
    own size): sum of the centred cross products over sum of the centred squares, in MB per hour."""
    num = den = 0.0
    for points in groups:
        if len(points) < 2:
            continue
        t_mean = sum(t for t, _ in points) / len(points)
        mb_mean = sum(mb for _, mb in points) / len(points)
        num += sum((t - t_mean) * (mb - mb_mean) for t, mb in points)
        den += sum((t - t_mean) ** 2 for t, _ in points)
    return round(3600 * num / den, 1) if den > 0 else None


def world_pids(env: gym.Env[Any, Any]) -> dict[str, int]:
    """The pids to sample now: the current world's bridge and server (none between two worlds) and this process."""
    pids = {"agent": os.getpid()}
    world = getattr(env.unwrapped, "world", None)
    for role, proc in (("bridge", getattr(world, "bridge", None)), ("server", getattr(world, "embedded_server", None))):
        process = getattr(proc, "process", None)
        if process is not None and process.poll() is None:
            pids[role] = process.pid
    return pids


class MemorySampler:
    """Samples the RSS of `pids()` every `interval_s` on a daemon thread until stop()."""

    def __init__(self, pids: Callable[[], dict[str, int]], interval_s: float) -> None:
        self.pids, self.interval_s = pids, interval_s
        self.samples: list[Sample] = []
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.interval_s + 5)

    def sample_once(self) -> None:
        t = time.monotonic() - self._t0
        for role, pid in self.pids().items():
            mb = rss_mb(pid)
            if mb is not None:
                self.samples.append(Sample(role, pid, round(t, 2), round(mb, 1)))
                self.seen.add(pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample_once()
            except Exception as err:   # a world torn down mid-read: skip this sample, never end the soak
                print(f"[bench soak] sample skipped: {err}", file=sys.stderr)
            self._stop.wait(self.interval_s)


def summarize_role(samples: Sequence[Sample]) -> dict[str, Any]:
    """Start, end, peak and trends of one role's samples, and the same per process."""
    if not samples:
        return {"samples": 0, "processes": 0}
    by_pid: dict[int, list[Sample]] = {}
    for s in samples:
        by_pid.setdefault(s.pid, []).append(s)
    each = [{"pid": pid, "samples": len(ss), "seconds": round(ss[-1].t - ss[0].t, 1), "start_mb": ss[0].mb,
             "end_mb": ss[-1].mb, "peak_mb": max(s.mb for s in ss),
             "trend_mb_per_hour": slope_per_hour([(s.t, s.mb) for s in ss])} for pid, ss in by_pid.items()]
    return {"samples": len(samples), "processes": len(by_pid), "start_mb": samples[0].mb, "end_mb": samples[-1].mb,
            "peak_mb": max(s.mb for s in samples),
            "trend_mb_per_hour": slope_per_hour([(s.t, s.mb) for s in samples]),
            "trend_within_process_mb_per_hour": pooled_slope_per_hour([[(s.t, s.mb) for s in ss]
                                                                      for ss in by_pid.values()]),
            "per_process": each}


def left_running(pids: set[int], own: int, wait_s: float = 10.0) -> list[int]:
    """Of the Node processes seen, those still running `wait_s` after the last world was closed."""
    deadline = time.monotonic() + wait_s
    alive = {pid for pid in pids if pid != own}
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if rss_mb(pid) is not None}
        time.sleep(0.2)
    return sorted(alive)


def play_for(env: gym.Env[Any, Any], minutes: float, first_seed: int, progress: Progress) -> dict[str, Any]:
    """The expert's episodes in fresh worlds until `minutes` have passed (the last one is cut there, between two
    decisions: its end is 'switched')."""
    deadline = time.monotonic() + 60 * minutes
    progress(f"the expert plays fresh worlds from seed {first_seed} for {minutes:g} min (a line per episode)")
    ends: Counter[str] = Counter()
    decisions, seeds = 0, []
    while time.monotonic() < deadline:
        seed = first_seed + len(seeds)
        seeds.append(seed)
        report = run_episode(env, make_policy("expert", SOAK_TASK, seed), seed,
                             switch=lambda _steps: time.monotonic() >= deadline)
        decisions += report.steps
        ends[report.end_kind or "unknown"] += 1
        progress(f"episode {len(seeds)} (seed {seed}): {report.steps} decisions, {report.end or report.end_kind}")
    return {"seeds": seeds, "decisions": decisions, "episodes": len(seeds),
            "episodes_finished": len(seeds) - ends["switched"], "ends": dict(ends)}


def run(minutes: float, interval_s: float, first_seed: int, progress: Progress,
        speed: float = FAST_SPEED) -> dict[str, Any]:
    env = make_env(task=SOAK_TASK, speed=speed)
    sampler = MemorySampler(lambda: world_pids(env), interval_s).start()
    started = time.monotonic()
    try:
        played = play_for(env, minutes, first_seed, progress)
    finally:
        env.close()
        sampler.stop()
    wall = time.monotonic() - started
    memory = {role: summarize_role([s for s in sampler.samples if s.role == role]) for role in ROLES}
    return {"machine": {"cpus": os.cpu_count()}, "task": SOAK_TASK, "speed": speed, "minutes": minutes,
            "interval_s": interval_s, "wall_s": round(wall, 1), **played,
            "decisions_per_hour": round(3600 * played["decisions"] / wall) if wall else None,
            "memory": memory, "left_running": left_running(sampler.seen, os.getpid())}


def _mb(value: object) -> str:
    return "-" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:g}"


def print_report(report: dict[str, Any]) -> None:
    print(f"soak: {report['minutes']:g} min asked, {report['wall_s']} s played at speed {report['speed']:g}: "
          f"{report['decisions']} decisions ({report['decisions_per_hour']} per hour), {report['episodes']} episodes "
          f"({report['episodes_finished']} finished; ends {report['ends']}), seeds {report['seeds'][0]}-"
          f"{report['seeds'][-1]}")
    print(f"{'process':>7s} {'samples':>7s} {'procs':>5s} {'start MB':>8s} {'end MB':>7s} {'peak MB':>7s} "
          f"{'MB/hour':>8s} {'MB/hour within a process':>24s}")
    for role, m in report["memory"].items():
        if not m["samples"]:
            print(f"{role:>7s} {0:>7d} (no samples)")
            continue
        print(f"{role:>7s} {m['samples']:>7d} {m['processes']:>5d} {_mb(m['start_mb']):>8s} {_mb(m['end_mb']):>7s} "
              f"{_mb(m['peak_mb']):>7s} {_mb(m['trend_mb_per_hour']):>8s} {_mb(m['trend_within_process_mb_per_hour']):>24s}")
    print(f"left running after the last world closed: {report['left_running'] or 'none'}")


def main(as_json: bool, minutes: float, interval_s: float, first_seed: int) -> int:
    def progress(message: str) -> None:
        print(f"[bench soak] {message}", file=sys.stderr, flush=True)

    report = run(minutes, interval_s, first_seed, progress)
    if as_json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0 if not report["left_running"] else 1
