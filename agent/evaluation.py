"""Episodes and the evaluation protocol: fresh worlds, assists off, per-tier success, ticks and wall time.

Tiers are the tool tiers reached on the way (agent/tasks.py TIERS): wooden, stone and iron (a pickaxe or a
sword of that material), diamond (a diamond sword), enchanted diamond (an enchanted diamond sword). The
game ticks of a tier are counted from the episode's start to the first state that shows it.
"""
from __future__ import annotations

import statistics
from collections import Counter
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

import gymnasium as gym

from agent.policies import Policy
from agent.tasks import TIERS


@dataclass
class TierReached:
    ticks: int
    wall_s: float
    step: int


# How an episode ended: the task done, the policy had nothing more to do (act() gave None), or truncated: the
# step limit, stuck (MinecraftEnv's stuck_after), or its world lost (the server or bridge died, or a worker).
EndKind = Literal["task done", "policy finished", "step limit", "stuck", "world lost", "switched", ""]


@dataclass
class EpisodeReport:
    seed: int | None
    policy: str
    task: str
    success: bool = False
    steps: int = 0
    ticks: int = 0
    wall_s: float = 0.0
    episode_return: float = 0.0
    tiers: dict[str, TierReached] = field(default_factory=dict)
    deaths: int = 0
    failed_skills: int = 0
    repeated_failures: int = 0    # decisions that repeated the token that had just failed, and failed the same way
    end: str = ""                 # the end in words, for people ("truncated: stuck: 40 decisions ...")
    end_kind: EndKind = ""        # the end, for counting
    session: str | None = None
    assists_used: list[dict[str, Any]] = field(default_factory=list)
    decisions_per_s: float = 0.0
    clock: dict[str, Any] = field(default_factory=dict)   # game clock asked for and achieved (MinecraftEnv)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_episode(env: gym.Env[dict[str, Any], Any], policy: Policy, seed: int | None,
                progress: Callable[[str], None] = lambda m: None, switch: Callable[[int], bool] | None = None,
                handover: dict[str, Any] | None = None) -> EpisodeReport:
    """Play one episode with `policy` in `env` (make_env's stack: it takes (token, args) actions), reading only
    what reset and step return; never raises for a lost world. switch(decisions so far) True before a
    decision ends the episode there ("switched"), the world left as it is, its last obs and info put in
    `handover` for whoever carries on (play's switch into finetuning)."""
    started = time.monotonic()
    policy.reset()
    obs, info = env.reset(seed=seed)
    # A random world's seed (info["seed"]), so that the episode can be replayed with --seed.
    report = EpisodeReport(seed=seed if info["seed"] is None else info["seed"], policy=policy.name, task=info["task"])
    tick0 = int(info["state"].get("tick", 0))
    decide_s = 0.0
    last_failure: tuple[str, str] | None = None   # (token, error kind) of the previous decision when it failed
    _note_tiers(report, info["state"], tick0, started, 0, progress)
    while True:
        if switch is not None and switch(report.steps):
            report.end = report.end_kind = "switched"
            if handover is not None:
                handover.update(obs=obs, info=info)
            break
        t = time.monotonic()
        action = policy.act(obs, info)
        decide_s += time.monotonic() - t
        if action is None:
            report.end = report.end_kind = "policy finished"
            break
        token, args, *notes = action  # a policy may add notes for the recording (DAgger: the expert's label)
        obs, reward, terminated, truncated, info = env.step((token, args or None, *notes))
        result = info.get("result") or {}
        policy.observe(token, result)
        report.steps += 1
        report.episode_return += float(reward)
        report.failed_skills += 0 if result.get("ok") else 1
        failure = None if result.get("ok") else (token, str((result.get("error") or {}).get("kind", "failed")))
        report.repeated_failures += failure is not None and failure == last_failure
        last_failure = failure
        report.deaths += sum(1 for e in info.get("events", []) if e.get("event") == "death")
        state = info.get("state") or {}
        report.ticks = max(report.ticks, int(state.get("tick", tick0)) - tick0)
        outcome = "ok" if result.get("ok") else (result.get("error") or {}).get("kind", "failed")
        progress(f"seed {report.seed} step {report.steps}: {token} -> {outcome} ({result.get('wall_ms', 0) / 1000:.1f} s)")
        _note_tiers(report, state, tick0, started, report.steps, progress)
        if terminated or truncated:
            report.end = "task done" if terminated else f"truncated: {info['truncated_reason']}"
            report.end_kind = "task done" if terminated else truncation_kind(info)
            break
    report.success = bool(info["success"])
    report.wall_s = round(time.monotonic() - started, 1)
    report.decisions_per_s = round(report.steps / decide_s, 1) if decide_s > 0 else 0.0
    report.session = info.get("session")
    report.assists_used = list(info.get("assists_used") or [])
    report.clock = dict(info.get("clock") or {})
    if report.clock.get("keeps_up") is False:
        progress(f"seed {report.seed}: warning: the machine did not keep up with speed {report.clock['speed']:g}: "
                 f"{report.clock['achieved_speed']:g} times real time achieved ({report.clock['ticks_per_s']} "
                 "ticks per second achieved)")
    return report


def _note_tiers(report: EpisodeReport, state: dict[str, Any], tick0: int, started: float, step: int,
                progress: Callable[[str], None]) -> None:
    for name, tier in TIERS.items():
        if name not in report.tiers and tier.reached(state):
            report.tiers[name] = TierReached(ticks=int(state.get("tick", tick0)) - tick0,
                                             wall_s=round(time.monotonic() - started, 1), step=step)
            progress(f"seed {report.seed}: tier {name} reached at step {step}")


def truncation_kind(info: dict[str, Any]) -> EndKind:
    """Why a step truncated its episode, from the flags MinecraftEnv sets (info["lost"], info["stuck"]); else the
    step limit (StepLimit, agent/wrappers.py)."""
    return "world lost" if "lost" in info else "stuck" if info.get("stuck") else "step limit"


def summarize(reports: list[EpisodeReport]) -> dict[str, Any]:
    """Per tier: successes out of episodes, median game ticks and wall seconds over the successes."""
    tiers = {}
    for name in TIERS:
        hits = [r.tiers[name] for r in reports if name in r.tiers]
        tiers[name] = {
            "successes": len(hits),
            "episodes": len(reports),
            "median_ticks": statistics.median(h.ticks for h in hits) if hits else None,
            "median_wall_s": statistics.median(h.wall_s for h in hits) if hits else None,
        }
    return {
        "episodes": len(reports),
        "task_successes": sum(r.success for r in reports),
        "tiers": tiers,
        "median_steps": statistics.median(r.steps for r in reports) if reports else None,
        "deaths": sum(r.deaths for r in reports),
        # how often a policy repeats the token that just failed and fails the same way again
        "repeated_failure_rate": round(sum(r.repeated_failures for r in reports) / max(1, sum(r.steps for r in reports)), 4),
        "ends": dict(Counter(r.end_kind or "unknown" for r in reports)),
        "assists_used": sum(len(r.assists_used) for r in reports),
    }
