"""Start and stop the Node bridge process (bridge/bot/bridge.js) as a subprocess.

The bridge prints one JSON line on stdout when its websocket listens and the bot has spawned:
``{"event": "ready", "ws_host": "127.0.0.1", "ws_port": N, "token": "...", "username": "larm"}``; if the bot
cannot join it prints ``{"event": "error", "message": ...}`` and exits with code 3. Logs go to stderr.

    with BridgeProcess("127.0.0.1:25565") as bridge:
        client = SyncBridgeClient.connect(bridge.url, bridge.token)
"""
from __future__ import annotations

import collections
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from bridge.embedded_server import parse_event
from bridge.node_runtime import BRIDGE_DIR, REPO_ROOT, node_binary

BRIDGE_SCRIPT = BRIDGE_DIR / "bot" / "bridge.js"
LOOPBACK = "127.0.0.1"
TAIL_LINES = 80


class BridgeProcessError(RuntimeError):
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


class BridgeProcess:
    """A running bridge process; use as a context manager or call start() and stop()."""

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
        self.server = server
        self.username = username
        self.ws_host = ws_host
        self.ws_port = ws_port
        self.token = token or secrets.token_hex(16)
        self.startup_timeout = startup_timeout
        self.node = node
        self.extra_args = tuple(extra_args)
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.info: BridgeInfo | None = None
        self._stdout_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self._stopping = False

    def command(self) -> list[str]:
        node = self.node or node_binary()
        cmd = [str(node), str(BRIDGE_SCRIPT), "--server", self.server, "--username", self.username,
               "--ws-host", self.ws_host, "--ws-port", str(self.ws_port), "--token", self.token]
        return cmd + list(self.extra_args)

    @property
    def url(self) -> str:
        if self.info is None:
            raise BridgeProcessError("the bridge is not started")
        return self.info.url

    def start(self) -> BridgeInfo:
        """Start the process and wait for its ready line."""
        if self.process is not None:
            raise BridgeProcessError("bridge already started")
        env = dict(os.environ, **(self.env or {}))
        self.process = subprocess.Popen(
            self.command(), cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1, start_new_session=True, env=env,
        )
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True, name="bridge-stdout"),
                         threading.Thread(target=self._read_stderr, daemon=True, name="bridge-stderr")]
        for reader in self._readers:
            reader.start()
        try:
            self.info = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.info

    def _wait_ready(self) -> BridgeInfo:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    self._join_readers()
                    # the error line may have been read just before the exit was seen
                    while not self._events.empty():
                        event = self._events.get_nowait()
                        if event.get("event") == "error":
                            raise BridgeProcessError(self._error_text(event))
                    raise BridgeProcessError(
                        f"the bridge exited with code {self.process.returncode} before it was ready{self._tail_text()}")
                continue
            if event.get("event") == "error":
                self.process.wait(10)
                self._join_readers()
                raise BridgeProcessError(self._error_text(event))
            if event.get("event") != "ready":
                continue
            port = event.get("ws_port")
            if not isinstance(port, int) or not 0 < port < 65536:
                raise BridgeProcessError(f"the bridge reported a bad websocket port: {event!r}")
            return BridgeInfo(str(event.get("ws_host", self.ws_host)), port, str(event.get("token", self.token)),
                              str(event.get("username", self.username)), self.server)
        raise BridgeProcessError(
            f"the bridge printed no ready line within {self.startup_timeout:.0f} s{self._tail_text()}")

    def _error_text(self, event: dict[str, Any]) -> str:
        code = self.process.returncode if self.process is not None else None
        return (f"the bridge could not start (exit {code}): {event.get('message', 'no message')}"
                f"{self._tail_text()}")

    def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            event = parse_event(line)
            if event is None:
                self._stdout_tail.append(line.rstrip("\n"))
            else:
                self._events.put(event)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr_tail.append(line.rstrip("\n"))

    def _join_readers(self, timeout: float = 2.0) -> None:
        for reader in self._readers:
            reader.join(timeout)

    def _tail_text(self, lines: int = 25) -> str:
        tail = list(self._stderr_tail) or list(self._stdout_tail)
        return (":\n" + "\n".join(tail[-lines:])) if tail else " (it printed nothing)"

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the bridge wrote to stderr (its log)."""
        return list(self._stderr_tail)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        """Raise BridgeProcessError, with the bridge's last log lines, if it has died."""
        if self.process is None:
            raise BridgeProcessError("the bridge was never started")
        if self.process.poll() is not None:
            self._join_readers()
            raise BridgeProcessError(f"the bridge died with code {self.process.returncode}{self._tail_text()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (the bridge quits the bot and closes the websocket), then SIGKILL after `timeout`."""
        if self.process is None:
            return None
        self._stopping = True
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout)
        self._join_readers()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return self.process.returncode

    def __enter__(self) -> BridgeProcess:
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        died = self.process is not None and self.process.poll() is not None and not self._stopping
        code = self.process.returncode if self.process is not None else None
        self.stop()
        if died and exc_type is None:
            raise BridgeProcessError(f"the bridge died with code {code} while in use{self._tail_text()}")
