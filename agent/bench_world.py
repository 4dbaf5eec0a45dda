"""`run_agent.py bench world`: how much experience this machine makes, measured in one run.

- reset: seconds per MinecraftEnv.reset() (a fresh embedded world, server and bridge, first frame included);
- speeds: for each game clock speed K, the expert plays its first `decisions` on each of the same training
  seeds, one world after the other: wall seconds per 1 000 game ticks, game ticks per decision, decisions per
  hour, the ticks per second achieved and the CPU the machine spent (cores busy, all processes);
- workers: the same seeds and decisions on N worlds at once on Ray (agent/rollout.py), at FAST_SPEED.
Wall times include each world's reset, as in any run. The speedup is each row's decisions per hour over the
K = 1 row (one world, in process) of the same run.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable, Sequence

from agent.env import FAST_SPEED
from agent.policies import make_policy
from agent.registration import make_env
from bridge.messages import FrameSettings

BENCH_SEED = 4242               # the first of the bench's training seeds (agent/seeds.py), the same for every row
BENCH_TASK = "enchanted_diamond_sword"
Progress = Callable[[str], None]


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat (all processes, all cores)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def cores_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """How many cores were busy on average between two cpu_jiffies() readings."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return round((os.cpu_count() or 1) * busy / total, 2) if total > 0 else 0.0


def time_resets(n: int, speed: float, progress: Progress) -> dict[str, Any]:
    """Seconds per reset over n fresh worlds (each a new seed)."""
    env = make_env(task=BENCH_TASK, speed=speed, frames=FrameSettings(fps=0))
    times = []
    try:
        for i in range(n):
            t = time.monotonic()
            env.reset(seed=BENCH_SEED + 1 + i)
            times.append(time.monotonic() - t)
            progress(f"reset {i + 1}/{n}: {times[-1]:.1f} s")
    finally:
        env.close()
    return {"resets": n, "mean_s": round(sum(times) / n, 2), "max_s": round(max(times), 2),
            "each_s": [round(t, 2) for t in times]}


def expert_decisions(speed: float, decisions: int, seeds: Sequence[int], progress: Progress = lambda m: None
                     ) -> dict[str, Any]:
    """The expert's first `decisions` on each of `seeds`, one world after the other in this process, at game
    clock `speed`: wall time (resets included, as in any run), game ticks, decisions per hour, CPU."""
    env = make_env(task=BENCH_TASK, speed=speed, max_steps=decisions, stuck_after=None,
                   frames=FrameSettings(fps=0))
    done = ticks = 0
    by_verb: dict[str, list[int]] = {}   # verb -> game ticks of each of its skills (the result's own count)
    played_s = 0.0          # wall time from each reset's first observation to the last step (no resets)
    stood_s = 0.0           # of which the game clock stood still (the bot computing, the agent deciding)
    keeps_up = True
    cpu0, t0 = cpu_jiffies(), time.monotonic()
    try:
        for seed in seeds:
            policy = make_policy("expert", BENCH_TASK, seed)
            policy.reset()
            obs, info = env.reset(seed=seed)
            tick0, steps = int(info["state"]["tick"]), 0
            while steps < decisions:
                action = policy.act(obs, info)
                if action is None:
                    break
                obs, _, terminated, truncated, info = env.step(action)
                policy.observe(action[0], info["result"])
                by_verb.setdefault(action[0].split(":")[0], []).append(int(info["result"].get("ticks") or 0))
                steps += 1
                progress(f"speed {speed:g}, seed {seed}: decision {steps}/{decisions} {action[0]}")
                if terminated or truncated:
                    break
            done += steps
            ticks += int(info["state"]["tick"]) - tick0
            keeps_up = keeps_up and info["clock"].get("keeps_up") is not False
            played_s += float(info["clock"]["wall_s"])
            stood_s += float(info["clock"].get("paused_s", 0.0))
    finally:
        env.close()
    wall, cpu1 = time.monotonic() - t0, cpu_jiffies()
    return {"speed": speed, "seeds": list(seeds), "decisions": done, "wall_s": round(wall, 1), "ticks": ticks,
            "wall_s_per_1000_ticks": round(1000 * wall / ticks, 2) if ticks else None,
            "ticks_per_decision": round(ticks / done, 1) if done else None,
            "decisions_per_hour": round(3600 * done / wall) if wall else None,
            # achieved while the clock ran (resets left out), and the share of the time it stood still
            "ticks_per_s": round(ticks / (played_s - stood_s), 1) if played_s > stood_s else None,
            "stood_still": round(stood_s / played_s, 2) if played_s else None,
            "keeps_up": keeps_up, "cores_busy": cores_busy(cpu0, cpu1),
            # where the ticks go: each skill's game ticks, which should not depend on K (the world stands
            # still while the bot computes)
            "ticks_by_verb": {verb: {"skills": len(t), "mean_ticks": round(sum(t) / len(t), 1)}
                              for verb, t in sorted(by_verb.items())}}


