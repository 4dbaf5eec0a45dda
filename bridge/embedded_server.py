"""Start and stop the embedded Minecraft 1.21.4 server (bridge/server/embedded_server.js) as a subprocess.

The server prints one JSON line ``{"event": "ready", "port": N, ...}`` on stdout once it accepts
connections, and ``{"event": "assist", ...}`` for every use of an assist. flying-squid also writes its own
human log lines (and a readline prompt) to stdout, so every line is scanned for the JSON object.

    with EmbeddedServer(seed=7) as server:
        print(server.info.port)
"""
from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from bridge.node_runtime import BRIDGE_DIR, REPO_ROOT, node_binary

SERVER_SCRIPT = BRIDGE_DIR / "server" / "embedded_server.js"
LOOPBACK = "127.0.0.1"
TAIL_LINES = 60


class EmbeddedServerError(RuntimeError):
    """The embedded server could not start, or died."""


@dataclass(frozen=True)
class ServerInfo:
    """Where a started server listens."""

    host: str
    port: int
    seed: int
    version: str


def parse_event(line: str) -> dict[str, Any] | None:
    """The JSON event object in a stdout line, or None for a human log line."""
    start = line.find('{"event"')
    if start < 0:
        return None
    try:
        event = json.loads(line[start:].strip())
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class EmbeddedServer:
    """A running embedded server process; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        seed: int = 1,
        port: int = 0,
        assists: Iterable[str] = (),
        startup_timeout: float = 60.0,
        node: Path | None = None,
        extra_args: Iterable[str] = (),
    ) -> None:
        self.seed = seed
        self.port = port
        self.assists = tuple(assists)
        self.startup_timeout = startup_timeout
        self.node = node
        self.extra_args = tuple(extra_args)
        self.process: subprocess.Popen[str] | None = None
        self.info: ServerInfo | None = None
        self.assist_events: list[dict[str, Any]] = []
        self._stdout_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._ready: queue.Queue[dict[str, Any]] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self._stopping = False

    def command(self) -> list[str]:
        """The command line that starts the server (port 0: the OS picks a free one)."""
        node = self.node or node_binary()
        cmd = [str(node), str(SERVER_SCRIPT), "--host", LOOPBACK, "--port", str(self.port), "--seed", str(self.seed)]
        for assist in self.assists:
            cmd += ["--assist", assist]
        return cmd + list(self.extra_args)

    def start(self) -> ServerInfo:
        """Start the process and wait for its ready line."""
        if self.process is not None:
            raise EmbeddedServerError("server already started")
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,  # flying-squid opens a readline prompt on stdin
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group: a Ctrl-C reaches only us, and stop() ends it cleanly
        )
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            self.info = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.info

    def _wait_ready(self) -> ServerInfo:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                event = self._ready.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    self._join_readers()
                    raise EmbeddedServerError(
                        f"embedded server exited with code {self.process.returncode} before it was ready"
                        f"{self._tail_text()}"
                    )
                continue
            port = event.get("port")
            if not isinstance(port, int) or not 0 < port < 65536:
                raise EmbeddedServerError(f"embedded server reported a bad port: {event!r}")
            return ServerInfo(LOOPBACK, port, int(event.get("seed", self.seed)), str(event.get("version", "")))
        raise EmbeddedServerError(
            f"embedded server printed no ready line within {self.startup_timeout:.0f} s{self._tail_text()}"
        )

    def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            event = parse_event(line)
            if event is None:
                self._stdout_tail.append(line.rstrip("\n"))
            elif event.get("event") == "ready":
                self._ready.put(event)
            elif event.get("event") == "assist":
                self.assist_events.append(event)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr_tail.append(line.rstrip("\n"))

    def _join_readers(self, timeout: float = 2.0) -> None:
        for reader in self._readers:
            reader.join(timeout)

    def _tail_text(self) -> str:
        lines = list(self._stderr_tail) or list(self._stdout_tail)
        return (":\n" + "\n".join(lines[-20:])) if lines else " (it printed nothing)"

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the server wrote to stderr."""
        return list(self._stderr_tail)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        """Raise EmbeddedServerError, with the server's last stderr lines, if it has died."""
        if self.process is None:
            raise EmbeddedServerError("embedded server was never started")
        if self.process.poll() is not None:
            self._join_readers()
            raise EmbeddedServerError(f"embedded server died with code {self.process.returncode}{self._tail_text()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
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

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        died = self.process is not None and self.process.poll() is not None and not self._stopping
        code = self.process.returncode if self.process is not None else None
        self.stop()
        if died and exc_type is None:
            raise EmbeddedServerError(f"embedded server died with code {code} while in use{self._tail_text()}")
