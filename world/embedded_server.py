"""Start and stop the embedded Minecraft 1.21.4 server (world/embedded_server.js) as a subprocess.

The server prints one JSON line ``{"event": "ready", "port": N, ...}`` on stdout once it accepts
connections, and ``{"event": "assist", ...}`` for every use of an assist (kept in ``assist_events``).

    with EmbeddedServer(seed=7) as server:
        print(server.info.port)

By default the world lives in memory: a fresh one per start. ``world_folder=DIR`` saves it there (region files,
player data, level.dat; world/plugins/world_saving.js) when it stops and every 6000 ticks, and a folder that holds
a world continues it, on the folder's own seed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from world.node_process import NodeProcess, NodeProcessError, parse_event
from world.node_runtime import WORLD_DIR

SERVER_SCRIPT = WORLD_DIR / "embedded_server.js"
LOOPBACK = "127.0.0.1"
MAX_SPEED = 20.0   # the game clock's bound, as world/util/game_clock.js has it (a test checks they agree)

__all__ = ["EmbeddedServer", "EmbeddedServerError", "ServerInfo", "SERVER_SCRIPT", "parse_event", "check_speed",
           "MAX_SPEED"]


def check_speed(speed: object) -> float:
    """A game clock speed K (times real time) as a float; ValueError saying why for 0, a negative, a
    non-number or more than MAX_SPEED."""
    try:
        k = float(speed)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"speed must be a number above 0 (1 is real time), got {speed!r}") from None
    if isinstance(speed, bool) or not k > 0 or k != k or k == float("inf"):
        raise ValueError(f"speed must be a number above 0 (1 is real time), got {speed!r}")
    if k > MAX_SPEED:
        raise ValueError(f"speed {k:g} is above the most the game clock supports ({MAX_SPEED:g})")
    return k


class EmbeddedServerError(NodeProcessError):
    """The embedded server could not start, or died."""


@dataclass(frozen=True)
class ServerInfo:
    """Where a started server listens."""

    host: str
    port: int
    seed: int                        # the world's seed (a world folder's own, whatever seed was asked)
    version: str
    world_id: str = ""               # the world's identity (kept in a world folder's level.dat)
    game_time: int = 0               # the world's game tick when it started serving (0 for a new world)
    world_folder: str | None = None


class EmbeddedServer(NodeProcess[ServerInfo]):
    """A running embedded server process; use as a context manager or call start() and stop()."""

    label = "embedded server"
    error = EmbeddedServerError

    def __init__(self, seed: int = 1, port: int = 0, assists: Iterable[str] = (), startup_timeout: float = 60.0,
                 node: Path | None = None, extra_args: Iterable[str] = (), speed: float = 1.0,
                 world_folder: str | Path | None = None, host: str = LOOPBACK) -> None:
        super().__init__(startup_timeout, node)
        self.seed = seed
        self.host = host
        self.world_folder = None if world_folder is None else Path(world_folder).resolve()
        self.speed = check_speed(speed)   # the world's clock, K times real time (world/util/game_clock.js)
        self.port = port
        self.assists = tuple(assists)
        self.extra_args = tuple(extra_args)
        self.assist_events: list[dict[str, Any]] = []

    def arguments(self) -> list[str]:
        """The server's arguments (port 0: the OS picks a free one)."""
        args = [str(SERVER_SCRIPT), "--host", self.host, "--port", str(self.port), "--seed", str(self.seed)]
        if self.world_folder is not None:
            args += ["--world-folder", str(self.world_folder)]
        for assist in self.assists:
            args += ["--assist", assist]
        if self.speed != 1.0:
            args += ["--speed", repr(self.speed)]
        return args + list(self.extra_args)

    def ready_info(self, event: dict[str, Any]) -> ServerInfo:
        port = event.get("port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise EmbeddedServerError(f"embedded server reported a bad port: {event!r}")
        folder = event.get("world_folder")
        return ServerInfo(self.host, port, int(event.get("seed", self.seed)), str(event.get("version", "")),
                          str(event.get("world_id", "")), int(event.get("game_time", 0)),
                          None if folder is None else str(folder))

    def on_event(self, event: dict[str, Any]) -> bool:
        if event.get("event") == "assist":
            self.assist_events.append(event)
            return True
        return False
