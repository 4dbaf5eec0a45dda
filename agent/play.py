"""`run_agent.py play` and `run_agent.py eval`: the agent loop over fresh worlds, with progress shown.

play: one episode, on a fresh embedded world (or --server HOST:PORT), printing each decision.
eval: the evaluation protocol (design section 8): N fresh worlds with seeds start..start+N-1, assists off,
      one episode each; per tier successes, median game ticks and wall time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from agent.evaluation import EpisodeReport, run_episode, summarize
from agent.policies import Policy
from agent.registration import make_env

DEFAULT_RECORD_DIR = Path("sessions")


def _progress(quiet: bool) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)
    return say


def play(task: str, policy: Policy, policy_meta: Mapping[str, Any], seed: int | None, server: str | None,
         record: str | None, max_steps: int, assists: list[str], as_json: bool, record_labels: bool = False) -> int:
    """One episode of `policy` (policy_meta: who decides, for the session's metadata); exit 0 on success."""
    env = make_env(task=task, server=server, assists=assists, max_steps=max_steps,
                   record_dir=record or DEFAULT_RECORD_DIR, policy=policy_meta, record_labels=record_labels)
    say = _progress(False)
    where = server or f"a fresh embedded world (seed {seed if seed is not None else 'random'})"
    say(f"playing {task} with the {policy.name} policy on {where}; recording to {record or DEFAULT_RECORD_DIR}/")
    try:
        report = run_episode(env, policy, seed, progress=say)
    finally:
        env.close()
    _print_episode(report, as_json)
    return 0 if report.success else 1


def evaluate(task: str, policies: Callable[[int], Policy], policy_meta: Mapping[str, Any], seeds: int,
             seed_start: int, record: str | None, max_steps: int, as_json: bool, quiet: bool,
             record_labels: bool = False) -> int:
    """The evaluation protocol: one episode per seed, each with a policy from policies(seed)."""
    say = _progress(quiet)
    reports: list[EpisodeReport] = []
    for seed in range(seed_start, seed_start + seeds):
        agent = policies(seed)
        env = make_env(task=task, max_steps=max_steps, record_dir=record or DEFAULT_RECORD_DIR, policy=policy_meta,
                       record_labels=record_labels)
        say(f"episode {len(reports) + 1}/{seeds}: seed {seed}")
        try:
            report = run_episode(env, agent, seed, progress=say)
        finally:
            env.close()
        reports.append(report)
        say(f"seed {seed}: {'success' if report.success else 'no success'} ({report.end}); tiers {', '.join(report.tiers) or 'none'}; {report.wall_s:.0f} s")
    summary = {"task": task, "policy": policy_meta["name"], "seeds": list(range(seed_start, seed_start + seeds)),
               "assists": [], **summarize(reports), "episodes_detail": [r.to_json() for r in reports]}
    if as_json:
        print(json.dumps(summary, default=str))
    else:
        _print_summary(summary)
    return 0


def _print_episode(report: EpisodeReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json(), default=str))
        return
    print(f"{report.task} with {report.policy}: {'SUCCESS' if report.success else 'not reached'} after "
          f"{report.steps} skills, {report.ticks} game ticks, {report.wall_s:.0f} s ({report.end})")
    for tier, reached in report.tiers.items():
        print(f"  {tier:18s} step {reached.step:4d}  {reached.ticks:7d} ticks  {reached.wall_s:7.1f} s")
    if report.session:
        print(f"session: {report.session}")


def _print_summary(summary: dict[str, Any]) -> None:
    print(f"{summary['task']} with {summary['policy']} over {summary['episodes']} seeds (assists off): "
          f"{summary['task_successes']} successes")
    print(f"{'tier':18s} {'successes':>10s} {'median ticks':>13s} {'median wall s':>14s}")
    for tier, row in summary["tiers"].items():
        ticks = "-" if row["median_ticks"] is None else f"{row['median_ticks']:.0f}"
        wall = "-" if row["median_wall_s"] is None else f"{row['median_wall_s']:.0f}"
        print(f"{tier:18s} {row['successes']:>4d}/{row['episodes']:<5d} {ticks:>13s} {wall:>14s}")
