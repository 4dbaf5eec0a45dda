"""`run_agent.py bench bridge`: how fast the agent and the bridge talk, on a fresh embedded world.

Measures, each on its own connection:
- observe: round-trip latency of `observe` (p50, p99, mean), with the frame stream off;
- ping: round-trip latency of `ping` (the websocket alone);
- frame: round-trip of a one-shot `frame` request (render included) and the bridge's render_ms;
- stream: frames per second received over `stream_seconds` of streaming at the requested fps;
- skill dispatch overhead: wall time of a trivial skill seen by the client minus the skill's own wall_ms
  in the bridge (p50): protocol, scheduling and JSON cost per decision.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import numpy as np

from agent.launch import launch
from bridge.client import BridgeError, SyncBridgeClient
from bridge.messages import FrameSettings

TRIVIAL_SKILL = "craft:diamond_sword"  # with an empty inventory: an immediate structured failure (missing_items)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linearly interpolated (numpy's default); nan for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


def _summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3),
            "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"), "max_ms": round(max(ms), 3) if ms else float("nan")}


def _connect(url: str, token: str, frames: FrameSettings, tries: int = 20) -> SyncBridgeClient:
    for attempt in range(tries):
        try:
            return SyncBridgeClient.connect(url, token, frames)
        except BridgeError as err:  # the previous connection may not be closed on the bridge's side yet
            if err.kind != "busy" or attempt == tries - 1:
                raise
            time.sleep(0.25)
    raise AssertionError("unreachable")


def bench_bridge(seed: int = 1, server: str | None = None, observes: int = 200, pings: int = 200, frames_n: int = 20,
                 stream_seconds: float = 10.0, fps: float = 10, width: int = 224, height: int = 224,
                 skill_trials: int = 30, skill: str = TRIVIAL_SKILL) -> dict[str, Any]:
    report: dict[str, Any] = {"seed": seed if server is None else None, "server": server or "embedded",
                              "frame_size": [width, height]}
    off = FrameSettings(fps=0, width=width, height=height)
    t_launch = time.perf_counter()
    with launch(seed=seed if server is None else None, server=server, frames=off) as world:
        report["launch_s"] = round(time.perf_counter() - t_launch, 2)
        report["versions"] = world.versions
        with _connect(world.url, world.token, off) as client:
            client.observe()  # warm the block scan cache
            times = []
            for _ in range(observes):
                t = time.perf_counter()
                client.observe()
                times.append(time.perf_counter() - t)
            report["observe"] = _summary_ms(times)
            report["ping"] = _summary_ms([client.ping() for _ in range(pings)])
            times, render = [], []
            for _ in range(frames_n):
                t = time.perf_counter()
                try:
                    f = client.frame()
                except BridgeError as err:
                    report["frame_error"] = str(err)
                    break
                times.append(time.perf_counter() - t)
                if f.header.render_ms is not None:
                    render.append(f.header.render_ms)
            if times:
                report["frame_request"] = _summary_ms(times)
                report["frame_request"]["render_p50_ms"] = round(percentile(render, 50), 3) if render else None
            overhead: list[float] = []
            walls: list[float] = []
            kinds: dict[str, int] = {}
            for _ in range(skill_trials):
                t = time.perf_counter()
                r = client.run_skill(skill, deadline_ms=10_000)
                wall = time.perf_counter() - t
                kind = "ok" if r.ok else (r.error.kind if r.error else "failed")
                kinds[kind] = kinds.get(kind, 0) + 1
                if not (r.detail or {}).get("refused"):
                    walls.append(wall)
                    overhead.append(wall - r.wall_ms / 1000)
            report["skill_dispatch"] = {"skill": skill, "outcomes": kinds, "client_wall": _summary_ms(walls),
                                        "overhead": _summary_ms(overhead)}
        stream = FrameSettings(fps=fps, width=width, height=height)
        with _connect(world.url, world.token, stream) as client:
            try:
                client.next_frame(timeout=15)  # the stream has started
                start_count = client.frames_received
                t0 = time.perf_counter()
                time.sleep(stream_seconds)
                received = client.frames_received - start_count
                elapsed = time.perf_counter() - t0
                report["stream"] = {"requested_fps": fps, "seconds": round(elapsed, 2), "frames": received,
                                    "fps": round(received / elapsed, 2)}
            except BridgeError as err:
                report["stream"] = {"requested_fps": fps, "error": str(err)}
    return report


def print_report(report: dict[str, Any]) -> None:
    def row(name: str, d: dict[str, Any] | None) -> None:
        if d:
            print(f"{name:<26} p50 {d['p50_ms']:>9.2f} ms   p99 {d['p99_ms']:>9.2f} ms   n={d['n']}")
    print(f"bench bridge: {report['server']} seed {report.get('seed')}  frames {report['frame_size'][0]}x{report['frame_size'][1]}"
          f"  (launch {report.get('launch_s')} s)")
    row("observe round trip", report.get("observe"))
    row("ping round trip", report.get("ping"))
    row("frame request", report.get("frame_request"))
    if report.get("frame_request", {}).get("render_p50_ms") is not None:
        print(f"{'  render (in bridge)':<26} p50 {report['frame_request']['render_p50_ms']:>9.2f} ms")
    sd = report.get("skill_dispatch") or {}
    row(f"skill wall ({sd.get('skill')})", sd.get("client_wall"))
    row("skill dispatch overhead", sd.get("overhead"))
    st = report.get("stream") or {}
    if "fps" in st:
        print(f"{'frame stream':<26} {st['fps']:.2f} fps received (requested {st['requested_fps']}) over {st['seconds']} s")
    elif st:
        print(f"frame stream: {st.get('error')}")


def main(as_json: bool = False, **kwargs: Any) -> int:
    try:
        report = bench_bridge(**kwargs)
    except Exception as err:  # the report says what failed; exit 1
        print(f"bench bridge: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0
