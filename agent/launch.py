"""Start what the agent plays on: the embedded server (unless a server is given), then the bridge.

    with launch(seed=7) as world:
        client = world.connect()          # a SyncBridgeClient, handshake done
        ...

``launch`` yields a ``World`` with the websocket url and token, the server's address and seed, the assists
in force, and the versions of every part (for session metadata). Leaving the block stops the bridge, then
the server, even after an error.
"""
from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from agent.seeds import random_world_seed
from bridge.bridge_process import BridgeProcess
from bridge.client import SyncBridgeClient
from bridge.messages import FrameSettings
from world.embedded_server import EmbeddedServer, ServerInfo, check_speed
from world.node_runtime import NODE_MODULES, REPO_ROOT, node_version
from world.vanilla import MINECRAFT_VERSION


def parse_server(address: str) -> tuple[str, int]:
    """'HOST:PORT' -> (host, port); ValueError with the reason otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--server must be HOST:PORT, got {address!r}")
    return host, int(port)


def package_version(name: str) -> str | None:
    """Version of an npm package installed in node_modules, or None."""
    try:
        return str(json.loads((NODE_MODULES / name / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def versions() -> dict[str, Any]:
    """Versions of the parts, for session metadata."""
    from skills.vocabulary import vocabulary, vocabulary_fingerprint

    out: dict[str, Any] = {
        "minecraft": MINECRAFT_VERSION,
        "python": sys.version.split()[0],
        "bridge": _bridge_package_version(),
        "mineflayer": package_version("mineflayer"),
        "flying-squid": package_version("flying-squid"),
        "minecraft-data": package_version("minecraft-data"),
        "vocabulary": {"size": len(vocabulary()), "fingerprint": vocabulary_fingerprint()},
    }
    try:
        out["node"] = node_version()
    except Exception:  # versions are informative; never fail a launch on them
        out["node"] = None
    return out


def _bridge_package_version() -> str | None:
    try:
        return str(json.loads((REPO_ROOT / "bridge" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


@dataclass
class World:
    """What the agent needs to play: where the bridge listens, and what it is connected to."""

    url: str
    token: str
    server: str                      # HOST:PORT of the Minecraft server
    embedded: bool                   # True: a fresh embedded world started by launch()
    seed: int | None                 # the embedded world's seed (None on a user's server)
    speed: float                     # the game clock, K times real time (1 on a user's server)
    assists: tuple[str, ...]
    username: str
    frames: FrameSettings
    versions: dict[str, Any] = field(default_factory=dict)
    server_info: ServerInfo | None = field(default=None, repr=False)
    bridge: BridgeProcess | None = field(default=None, repr=False, compare=False)
    embedded_server: EmbeddedServer | None = field(default=None, repr=False, compare=False)

    def connect(self, frames: FrameSettings | None = None, timeout: float = 30.0) -> SyncBridgeClient:
        """A synchronous client of this world's bridge, handshake done."""
        return SyncBridgeClient.connect(self.url, self.token, frames or self.frames, timeout=timeout)

    def metadata(self) -> dict[str, Any]:
        """JSON-ready facts for a session's metadata.json (the token is left out)."""
        return {"server": self.server, "embedded": self.embedded, "seed": self.seed, "speed": self.speed,
                "assists": list(self.assists),
                "username": self.username, "frames": self.frames.to_dict(), "versions": self.versions}

    def assist_events(self) -> list[dict[str, Any]]:
        """Every use of an assist the embedded server reported so far."""
        return list(self.embedded_server.assist_events) if self.embedded_server else []

    def check_alive(self) -> None:
        """Raise (with the process's last log lines) if the server or the bridge died."""
        if self.embedded_server is not None:
            self.embedded_server.ensure_running()
        if self.bridge is not None:
            self.bridge.ensure_running()


def check_world_speed(server: str | None, speed: float) -> float:
    """The game clock `speed` for a world: checked (check_speed), and only 1 on a user's server, which runs at
    its own speed. ValueError with the reason otherwise."""
    speed = check_speed(speed)
    if server is not None and speed != 1.0:
        raise ValueError("--speed sets the embedded world's clock; a user's server (--server) runs at its own speed")
    return speed


@contextlib.contextmanager
def launch(seed: int | None = None, server: str | None = None, assists: Iterable[str] = (),
           frames: FrameSettings | None = None, username: str = "larm", server_timeout: float = 90.0,
           bridge_timeout: float = 120.0, speed: float = 1.0) -> Iterator[World]:
    """Start a fresh embedded world (seed None: a random one) or use `server` ("HOST:PORT"), then the bridge.

    Assists exist only on the embedded server; asking for them with `server` is an error. `speed`: the game
    clock of the embedded world and of the bot, K times real time; a user's server runs at its own speed, so
    there the bot keeps real time.
    """
    assists = tuple(assists)
    frames = frames or FrameSettings()
    if server is not None:
        parse_server(server)
        if assists:
            raise ValueError("assists are flags of the embedded server; they cannot be used with --server")
        if seed is not None:
            raise ValueError("a seed chooses an embedded world; it cannot be used with --server")
    speed = check_world_speed(server, speed)
    with contextlib.ExitStack() as stack:
        embedded: EmbeddedServer | None = None
        info: ServerInfo | None = None
        if server is None:
            seed = random_world_seed() if seed is None else int(seed)
            embedded = EmbeddedServer(seed=seed, assists=assists, startup_timeout=server_timeout, speed=speed)
            info = stack.enter_context(embedded).info
            assert info is not None
            address = f"{info.host}:{info.port}"
        else:
            address = server
        bridge = BridgeProcess(address, username=username, startup_timeout=bridge_timeout,
                               extra_args=["--fps", str(int(frames.fps)), "--width", str(frames.width),
                                           "--height", str(frames.height)]
                               + (["--speed", repr(float(speed))] if speed != 1.0 else [])
                               # the embedded world stops while the bot computes and the agent decides
                               + (["--pause-world", "yes"] if embedded is not None else []))
        bridge_info = stack.enter_context(bridge).info
        assert bridge_info is not None
        yield World(
            url=bridge_info.url, token=bridge_info.token, server=address, embedded=embedded is not None,
            seed=(info.seed if info else None), speed=float(speed), assists=assists, username=bridge_info.username,
            frames=frames, versions=versions(), server_info=info, bridge=bridge, embedded_server=embedded,
        )

