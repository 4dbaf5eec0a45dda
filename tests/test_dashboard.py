"""The dashboard's server, live hub, frame pump and replay API (agent/dashboard/), on scripted worlds and
fake clients; tests/test_dashboard_browser.py drives the page in a real browser on a real world."""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import numpy as np
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from agent.dashboard.cli import live_dashboard, serve_replay
from agent.dashboard.feed import FramePump
from agent.dashboard.icons import assets_dir
from agent.dashboard.live import LiveHub
from agent.dashboard.server import Dashboard, access_token, start_dashboard
from agent.play import play
from scripted_world import ScriptedPolicy, ScriptedWorld, use_scripted_worlds

TO_THE_SWORD = ["mine:oak_log", "craft:oak_planks", "craft:wooden_pickaxe", "craft:wooden_sword"]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    """(status, body, headers) of a GET, errors included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def get_json(url: str) -> Any:
    status, body, _ = get(url)
    assert status == 200, body
    return json.loads(body)


@pytest.fixture
def played(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Dashboard]:
    """A dashboard that followed one scripted episode to the wooden sword (recorded under tmp_path)."""
    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=50))
    dashboard = start_dashboard(tmp_path, port=0)
    try:
        assert play("wooden_sword", ScriptedPolicy(TO_THE_SWORD), {"name": "scripted"}, 3, None, str(tmp_path), 10,
                    [], False, dashboard=dashboard) == 0
        yield dashboard
    finally:
        dashboard.stop()


def test_live_snapshot_follows_the_episode(played: Dashboard) -> None:
    live = get_json(played.url + "api/live")
    assert live["episode"]["task"] == "wooden_sword" and live["episode"]["seed"] == 3
    assert live["episode"]["policy"] == {"name": "scripted"} and live["episode"]["ended"] == "task done"
    assert [r["token"] for r in live["recent"]] == TO_THE_SWORD and all(r["ok"] for r in live["recent"])
    assert live["recent"][0]["inventory_delta"] == {"oak_log": 3}
    assert live["recent"][0]["reward"] == pytest.approx(0.99) and live["episode"]["return"] > 0   # the log's milestone
    assert live["milestones"]["log"] == {"step": 1, "ticks": 50, "wall_s": pytest.approx(0, abs=2)}
    assert live["milestones"]["wooden_sword"]["step"] == 4
    assert live["tiers"]["wooden"]["step"] == 3 and live["tiers"]["wooden"]["ticks"] == 150
    assert live["state"]["inventory"]["wooden_sword"] == 1 and live["current"] is None
    assert live["path"] == [[0.0, 64.0, 0.0]]


def test_hub_shows_the_running_skill_until_its_result() -> None:
    hub = LiveHub()
    hub.episode_started({"task": "wooden_sword", "seed": 1, "state": {"tick": 10}}, {"name": "expert"})
    hub.skill_started("mine:oak_log", {"count": 3}, 1)
    assert hub.snapshot()["current"]["token"] == "mine:oak_log"
    hub.step_done("mine:oak_log", {"count": 3}, {"step": 1, "state": {"tick": 70, "inventory": {"oak_log": 3}},
                                                 "result": {"ok": True}, "milestones_achieved": ["log"]})
    snap = hub.snapshot()
    assert snap["current"] is None and snap["milestones"]["log"]["ticks"] == 60


class StreamingClient:
    """What the frame pump uses of SyncBridgeClient: the stream's rate as set, and its frames while it is on."""

    closed = False

    def __init__(self) -> None:
        self.fps = 0.0
        self.frames = 0

    def stream(self, fps: float) -> None:
        self.fps = fps

    def next_frame(self, timeout: float = 5) -> SimpleNamespace:
        time.sleep(0.02)
        if not self.fps:
            raise TimeoutError("no stream")
        self.frames += 1
        return SimpleNamespace(rgb=np.zeros((24, 32, 3), np.uint8), tick=self.frames)

    def observe(self, timeout: float = 5) -> SimpleNamespace:
        return SimpleNamespace(to_dict=lambda: {"position": {"x": self.frames, "y": 64, "z": 0}})


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_stream_is_on_only_while_a_page_watches() -> None:
    import asyncio

    hub, client = LiveHub(), StreamingClient()
    pump = FramePump(hub, lambda: client, fps=12).start()
    try:
        time.sleep(0.6)
        assert client.fps == 0 and client.frames == 0, "frames were streamed with no page open"
        ident = hub.subscribe(asyncio.new_event_loop(), asyncio.Event())
        assert wait_for(lambda: client.fps == 12 and client.frames >= 5)
        assert hub.latest_frame()[1][:2] == b"\xff\xd8"   # JPEG
        hub.unsubscribe(ident)
        assert wait_for(lambda: client.fps == 0), "the stream went on after the last page closed"
    finally:
        pump.stop()


