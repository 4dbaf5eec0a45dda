"""Start and stop the Node bridge process (bridge/bot/bridge.js) as a subprocess.

The bridge prints one JSON line on stdout when its websocket listens and the bot has spawned:
``{"event": "ready", "ws_host": "127.0.0.1", "ws_port": N, "token": "...", "username": "larm"}``; if the bot
cannot join it prints ``{"event": "error", "message": ...}`` and exits with code 3. Logs go to stderr.
The token travels in the environment (``LARM_BRIDGE_TOKEN``, readable only by this user), never on the
command line, which every local user can read in the process list. The bridge exits by itself when this
process dies (it watches its parent), even though it runs in a session of its own.

    with BridgeProcess("127.0.0.1:25565") as bridge:
        client = SyncBridgeClient.connect(bridge.url, bridge.token)
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from world.node_process import NodeProcess, NodeProcessError

BRIDGE_SCRIPT = Path(__file__).resolve().parent / "bot" / "bridge.js"
LOOPBACK = "127.0.0.1"
TOKEN_ENV = "LARM_BRIDGE_TOKEN"  # bridge/bot/bridge.js reads the token here


class BridgeProcessError(NodeProcessError):
    """The bridge could not start, or died."""


@dataclass(frozen=True)
class BridgeInfo:
    """Where a started bridge listens."""

    ws_host: str
    ws_port: int
    token: str
    username: str
    server: str

    @property
    def url(self) -> str:
        host = f"[{self.ws_host}]" if ":" in self.ws_host else self.ws_host
        return f"ws://{host}:{self.ws_port}"


class BridgeProcess(NodeProcess[BridgeInfo]):
    """A running bridge process; use as a context manager or call start() and stop()."""

    label = "the bridge"
    error = BridgeProcessError

    def __init__(
        self,
        server: str,
        username: str = "larm",
        ws_host: str = LOOPBACK,
        ws_port: int = 0,
        token: str | None = None,
        startup_timeout: float = 90.0,
        node: Path | None = None,
        extra_args: Iterable[str] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        if ":" not in server:
            raise ValueError(f"server must be HOST:PORT, got {server!r}")
        self.token = token or secrets.token_hex(16)
        super().__init__(startup_timeout, node, {**(env or {}), TOKEN_ENV: self.token})
        self.server = server
        self.username = username
        self.ws_host = ws_host
        self.ws_port = ws_port
        self.extra_args = tuple(extra_args)

    def arguments(self) -> list[str]:
        return [str(BRIDGE_SCRIPT), "--server", self.server, "--username", self.username,
                "--ws-host", self.ws_host, "--ws-port", str(self.ws_port), *self.extra_args]

    @property
    def url(self) -> str:
        if self.info is None:
            raise BridgeProcessError("the bridge is not started")
        return self.info.url

    def ready_info(self, event: dict[str, Any]) -> BridgeInfo:
        port = event.get("ws_port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise BridgeProcessError(f"the bridge reported a bad websocket port: {event!r}")
        return BridgeInfo(str(event.get("ws_host", self.ws_host)), port, str(event.get("token", self.token)),
                          str(event.get("username", self.username)), self.server)
