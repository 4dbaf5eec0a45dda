"""`run_agent.py serve`: the embedded world alone. It binds loopback, says where to join, stops on Ctrl-C, and a
world folder is saved then and continued by the next `serve` (same id, the game time going on). Killed outright,
it leaves no server behind, and the server saves the folder on its way out."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from test_bridge_holds import gone, wait_gone
from test_embedded_server import listening_addresses

# Starts embedded servers: seconds each (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
JOIN = re.compile(r"join it at (\S+):(\d+)")
WORLD = re.compile(r"id (\S+), saved in .*game time (\d+)")
LOOPBACK_HEX = "0100007F"   # 127.0.0.1 as /proc/net/tcp writes it


def start_serve(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    """`run_agent.py serve ARGS` until it says where to join; its lines so far."""
    # As a terminal starts a command: SIGINT at its default. An ignored SIGINT passes to children, and in a full
    # run of the suite the worker running this had it ignored (serve never saw the Ctrl-C and the test timed out).
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_agent.py"), "serve", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: list[str] = []
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if JOIN.search(line):
            return proc, lines
    proc.kill()
    raise AssertionError(f"serve never said where to join: {lines} {proc.stderr.read() if proc.stderr else ''}")


def ctrl_c(proc: subprocess.Popen[str]) -> str:
    """Interrupt as a terminal's Ctrl-C does; what it printed after."""
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()   # leave no serve (and its server) running after a failed test
        raise
    assert proc.returncode == 0, err
    return out


def test_serve_binds_loopback_says_where_to_join_and_ctrl_c_saves_a_world_folder(tmp_path: Path) -> None:
    folder = tmp_path / "world"
    proc, lines = start_serve("--port", "0", "--seed", "5", "--world", str(folder))
    host, port = JOIN.search(lines[-1]).groups()  # type: ignore[union-attr]
    assert host == "127.0.0.1"
    addresses = listening_addresses(int(port))
    assert addresses and all(a.endswith(LOOPBACK_HEX) or a == "0000000000000000FFFF0000" + LOOPBACK_HEX
                             for a in addresses), addresses
    world_id, game_time = WORLD.search("".join(lines)).groups()  # type: ignore[union-attr]
    time.sleep(3)   # let the world tick
    out = ctrl_c(proc)
    assert f"saved in {folder}" in out
    assert (folder / "level.dat").is_file() and any((folder / "region").glob("*.mca"))

    proc, lines = start_serve("--port", "0", "--seed", "6", "--world", str(folder))
    again_id, again_time = WORLD.search("".join(lines)).groups()  # type: ignore[union-attr]
    assert "seed 5" in "".join(lines) and "--seed 6 is ignored" in "".join(lines), "a world folder keeps its own seed"
    assert again_id == world_id
    assert int(again_time) >= int(game_time) + 40, (game_time, again_time)   # 3 s at 20 ticks/s, saved on Ctrl-C
    ctrl_c(proc)


def test_serve_killed_outright_leaves_no_server_behind_and_the_world_folder_is_saved(tmp_path: Path) -> None:
    """kill -9 of `serve` runs none of its clean-up; the server, in a session of its own, gets no signal. Before
    issue 14 it ran on as an orphan of init, at 70% of a core."""
    folder = tmp_path / "world"
    proc, lines = start_serve("--port", "0", "--seed", "5", "--world", str(folder))
    world_id, game_time = WORLD.search("".join(lines)).groups()  # type: ignore[union-attr]
    servers = [child.pid for child in psutil.Process(proc.pid).children(recursive=True)]
    assert len(servers) == 1, servers
    try:
        time.sleep(3)   # let the world tick
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        took = wait_gone(servers[0], 30)
        print(f"figure: the server exited {took} s after serve was killed (world folder saved)")
        assert took is not None and took < 5, f"the server still ran {took} s after serve was killed"
    finally:
        if not gone(servers[0]):
            os.killpg(servers[0], signal.SIGKILL)   # the test failed: leave no orphan of our own

    proc, lines = start_serve("--port", "0", "--world", str(folder))
    again_id, again_time = WORLD.search("".join(lines)).groups()  # type: ignore[union-attr]
    assert again_id == world_id and int(again_time) >= int(game_time) + 40, (game_time, again_time)
    ctrl_c(proc)
