"""`run_agent.py serve`: the embedded world alone, for people who join it with their own Minecraft client.

It binds 127.0.0.1 unless a host is given, says where to connect, and runs until Ctrl-C (or SIGTERM), which
stops the server; with a world folder the server saves the world there first (world/plugins/world_saving.js),
and the next `serve` on that folder continues it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TextIO

from world.embedded_server import LOOPBACK, EmbeddedServer, EmbeddedServerError, check_speed

POLL_S = 0.5


def describe(info_host: str, port: int, seed: int, world_id: str, game_time: int, folder: Path | None) -> str:
    """What `serve` prints once the world accepts players."""
    kept = (f"saved in {folder} (on Ctrl-C and every 6000 ticks); game time {game_time}" if folder is not None
            else "in memory: it is gone when the server stops (--world DIR keeps it)")
    return (f"Minecraft 1.21.4 world, seed {seed}, id {world_id}, {kept}\n"
            f"join it at {info_host}:{port} (offline mode: any player name); Ctrl-C stops it")


def serve(port: int, seed: int, world_folder: str | Path | None = None, host: str = LOOPBACK, speed: float = 1.0,
          out: TextIO = sys.stdout) -> int:
    """Run the embedded world until interrupted; 0 once it stopped (and saved), 1 if it failed or died."""
    folder = None if world_folder is None else Path(world_folder).resolve()
    server = EmbeddedServer(seed=seed, port=port, world_folder=folder, host=host, speed=check_speed(speed))
    try:
        info = server.start()
    except EmbeddedServerError as err:
        print(f"run_agent.py serve: {err}", file=sys.stderr)
        return 1
    try:
        if host != LOOPBACK:
            print(f"warning: listening on {host} in offline mode: anyone who reaches it can join under any name",
                  file=sys.stderr)
        if info.seed != seed:
            print(f"{folder} holds a world of seed {info.seed}: it goes on with it (--seed {seed} is ignored)", file=out)
        print(describe(info.host, info.port, info.seed, info.world_id, info.game_time, folder), file=out, flush=True)
        while server.alive():
            assert server.process is not None
            try:
                server.process.wait(POLL_S)
            except subprocess.TimeoutExpired:
                continue
        print("run_agent.py serve: the server died:\n" + "\n".join(server.stderr_tail[-20:]), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        code = server.stop(timeout=60)   # the server saves a world folder before it exits
        said = f"saved in {folder}" if folder is not None else "not saved (in memory)"
        print(f"stopped (exit {code}); the world is {said}", file=out, flush=True)
        return 0 if code == 0 else 1
