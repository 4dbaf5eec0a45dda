"""Does an open dashboard page slow the agent? `python -m agent.dashboard.bench [--decisions N] [--rounds R]`

One fresh embedded world; the agent's loop (env.step of make_env's stack, recording on) runs a skill that
ends at once (`craft:diamond_sword` with nothing to craft it from: the bridge's answer, the state and the
frame after it are the whole cost of a decision) N times in each condition, in R rounds that alternate
the conditions so that a drifting machine load falls on all of them:
- no dashboard;
- the dashboard with no page open;
- the dashboard with two pages open in headless Chromium (Debian's, driven by Playwright), streaming frames.
Prints decisions per second per condition (median over the rounds) and the frame rate the pages showed.

`--episode TASK` plays the expert's episode of TASK on --seed instead, at --speed K, R times without a page
and R times with two, alternating: decisions per hour, game ticks and wall seconds of each (two runs of one
seed differ about as much as the expert's route does: README "The same game at K = 1 and K = 16").
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.dashboard.feed import DashboardFeed
from agent.dashboard.server import Dashboard, start_dashboard
from agent.evaluation import run_episode
from agent.policies import ExpertPolicy
from agent.registration import make_env

SKILL = "craft:diamond_sword"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def decisions_per_s(env: Any, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        env.step((SKILL, None))
    return n / (time.perf_counter() - started)


def _chromium() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("no Chromium: apt-get install chromium")
    return chromium


def _episode(dashboard: Dashboard, task: str, seed: int, speed: float, record: str) -> dict[str, Any]:
    assert dashboard.hub is not None
    env = DashboardFeed(make_env(task=task, max_steps=60, record_dir=record, policy="expert", speed=speed),
                        dashboard.hub, {"name": "expert"})
    try:
        report = run_episode(env, ExpertPolicy(task), seed)
    finally:
        env.close()
    return {"success": report.success, "decisions": report.steps, "ticks": report.ticks, "wall_s": report.wall_s,
            "decisions_per_hour": round(report.steps / report.wall_s * 3600) if report.wall_s else None}


def run_episodes(task: str, seed: int, speed: float, rounds: int) -> dict[str, Any]:
    """The expert's episode, alternately with no page and with two pages open."""
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[dict[str, Any]]] = {"no page": [], "two pages": []}
    fps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        dashboard = start_dashboard(Path(tmp), port=0)
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                runs["no page"].append(_episode(dashboard, task, seed, speed, tmp))
                pages = [browser.new_page() for _ in range(2)]
                for page in pages:
                    page.goto(dashboard.url)
                runs["two pages"].append(_episode(dashboard, task, seed, speed, tmp))
                fps += [float(page.evaluate("window.dashboardStats.framesReceived")) for page in pages]
                for page in pages:
                    page.close()
        finally:
            browser.close()
            dashboard.stop()
    return {"task": task, "seed": seed, "speed": speed, "rounds": rounds, "episodes": runs,
            "frames_received_per_page": fps,
            "median_decisions_per_hour": {k: statistics.median(r["decisions_per_hour"] for r in v)
                                          for k, v in runs.items()}}


def run(seed: int, decisions: int, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    rates: dict[str, list[float]] = {"no dashboard": [], "dashboard, no page": [], "dashboard, two pages": []}
    fps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        dashboard = start_dashboard(Path(tmp), port=0)
        assert dashboard.hub is not None
        env = make_env(task="enchanted_diamond_sword", max_steps=10**9, record_dir=tmp, policy="bench", stuck_after=None)
        fed = DashboardFeed(env, dashboard.hub, {"name": "bench"})
        try:
            fed.reset(seed=seed)
            decisions_per_s(env, 5)   # warm up
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for _ in range(rounds):
                    rates["no dashboard"].append(decisions_per_s(env, decisions))
                    rates["dashboard, no page"].append(decisions_per_s(fed, decisions))
                    pages = [browser.new_page() for _ in range(2)]
                    for page in pages:
                        page.goto(dashboard.url)
                        page.wait_for_function("window.dashboardStats.framesReceived > 3", timeout=60_000)
                    rates["dashboard, two pages"].append(decisions_per_s(fed, decisions))
                    fps += [float(page.evaluate("window.dashboardStats.fps")) for page in pages]
                    for page in pages:
                        page.close()
                browser.close()
        finally:
            fed.close()
            dashboard.stop()
    return {"seed": seed, "decisions_per_round": decisions, "rounds": rounds, "skill": SKILL,
            "decisions_per_s": {k: round(statistics.median(v), 2) for k, v in rates.items()},
            "decisions_per_s_each_round": {k: [round(x, 2) for x in v] for k, v in rates.items()},
            "page_fps": [round(x, 1) for x in fps]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--episode", metavar="TASK", help="play the expert's episode of TASK instead")
    parser.add_argument("--speed", type=float, default=1.0, help="the game clock with --episode (default 1)")
    args = parser.parse_args()
    report = (run_episodes(args.episode, args.seed, args.speed, args.rounds) if args.episode
              else run(args.seed, args.decisions, args.rounds))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