def test_websocket_sends_snapshots_and_frames(played: Dashboard) -> None:
    assert played.hub is not None
    played.hub.frame(b"\xff\xd8jpeg", 5)
    with ws_connect(played.url.replace("http", "ws") + "ws/live") as ws:
        first = json.loads(ws.recv(timeout=5))
        frame = ws.recv(timeout=5)
    assert first["type"] == "live" and first["episode"]["task"] == "wooden_sword"
    assert frame == b"\xff\xd8jpeg"


def test_ten_pages_and_one_closed_mid_stream_never_hold_the_agent_up(played: Dashboard) -> None:
    hub = played.hub
    assert hub is not None
    url = played.url.replace("http", "ws") + "ws/live"
    with contextlib.ExitStack() as stack:
        pages = [stack.enter_context(ws_connect(url, max_size=None)) for _ in range(10)]   # they never read
        assert wait_for(lambda: hub.viewers == 10)
        pages[0].close()
        big = bytes(200_000)
        slowest = 0.0
        for i in range(300):   # 60 MB that nobody reads: the agent's side must not wait for any page
            t = time.perf_counter()
            hub.frame(big, i)
            hub.step_done("craft:stick", None, {"step": i, "state": {"tick": i}, "result": {"ok": True}})
            slowest = max(slowest, time.perf_counter() - t)
        assert slowest < 0.25, f"a hub update took {slowest * 1000:.0f} ms"   # a loaded machine's thread switches
    assert wait_for(lambda: hub.viewers == 0, 10), "closed pages are still subscribed"


def test_sessions_are_listed_with_task_seed_policy_result_and_duration(played: Dashboard) -> None:
    (row,) = get_json(played.url + "api/sessions")["sessions"]
    assert (row["task"], row["seed"], row["policy"], row["status"], row["success"], row["end_reason"], row["steps"]) == \
        ("wooden_sword", 3, "scripted", "closed", True, "success", 4)
    assert isinstance(row["wall_s"], float)