def expert_decisions_on_workers(workers: int, speed: float, decisions: int, seeds: Sequence[int],
                                ray_address: str | None, progress: Progress) -> dict[str, Any]:
    """The same seeds and decisions on `workers` worlds at once (Ray, agent/rollout.py)."""
    from agent.rollout import RolloutPool

    env_options = {"speed": speed, "stuck_after": None, "frames": FrameSettings(fps=0)}
    cpu0, t0 = cpu_jiffies(), time.monotonic()
    with RolloutPool(workers, task=BENCH_TASK, policy="expert", max_steps=decisions, env_options=env_options,
                     ray_address=ray_address, progress=progress) as pool:
        started = time.monotonic()
        reports = list(pool.run(seeds))
        wall = time.monotonic() - started
    cpu1 = cpu_jiffies()
    done = sum(r.steps for r in reports)
    ticks = sum(r.ticks for r in reports)
    return {"workers": workers, "speed": speed, "seeds": list(seeds), "decisions": done, "ticks": ticks,
            "wall_s": round(wall, 1), "ray_start_s": round(started - t0, 1),
            "ticks_per_decision": round(ticks / done, 1) if done else None,
            "decisions_per_hour": round(3600 * done / wall) if wall else None,
            "lost": sum(1 for r in reports if r.end_kind == "world lost"),
            "keeps_up": all(r.clock.get("keeps_up") is not False for r in reports), "cores_busy": cores_busy(cpu0, cpu1)}


def run(speeds: Sequence[float], workers: Sequence[int], decisions: int, seeds: int, resets: int,
        ray_address: str | None, progress: Progress, worker_speed: float = FAST_SPEED) -> dict[str, Any]:
    seed_list = [BENCH_SEED + i for i in range(seeds)]
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}, "task": BENCH_TASK, "seeds": seed_list,
                              "decisions_per_seed": decisions}
    report["reset"] = time_resets(resets, FAST_SPEED, progress) if resets else None
    report["speeds"] = [expert_decisions(k, decisions, seed_list, progress) for k in speeds]
    report["workers"] = [expert_decisions_on_workers(n, worker_speed, decisions, seed_list, ray_address, progress)
                         for n in workers]
    base = next((r["decisions_per_hour"] for r in report["speeds"] if r["speed"] == 1.0), None)
    if base:
        for row in report["speeds"] + report["workers"]:
            row["speedup"] = round(row["decisions_per_hour"] / base, 2) if row["decisions_per_hour"] else None
    return report


def print_report(report: dict[str, Any]) -> None:
    r = report["reset"]
    if r:
        print(f"reset (fresh embedded world): mean {r['mean_s']} s, max {r['max_s']} s over {r['resets']}")
    print(f"{'speed':>6s} {'decisions':>9s} {'wall s':>7s} {'ticks':>7s} {'s/1000 ticks':>12s} {'ticks/dec':>9s} "
          f"{'dec/hour':>8s} {'ticks/s':>7s} {'still':>5s} {'cores':>5s} {'speedup':>7s}")
    for s in report["speeds"]:
        print(f"{s['speed']:>6g} {s['decisions']:>9d} {s['wall_s']:>7.1f} {s['ticks']:>7d} "
              f"{s['wall_s_per_1000_ticks']!s:>12s} {s['ticks_per_decision']!s:>9s} {s['decisions_per_hour']!s:>8s} "
              f"{s['ticks_per_s']!s:>7s} {s['stood_still']!s:>5s} {s['cores_busy']:>5.2f} {s.get('speedup', '-')!s:>7s}")
    verbs = sorted({v for s in report["speeds"] for v in s["ticks_by_verb"]})
    print("mean game ticks per skill, by verb, at each speed: " + ", ".join(
        f"{v} " + "/".join(str(s["ticks_by_verb"].get(v, {}).get("mean_ticks", "-")) for s in report["speeds"])
        for v in verbs))
    for w in report["workers"]:
        print(f"workers {w['workers']} at speed {w['speed']:g}: {w['decisions']} decisions in {w['wall_s']} s "
              f"({w['decisions_per_hour']} per hour, speedup {w.get('speedup', '-')}, {w['cores_busy']} cores busy, "
              f"{w['ticks_per_decision']} ticks per decision, keeps up: {w['keeps_up']}, {w['lost']} lost; "
              f"Ray start {w['ray_start_s']} s)")


def main(as_json: bool, speeds: Sequence[float], workers: Sequence[int], decisions: int, seeds: int, resets: int,
         ray_address: str | None, worker_speed: float = FAST_SPEED) -> int:
    def progress(message: str) -> None:
        print(f"[bench world] {message}", file=sys.stderr, flush=True)

    report = run(speeds, workers, decisions, seeds, resets, ray_address, progress, worker_speed)
    if as_json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0
