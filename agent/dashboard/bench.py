"""Does an open dashboard page slow the agent? `python -m agent.dashboard.bench [--decisions N] [--rounds R]`

One fresh embedded world; the agent's loop (env.step of make_env's stack, recording on) runs a skill that
ends at once (`craft:diamond_sword` with nothing to craft it from: the bridge's answer, the state and the
frame after it are the whole cost of a decision) N times in each condition, in R rounds that alternate
the conditions so that a drifting machine load falls on all of them:
- no dashboard;
- the dashboard with no page open;
- the dashboard with two pages open in headless Chromium (Debian's, driven by Playwright), streaming frames.
Prints decisions per second per condition (median over the rounds) and the frame rate the pages showed.
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
from agent.dashboard.server import start_dashboard
from agent.registration import make_env

SKILL = "craft:diamond_sword"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def decisions_per_s(env: Any, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        env.step((SKILL, None))
    return n / (time.perf_counter() - started)


def run(seed: int, decisions: int, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("no Chromium: apt-get install chromium")
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
    args = parser.parse_args()
    print(json.dumps(run(args.seed, args.decisions, args.rounds), indent=2))


if __name__ == "__main__":
    main()