def test_a_session_timeline_has_each_step_state_skill_and_frame(played: Dashboard) -> None:
    (row,) = get_json(played.url + "api/sessions")["sessions"]
    timeline = get_json(played.url + f"api/session?name={row['name']}")
    steps = timeline["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2, 3, 4] and [s["frame"] for s in steps] == [0, 1, 2, 3, 4]
    assert steps[1]["skill"]["reward"] == pytest.approx(0.99) and steps[1]["return"] == pytest.approx(0.99)
    assert steps[2]["skill"]["token"] == "craft:oak_planks" and steps[2]["state"]["inventory"] == {"oak_log": 3, "oak_planks": 4}
    assert timeline["tiers"]["wooden"]["step"] == 3 and timeline["milestones"]["planks"]["ticks"] == 100
    assert timeline["warnings"] == [] and timeline["complete"]
    status, jpeg, headers = get(played.url + f"api/frame?name={row['name']}&index=3")
    assert status == 200 and headers["content-type"] == "image/jpeg" and jpeg[:2] == b"\xff\xd8"


def test_a_cut_off_session_replays_up_to_its_end_with_a_notice(played: Dashboard, tmp_path: Path) -> None:
    (row,) = get_json(played.url + "api/sessions")["sessions"]
    cut = tmp_path / "cut"
    shutil.copytree(tmp_path / row["name"], cut)
    events = (cut / "events.jsonl").read_text().splitlines()
    (cut / "events.jsonl").write_text("\n".join(events[:3]) + "\n" + '{"type": "st')   # killed mid-line
    meta = json.loads((cut / "metadata.json").read_text())
    (cut / "metadata.json").write_text(json.dumps({**meta, "status": "running"}))
    timeline = get_json(played.url + "api/session?name=cut")
    assert [s["step"] for s in timeline["steps"]] == [0, 1, 2] and not timeline["complete"]
    assert any("truncated" in w for w in timeline["warnings"]) and any("not closed" in w for w in timeline["warnings"])


def test_a_folder_that_is_not_a_session_is_refused(played: Dashboard, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "metadata.json").write_text("{not json")
    for name, says in (("junk", "is corrupt"), ("nothing", "is not a folder"), ("../..", "is not a session under")):
        status, body, _ = get(played.url + f"api/session?name={name}")
        assert status == 404 and says in json.loads(body)["error"], body
    (tmp_path / "empty").mkdir()
    args = argparse.Namespace(session=str(tmp_path / "empty"), dashboard_host="127.0.0.1", dashboard_port=0)
    assert serve_replay(args) == 1
    assert "is not a session and holds no sessions" in capsys.readouterr().err


def test_a_wrong_token_is_refused(tmp_path: Path) -> None:
    dashboard = start_dashboard(tmp_path, port=0, token="right-token")
    base = f"http://127.0.0.1:{dashboard.port}/"
    try:
        assert get(base)[0] == 403 and get(base + "?token=wrong")[0] == 403
        assert get(base + "api/live?token=wrong")[0] == 403
        status, _, headers = get(base + "?token=right-token")
        assert status == 200 and "larm_dashboard_token=right-token" in headers["set-cookie"]
        assert get(base + "api/live", {"Cookie": "larm_dashboard_token=right-token"})[0] == 200
        with pytest.raises(InvalidStatus):
            ws_connect(f"ws://127.0.0.1:{dashboard.port}/ws/live?token=wrong")
        with ws_connect(f"ws://127.0.0.1:{dashboard.port}/ws/live?token=right-token") as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "live"
    finally:
        dashboard.stop()


def test_a_foreign_host_name_or_origin_is_refused(played: Dashboard) -> None:
    assert get(played.url, {"Host": "attacker.example"})[0] == 403       # DNS rebinding
    assert get(played.url, {"Host": f"localhost:{played.port}"})[0] == 200
    with pytest.raises(InvalidStatus):
        ws_connect(played.url.replace("http", "ws") + "ws/live", origin="http://attacker.example")  # type: ignore[arg-type]


def test_item_icons_come_from_minecraft_assets(played: Dashboard) -> None:
    status, png, headers = get(played.url + "icons/oak_log.png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert png == (assets_dir() / "blocks" / "oak_log.png").read_bytes()
    assert get(played.url + "icons/crafting_table.png")[1] == (assets_dir() / "blocks" / "crafting_table_front.png").read_bytes()
    assert get(played.url + "icons/no_such_item.png")[0] == 404
    assert get(played.url + "icons/..%2F..%2Fitems_textures.png")[0] == 404


def test_the_page_and_its_script_are_served(played: Dashboard) -> None:
    status, html, _ = get(played.url)
    assert status == 200 and b'<script src="static/app.js">' in html
    assert get(played.url + "static/app.js")[0] == 200 and get(played.url + "static/style.css")[0] == 200
    assert get_json(played.url + "api/config")["live"] is True


def test_play_prints_the_dashboard_address_and_no_dashboard_turns_it_off(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(no_dashboard=False, dashboard_host="127.0.0.1", dashboard_port=0)
    dashboard = live_dashboard(args, str(tmp_path))
    assert dashboard is not None
    try:
        assert capsys.readouterr().err == f"dashboard: http://127.0.0.1:{dashboard.port}/\n"
        assert get(dashboard.url)[0] == 200
    finally:
        dashboard.stop()
    assert live_dashboard(argparse.Namespace(no_dashboard=True), str(tmp_path)) is None


def test_a_second_dashboard_at_the_default_port_takes_a_free_one(tmp_path: Path) -> None:
    first = start_dashboard(tmp_path)
    try:
        second = start_dashboard(tmp_path)
        try:
            assert second.port != first.port and get(second.url)[0] == 200
        finally:
            second.stop()
    finally:
        first.stop()



def test_eval_in_process_feeds_the_live_page_episode_after_episode(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    from agent.play import evaluate

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=50))
    dashboard = start_dashboard(tmp_path, port=0)
    try:
        assert evaluate("wooden_sword", lambda seed: ScriptedPolicy(TO_THE_SWORD), {"name": "scripted"}, 2, 7,
                        str(tmp_path), 10, True, True, dashboard=dashboard) == 0
        live = get_json(dashboard.url + "api/live")
        assert live["episode"]["seed"] == 8 and live["episode"]["ended"] == "task done"
        assert len(get_json(dashboard.url + "api/sessions")["sessions"]) == 2
    finally:
        dashboard.stop()


def test_snapshots_to_a_page_are_coalesced_but_the_last_one_arrives(played: Dashboard) -> None:
    hub = played.hub
    assert hub is not None
    with ws_connect(played.url.replace("http", "ws") + "ws/live") as ws:
        json.loads(ws.recv(timeout=5))
        for i in range(40):   # an agent deciding a hundred times a second, faster than a page can redraw
            hub.step_done("craft:stick", None, {"step": i, "state": {"tick": i}, "result": {"ok": True}})
            time.sleep(0.01)
        versions = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if isinstance(message, str):
                versions.append(json.loads(message)["version"])
    assert 1 <= len(versions) <= 5 and versions[-1] == hub.version, versions


def test_exported_video_frames_carry_the_skill_result_and_inventory(played: Dashboard, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.replay as replay
    from agent.recording import load_session

    (row,) = get_json(played.url + "api/sessions")["sessions"]
    written: list[list[str]] = []
    draw = replay._annotate
    monkeypatch.setattr(replay, "_annotate", lambda rgb, lines, scale: written.append(lines) or draw(rgb, lines, scale))
    assert replay.main(str(tmp_path / row["name"]), video=str(tmp_path / "out.avi")) == 0
    assert len(written) == 5 and (tmp_path / "out.avi").stat().st_size > 0
    assert written[2][:2] == ["step 2  craft:oak_planks", "ok"]
    assert written[2][3] == "inventory: 4 oak_planks, 3 oak_log"
    assert len(load_session(tmp_path / row["name"]).steps) == 4


def test_beyond_loopback_a_token_is_always_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LARM_DASHBOARD_TOKEN", raising=False)
    assert access_token("127.0.0.1") is None and access_token("localhost") is None and access_token("::1") is None
    first, second = access_token("0.0.0.0"), access_token("192.0.2.7")
    assert first and second and first != second and len(first) >= 20
    monkeypatch.setenv("LARM_DASHBOARD_TOKEN", "chosen")
    assert access_token("0.0.0.0") == "chosen" and access_token("0.0.0.0", "given") == "given"


def test_a_taken_port_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = start_dashboard(tmp_path, port=0)
    try:
        args = argparse.Namespace(no_dashboard=False, dashboard_host="127.0.0.1", dashboard_port=first.port)
        with pytest.raises(SystemExit) as stopped:
            live_dashboard(args, str(tmp_path))
        assert stopped.value.code == 2
        assert f"cannot serve the dashboard at 127.0.0.1:{first.port}" in capsys.readouterr().err
    finally:
        first.stop()
