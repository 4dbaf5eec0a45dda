"""`run_agent.py play` and `run_agent.py eval`: the agent loop over fresh worlds, with progress shown.

play: one episode, on a fresh embedded world (or --server HOST:PORT), printing each decision.
eval: the evaluation protocol (design section 8): N fresh worlds with seeds start..start+N-1, assists off,
      one episode each; per tier successes, median game ticks and wall time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from agent.evaluation import EpisodeReport, run_episode, summarize
from agent.policies import Policy
from agent.registration import make_env
from agent.seeds import seed_range_name

if TYPE_CHECKING:
    from agent.dashboard.server import Dashboard

DEFAULT_RECORD_DIR = Path("sessions")


def _progress(quiet: bool) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)
    return say


def play(task: str, policy: Policy, policy_meta: Mapping[str, Any], seed: int | None, server: str | None,
         record: str | None, max_steps: int, assists: list[str], as_json: bool, record_labels: bool = False,
         env_options: Mapping[str, Any] | None = None, switch: Callable[[int], bool] | None = None,
         then: Callable[..., int] | None = None,
         dashboard: Dashboard | None = None) -> int:
    """One episode of `policy` (policy_meta: who decides, for the session's metadata); exit 0 on success.
    env_options: more MinecraftEnv options (speed, stuck_after). switch(decisions so far) True hands the
    running world to then(env, obs, info, dashboard), whose exit code play returns (the switch into
    finetuning). dashboard: the live page follows the episode (agent/dashboard/), and what comes after it."""
    env = make_env(task=task, server=server, assists=assists, max_steps=max_steps,
                   record_dir=record or DEFAULT_RECORD_DIR, policy=policy_meta, record_labels=record_labels,
                   **dict(env_options or {}))
    if dashboard is not None:
        env = dashboard.feed(env, policy_meta)
    say = _progress(False)
    where = server or f"a fresh embedded world (seed {seed if seed is not None else 'random'})"
    speed = dict(env_options or {}).get("speed", 1.0)
    clock = f" at {speed:g} times real time" if speed != 1.0 else ""
    say(f"playing {task} with the {policy.name} policy on {where}{clock}; recording to {record or DEFAULT_RECORD_DIR}/")
    handover: dict[str, Any] = {}
    try:
        report = run_episode(env, policy, seed, progress=say, switch=switch, handover=handover)
        if report.end_kind == "switched" and then is not None:
            _print_episode(report, as_json)
            return then(env, handover["obs"], handover["info"], dashboard)
    finally:
        env.close()
    _print_episode(report, as_json)
    return 0 if report.success else 1


def evaluate(task: str, policies: Callable[[int], Policy], policy_meta: Mapping[str, Any], seeds: int,
             seed_start: int, record: str | None, max_steps: int, as_json: bool, quiet: bool,
             record_labels: bool = False, env_options: Mapping[str, Any] | None = None, workers: int = 1,
             ray_address: str | None = None, dashboard: Dashboard | None = None) -> int:
    """The evaluation protocol: one episode per seed, each with a policy from policies(seed); env_options:
    more MinecraftEnv options (speed, stuck_after). workers > 1 or a ray_address: the episodes run on that many
    worlds at once (agent/rollout.py; policies must then be picklable: it is called in the workers).
    dashboard: the live page follows each episode (with workers, one tile per world: frames stay in Ray's
    workers, each skill's state and result come back)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    say = _progress(quiet)
    seed_list = list(range(seed_start, seed_start + seeds))
    options = {"task": task, "max_steps": max_steps, "record_dir": record or DEFAULT_RECORD_DIR,
               "policy": policy_meta, "record_labels": record_labels, **dict(env_options or {})}
    reports = run_episodes(seed_list, policies, options, workers, ray_address, say, dashboard)
    ranges = sorted({seed_range_name(s) for s in seed_list})
    if ranges != ["evaluation"]:
        say(f"note: seeds {seed_start}..{seed_list[-1]} are not all evaluation seeds (agent/seeds.py): a result on "
            "seeds a policy may have been developed or trained on is a smoke test, not a held-out figure")
    summary = {"task": task, "policy": policy_meta["name"],
               **{k: policy_meta[k] for k in ("checkpoint", "head") if k in policy_meta},
               "seeds": seed_list, "seed_ranges": ranges,
               "speed": options.get("speed", 1.0), "workers": workers,
               "assists": [], **summarize(reports), "episodes_detail": [r.to_json() for r in reports]}
    if as_json:
        print(json.dumps(summary, default=str))
    else:
        _print_summary(summary)
    return 0


def run_episodes(seeds: list[int], policies: Callable[[int], Policy], env_options: Mapping[str, Any], workers: int = 1,
                 ray_address: str | None = None, say: Callable[[str], None] = lambda m: None,
                 dashboard: Dashboard | None = None) -> list[EpisodeReport]:
    """One episode per seed (make_env(**env_options)), in this process (workers 1, no ray_address; the
    dashboard's live page follows them) or on Ray workers (the page shows a tile per world); the reports in
    seed order."""
    if workers == 1 and ray_address is None:
        return _episodes_in_process(seeds, policies, env_options, say, dashboard)
    watch = dashboard.hub.world_event if dashboard is not None and dashboard.hub is not None else None
    return _episodes_on_workers(seeds, policies, env_options, workers, ray_address, say, watch)


def _episodes_in_process(seeds: list[int], policies: Callable[[int], Policy], env_options: Mapping[str, Any],
                         say: Callable[[str], None], dashboard: Dashboard | None = None) -> list[EpisodeReport]:
    """One world at a time, in this process (no Ray)."""
    reports: list[EpisodeReport] = []
    for seed in seeds:
        agent = policies(seed)
        env = make_env(**env_options)
        if dashboard is not None and dashboard.hub is not None:
            env = dashboard.feed(env, env_options.get("policy"))
        say(f"episode {len(reports) + 1}/{len(seeds)}: seed {seed}")
        try:
            report = run_episode(env, agent, seed, progress=say)
        finally:
            env.close()
        reports.append(report)
        _say_done(report, say)
    return reports


def _episodes_on_workers(seeds: list[int], policies: Callable[[int], Policy], env_options: Mapping[str, Any],
                         workers: int, ray_address: str | None, say: Callable[[str], None],
                         watch: Callable[[int, str, dict[str, Any]], None] | None = None) -> list[EpisodeReport]:
    """Up to `workers` worlds at once on Ray (this machine's capacity caps a local run, with a warning; a
    cluster's caps a joined one); the reports in seed order. watch: each world's moves (RolloutPool.run)."""
    from agent.rollout import RolloutPool, fit_workers

    if ray_address is None:
        workers, warning = fit_workers(workers)
        if warning:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
    with RolloutPool(min(workers, len(seeds)), env_options, ray_address=ray_address,
                     warn=lambda m: print(f"warning: {m}", file=sys.stderr, flush=True)) as pool:
        reports: list[EpisodeReport] = []
        for report in pool.run(seeds, policies, progress=say, watch=watch):
            reports.append(report)
            _say_done(report, say)
    order = {seed: i for i, seed in enumerate(seeds)}
    return sorted(reports, key=lambda r: order.get(r.seed, len(seeds)) if r.seed is not None else len(seeds))


def _say_done(report: EpisodeReport, say: Callable[[str], None]) -> None:
    say(f"seed {report.seed}: {'success' if report.success else 'no success'} ({report.end}); "
        f"tiers {', '.join(report.tiers) or 'none'}; {report.wall_s:.0f} s")


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
    head = f" ({summary['head']} head)" if summary.get("head") else ""
    print(f"{summary['task']} with {summary['policy']}{head} over {summary['episodes']} seeds (assists off): "
          f"{summary['task_successes']} successes")
    print(f"{'tier':18s} {'successes':>10s} {'median ticks':>13s} {'median wall s':>14s}")
    for tier, row in summary["tiers"].items():
        ticks = "-" if row["median_ticks"] is None else f"{row['median_ticks']:.0f}"
        wall = "-" if row["median_wall_s"] is None else f"{row['median_wall_s']:.0f}"
        print(f"{tier:18s} {row['successes']:>4d}/{row['episodes']:<5d} {ticks:>13s} {wall:>14s}")
    ends = ", ".join(f"{n} {kind}" for kind, n in sorted(summary["ends"].items()))
    print(f"episodes ended: {ends}; seeds {summary['seeds'][0]}..{summary['seeds'][-1]} "
          f"({'/'.join(summary['seed_ranges'])} range); game clock {summary['speed']:g}x, {summary['workers']} worker(s)")
