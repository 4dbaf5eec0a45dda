"""A Node program run as a subprocess that announces itself with JSON event lines on stdout.

The embedded server and the bridge both print ``{"event": "ready", ...}`` once they serve (the bridge may
print ``{"event": "error", "message": ...}`` instead and exit), log to stderr, and are stopped with SIGTERM
(SIGKILL after a grace period). This class holds that life cycle once; subclasses say what to run and what
their ready line means.
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
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from world.node_runtime import REPO_ROOT, node_binary

Info = TypeVar("Info")
TAIL_LINES = 80
LOG_DIR_ENV = "LARM_NODE_LOG_DIR"  # when set, every Node process's log lines are also kept in DIR/<label>-<pid>.log


def parse_event(line: str) -> dict[str, Any] | None:
    """The JSON event object in a stdout line, or None for a human log line (flying-squid also writes its
    own log and a readline prompt to stdout, so the object may not start the line)."""
    start = line.find('{"event"')
    if start < 0:
        return None
    try:
        event = json.loads(line[start:].strip())
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class NodeProcessError(RuntimeError):
    """The process could not start, or died."""


class NodeProcess(Generic[Info]):
    """Start with start() (or as a context manager), which waits for the ready line; stop() ends it."""

    label = "the Node process"  # how errors name it
    error: type[NodeProcessError] = NodeProcessError

    def __init__(self, startup_timeout: float, node: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.startup_timeout = startup_timeout
        self.node = node
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self.info: Info | None = None
        self._stdout_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self._stopping = False

    # ---- what subclasses say
    def arguments(self) -> list[str]:
        """The script and its arguments (the Node binary is prepended)."""
        raise NotImplementedError

    def ready_info(self, event: dict[str, Any]) -> Info:
        """The info of a ready event; raise self.error if it is malformed."""
        raise NotImplementedError

    def on_event(self, event: dict[str, Any]) -> bool:
        """An event line other than ready/error; return True if consumed (not queued)."""
        return False

    # ---- the life cycle
    def command(self) -> list[str]:
        return [str(self.node or node_binary()), *self.arguments()]

    def start(self) -> Info:
        """Start the process and wait for its ready line."""
        if self.process is not None:
            raise self.error(f"{self.label} was already started")
        self._make_log_dir()
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,  # flying-squid opens a readline prompt on stdin
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group: a Ctrl-C reaches only us, and stop() ends it cleanly
            env=dict(os.environ, **(self.env or {})),
        )
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()
        try:
            self.info = self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.info

    def _wait_ready(self) -> Info:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    self._join_readers()
                    while not self._events.empty():  # an error line may have been read just before the exit
                        self._raise_if_error(self._events.get_nowait())
                    raise self.error(f"{self.label} exited with code {self.process.returncode} before it was ready"
                                     f"{self._tail_text()}")
                continue
            self._raise_if_error(event)
            if event.get("event") == "ready":
                return self.ready_info(event)
        raise self.error(f"{self.label} printed no ready line within {self.startup_timeout:.0f} s{self._tail_text()}")

    def _raise_if_error(self, event: dict[str, Any]) -> None:
        if event.get("event") != "error":
            return
        assert self.process is not None
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._join_readers()
        raise self.error(f"{self.label} could not start (exit {self.process.returncode}): "
                         f"{event.get('message', 'no message')}{self._tail_text()}")

    def _make_log_dir(self) -> None:
        """Make LARM_NODE_LOG_DIR before the process starts: a folder that cannot be made is a clear error
        here, not a reader thread that dies and leaves the process's output unread."""
        folder = os.environ.get(LOG_DIR_ENV)
        if not folder:
            return
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(f"{LOG_DIR_ENV}={folder}: cannot make that folder for the logs ({exc})") from exc

    def _log_file(self) -> TextIO:
        """Where the log lines are also written: DIR/<label>-<pid>.log under LARM_NODE_LOG_DIR, else nowhere
        (only a tail is kept, for error messages)."""
        folder = os.environ.get(LOG_DIR_ENV)
        if not folder or self.process is None:
            return open(os.devnull, "w", encoding="utf-8")
        name = self.label.removeprefix("the ").replace(" ", "_")
        return open(Path(folder) / f"{name}-{self.process.pid}.log", "a", encoding="utf-8", buffering=1)

    def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self._log_file() as log:
            for line in self.process.stdout:
                event = parse_event(line)
                if event is None:
                    self._stdout_tail.append(line.rstrip("\n"))
                    log.write(line)
                elif not self.on_event(event):
                    self._events.put(event)

    def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        with self._log_file() as log:
            for line in self.process.stderr:
                self._stderr_tail.append(line.rstrip("\n"))
                log.write(line)

    def _join_readers(self, timeout: float = 2.0) -> None:
        for reader in self._readers:
            reader.join(timeout)

    def _tail_text(self, lines: int = 25) -> str:
        tail = list(self._stderr_tail) or list(self._stdout_tail)
        return (":\n" + "\n".join(tail[-lines:])) if tail else " (it printed nothing)"

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the process wrote to stderr (its log)."""
        return list(self._stderr_tail)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        """Raise self.error, with the last log lines, if the process has died."""
        if self.process is None:
            raise self.error(f"{self.label} was never started")
        if self.process.poll() is not None:
            self._join_readers()
            raise self.error(f"{self.label} died with code {self.process.returncode}{self._tail_text()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.process is None:
            return None
        self._stopping = True
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout)
        self._join_readers()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return self.process.returncode

    def _signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> NodeProcess[Info]:
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        died = self.process is not None and self.process.poll() is not None and not self._stopping
        code = self.process.returncode if self.process is not None else None
        self.stop()
        if died and exc_type is None:
            raise self.error(f"{self.label} died with code {code} while in use{self._tail_text()}")
