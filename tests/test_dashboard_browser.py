"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright, loads the live page
during a short real episode on a fresh embedded world and checks that the view, the inventory and the
progress update (and reads the frame rate the page shows during a `mine` skill); a second page is closed
mid-stream; then the page replays the recorded session, is scrubbed, and shows a cut-off copy with its
notice. A second test opens the page during a short real finetuning run (the tiny random LARM on a fresh
embedded world) and waits for the referee's judgements and a learning-curve point; a third starts
`run_agent.py finetune --workers 2` and finds one tile per Ray worker's world on the page it serves.
Screenshots are kept in
test-artifacts/dashboard/ (`./larm test tests/test_dashboard_browser.py`)."""
from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from agent.dashboard.server import start_dashboard
from agent.dashboard.training import TrainingFeed
from agent.play import play
from agent.policies import ExpertPolicy
from agent.recording import load_session
from conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's notes say Chromium must start here: no sandbox as root, no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
SEED = 4242             # a training seed: the expert's stone pickaxe there takes nine skills, three of them mine
TASK = "stone_pickaxe"
MIN_FPS = 8.0           # the page must show at least 10 a second; the margin is for a loaded 2-core machine

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: apt-get install chromium (./larm test does)")]


HIDE = ("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))")


@contextlib.contextmanager
def _chromium(url: str, height: int) -> Iterator[tuple[Any, Any, list[str]]]:
    """(browser, a page at url, the page's JavaScript errors), headless Chromium closed afterwards."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(url)
        try:
            yield browser, page, errors
        finally:
            browser.close()


def _fewer(read: Any, than: int, seconds: float = 5.0) -> int:
    """read() once it is below `than`, or as it is after `seconds`."""
    import time

    deadline = time.monotonic() + seconds
    while read() >= than and time.monotonic() < deadline:
        time.sleep(0.1)
    return int(read())


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def _watch_live(page: Any, measures: dict[str, Any]) -> None:
    """The live page during the episode: frames, a mine skill's frame rate, the inventory, the progress."""
    page.wait_for_function("window.dashboardStats.framesReceived > 5", timeout=120_000)
    page.wait_for_function("document.getElementById('current-skill').textContent.includes('mine:')", timeout=120_000)
    page.wait_for_timeout(2500)   # the page's frame rate is over the last two seconds
    measures["fps_during_mine"] = page.evaluate("window.dashboardStats.fps")
    measures["still_mining"] = "mine:" in _text(page, "#current-skill")
    page.screenshot(path=str(ARTIFACTS / "live_mine.png"))
    page.wait_for_selector("#inventory .slot[data-item$='_log'] img", timeout=120_000)
    measures["icon_width"] = page.evaluate(
        "document.querySelector(\"#inventory .slot[data-item$='_log'] img\").naturalWidth")
    page.wait_for_selector("#milestones tr.reached", timeout=120_000)
    page.wait_for_selector(".tier.reached", timeout=240_000)
    page.screenshot(path=str(ARTIFACTS / "live_progress.png"))


def _replay(page: Any, url: str, session: Path) -> dict[str, Any]:
    """Open the recorded session from the list, scrub to its middle, and read what the page shows there."""
    page.goto(url + "#sessions")
    page.wait_for_selector("#sessions tbody tr")
    page.click("#sessions tbody tr")
    page.wait_for_function("window.dashboardStats.replayStep === 0")
    first_frame = page.get_attribute("#frame", "src")
    middle = len(load_session(session).steps) // 2
    page.locator("#scrub").evaluate("(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }", str(middle))
    page.wait_for_function(f"window.dashboardStats.replayStep === {middle}")
    page.wait_for_function("document.getElementById('frame').complete")
    shown = {"first_frame": first_frame, "frame": page.get_attribute("#frame", "src"),
             "frame_width": page.evaluate("document.getElementById('frame').naturalWidth"),
             "label": _text(page, "#scrub-label"), "selected": _text(page, "#step-list li.selected"),
             "items": page.eval_on_selector_all("#inventory .slot", "s => s.map(e => e.dataset.item)")}
    page.screenshot(path=str(ARTIFACTS / "replay.png"), full_page=True)
    return shown


def _cut_off_copy(session: Path) -> Path:
    """The session as a crash leaves it: no end event, metadata still 'running', a half-written last line."""
    copy = session.parent / (session.name + "_cut")
    shutil.copytree(session, copy)
    lines = (copy / "events.jsonl").read_text().splitlines()
    kept = [line for line in lines if json.loads(line).get("type") != "end"][:-1]
    (copy / "events.jsonl").write_text("\n".join(kept) + "\n" + '{"type": "step", "step": 9')
    meta = json.loads((copy / "metadata.json").read_text())
    meta["status"] = "running"
    (copy / "metadata.json").write_text(json.dumps(meta))
    return copy


def test_live_page_follows_a_real_episode_and_its_replay_scrubs(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sessions = tmp_path / "sessions"
    dashboard = start_dashboard(sessions, port=0)
    outcome: dict[str, Any] = {}

    def episode() -> None:
        outcome["code"] = play(TASK, ExpertPolicy(TASK), {"name": "expert"}, SEED, None, str(sessions), 15, [],
                               True, dashboard=dashboard)

    agent = threading.Thread(target=episode, name="episode", daemon=True)
    measures: dict[str, Any] = {}
    try:
        with _chromium(dashboard.url, 1000) as (browser, page, errors):
            other = browser.new_page()           # a second page, closed while frames stream to it
            other.goto(dashboard.url)
            agent.start()
            other.wait_for_function("window.dashboardStats.framesReceived > 2", timeout=120_000)
            viewers_before = dashboard.hub.viewers
            other.evaluate(HIDE)   # a background tab lets go of the stream
            measures["viewers_hidden"] = (viewers_before, _fewer(lambda: dashboard.hub.viewers, viewers_before))
            other.close()
            _watch_live(page, measures)
            agent.join(600)
            assert not agent.is_alive(), "the episode did not end"
            page.wait_for_function("document.getElementById('episode-line').textContent.includes('ended')")
            page.screenshot(path=str(ARTIFACTS / "live_end.png"), full_page=True)
            (session,) = [s for s in sessions.iterdir() if s.is_dir()]
            shown = _replay(page, dashboard.url, session)
            cut = _cut_off_copy(session)
            page.goto(dashboard.url + f"#replay/{cut.name}")
            page.wait_for_selector("#notice:not([hidden])")
            page.wait_for_function("window.dashboardStats.replayStep === 0 && document.getElementById('frame').complete")
            notice = _text(page, "#notice")
            page.screenshot(path=str(ARTIFACTS / "replay_cut_off.png"))
    finally:
        dashboard.stop()
    (ARTIFACTS / "measures.json").write_text(json.dumps(measures, indent=2))
    assert outcome.get("code") == 0, "the expert's episode did not reach the stone pickaxe"
    assert errors == []
    assert measures["viewers_hidden"] == (2, 1), "a hidden page kept its stream"
    assert measures["fps_during_mine"] >= MIN_FPS and measures["still_mining"], measures
    assert measures["icon_width"] == 16, "the log's icon did not load from minecraft-assets"
    assert shown["frame"] != shown["first_frame"] and shown["frame_width"] > 0
    middle_step = load_session(session).steps[len(load_session(session).steps) // 2 - 1]
    assert shown["label"].startswith(f"step {middle_step['step']} / ")
    assert shown["selected"].startswith(middle_step["token"])
    held = {k for k, n in (middle_step["state"].get("inventory") or {}).items() if n > 0}
    assert held <= {i for i in shown["items"] if i}, (held, shown["items"])
    assert "cut off" in notice and "truncated" in notice


FINETUNE_TASK = "wooden_sword"
FINETUNE_SEED = 4321    # a training seed (finetuning never plays an evaluation world)


def _tiny_larm(folder: Path) -> Path:
    """A frozen-trunk LARM on the tiny random backbone: it plays badly, quickly, which is all the page needs."""
    import torch

    from brain.model.larm import LarmConfig, LarmModel

    torch.manual_seed(0)
    model = LarmModel.create(LarmConfig(backbone="tiny-random", vision=None, trunk="frozen"))
    return model.save(folder / "larm", {"phase": "dagger", "beta": 1.0, "decisions": 1})


def _training_shown(page: Any) -> dict[str, Any]:
    """What the finetuning panels show: judged decisions and their classes, the class mix, the curves' points."""
    return {"judged": page.evaluate("window.dashboardStats.judged"),
            "curve_points": page.evaluate("window.dashboardStats.curvePoints"),
            "classes": page.eval_on_selector_all("#training-decisions tbody tr", "rows => rows.map(r => r.dataset.class)"),
            "mix": page.eval_on_selector_all("#class-mix div", "bars => bars.map(b => b.textContent)"),
            "plotted": {tag: points for tag, points in page.eval_on_selector_all(
                "#curves .curve", "cs => cs.map(c => [c.dataset.tag, Number(c.querySelector('canvas').dataset.points)])")},
            "line": _text(page, "#training-line")}


def test_finetune_page_shows_rewards_judgements_and_curves(tmp_path: Path) -> None:
    from brain.referee import make_referee
    from brain.training.finetune import FinetuneOptions, FinetuneSettings, run

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "run"
    options = FinetuneOptions(task=FINETUNE_TASK, init=_tiny_larm(tmp_path), checkpoint_dir=out, steps=8,
                              referee=make_referee("oracle"),
                              settings=FinetuneSettings(rollout=4, episode_steps=8, world_seed=FINETUNE_SEED))
    dashboard = start_dashboard(out / "sessions", port=0)
    outcome: dict[str, Any] = {}

    def finetune() -> None:
        outcome["report"] = run(options, lambda m: None, watcher=TrainingFeed(dashboard.hub))

    learner = threading.Thread(target=finetune, name="finetune", daemon=True)
    try:
        with _chromium(dashboard.url, 1400) as (browser, page, errors):
            learner.start()
            page.wait_for_function("window.dashboardStats.curvePoints >= 1 && window.dashboardStats.judged >= 4",
                                   timeout=600_000)
            page.wait_for_timeout(500)   # the next snapshot redraws the curves with the point
            mid = _training_shown(page)
            mid["frames"] = page.evaluate("window.dashboardStats.framesReceived")
            page.screenshot(path=str(ARTIFACTS / "finetune.png"), full_page=True)
            learner.join(600)
            assert not learner.is_alive(), "the finetuning run did not end"
            page.wait_for_function("window.dashboardStats.curvePoints >= 2 && window.dashboardStats.judged >= 8")
            page.wait_for_timeout(500)
            end = _training_shown(page)
            page.screenshot(path=str(ARTIFACTS / "finetune_end.png"), full_page=True)
    finally:
        dashboard.stop()
    (ARTIFACTS / "finetune_measures.json").write_text(json.dumps({"mid": mid, "end": end}, indent=2))
    report = outcome["report"]
    assert errors == []
    assert report["env_steps"] == 8 and report["updates"] == 2
    assert mid["frames"] > 0, "the page did not show the world finetuning plays"
    assert len(mid["classes"]) >= 4 and set(mid["classes"]) <= {"a", "b", "c", "d", "none", ""} and any(mid["classes"])
    assert mid["plotted"]["losses/value_loss"] >= 1 and mid["mix"]   # the run may have gone on to its second
    # at the end: every decision judged, the mix the referee's own count, a point per update on the curves
    assert end["judged"] == 8 and sorted(end["classes"]) == sorted(
        c for c, n in report["referee"]["class_mix"].items() for _ in range(n))
    assert end["plotted"]["losses/value_loss"] == end["plotted"]["perf/decisions_per_s"] == 2
    assert end["line"].startswith("8 / 8 decisions · 2 PPO updates")


def _served_address(process: subprocess.Popen[str], lines: list[str]) -> str:
    """The address a command prints on stderr (`dashboard: URL`); its other lines are kept in `lines`."""
    for line in process.stderr or []:
        lines.append(line)
        found = re.match(r"dashboard: (\S+)", line)
        if found:
            threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True).start()
            return found.group(1)
    raise AssertionError("no dashboard address printed:\n" + "".join(lines[-20:]))


def _tiles(page: Any) -> list[dict[str, str]]:
    """Each world's tile: its worker, seed, skill line and whole text."""
    tiles = page.eval_on_selector_all("#worlds .tile", "ts => ts.map(t => ({world: t.dataset.world, "
                                      "title: t.querySelector('h3').textContent, skill: t.querySelector('.skill').textContent, "
                                      "text: t.textContent}))")
    return [{**t, "seed": re.search(r"seed (\d+)", t["title"]).group(1)} for t in tiles]


def test_finetune_on_workers_serves_one_tile_per_world(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "run_agent.py", "finetune", "--task", FINETUNE_TASK, "--init", str(_tiny_larm(tmp_path)),
               "--checkpoint-dir", str(tmp_path / "run"), "--steps", "4", "--workers", "2", "--set", "episode_steps=2",
               "--set", "world_seed=4600", "--dashboard-port", "0", "--json"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        url = _served_address(process, lines)
        with _chromium(url, 1200) as (_, page, errors):
            page.wait_for_function("window.dashboardStats.worlds === 2 && [...document.querySelectorAll("
                                   "'#worlds .tile h3')].every(h => !h.textContent.endsWith('step 0'))", timeout=600_000)
            during = _tiles(page)
            page.wait_for_function("window.dashboardStats.curvePoints >= 1", timeout=600_000)
            page.wait_for_timeout(500)
            after = _tiles(page)
            shown = _training_shown(page)
            page.screenshot(path=str(ARTIFACTS / "finetune_workers.png"), full_page=True)
        out, _ = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(lines[-30:])
    report = json.loads(out)
    assert errors == []
    assert [t["world"] for t in during] == ["0", "1"] and {t["seed"] for t in during} == {"4600", "4601"}
    assert all(t["skill"] != "starting" for t in during)                     # each world's own skills, as they ran
    assert all("ended: truncated: step limit" in t["text"] for t in after), after
    assert shown["judged"] == report["referee"]["calls"] == 4 and shown["plotted"]["losses/value_loss"] == 1
