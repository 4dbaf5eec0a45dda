"""The bridge holds: it cannot be orphaned (its parent killed, its log pipe broken) nor locked (a silent
client, a frozen client, a browser page), its token is not on its command line, and hostile requests
(inherited names as skill targets, deeply nested messages, pipelined frame requests) get clear errors while
it keeps serving. Real embedded server, real Node bridge, real websocket."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bridge.bridge_process import BRIDGE_SCRIPT, TOKEN_ENV, BridgeProcess
from bridge.client import BridgeError, SyncBridgeClient
from bridge.messages import FrameSettings
from world.embedded_server import EmbeddedServer
from world.node_runtime import node_binary

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SMALL = FrameSettings(fps=0, width=64, height=48)
HELLO_TIMEOUT_S = 2
HEARTBEAT_S = 2
ALLOWED_ORIGIN = "http://localhost:8080"
MAX_FRAME_REQUESTS = 4  # bridge/bot/agent_session.js


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    s = EmbeddedServer(seed=2_000_014)
    s.start()
    yield s
    s.stop()


def address(server: EmbeddedServer) -> str:
    assert server.info is not None
    return f"127.0.0.1:{server.info.port}"


@pytest.fixture(scope="module")
def bridge(server: EmbeddedServer) -> Iterator[BridgeProcess]:
    """One bridge with short real-time limits, shared by the tests that do not kill it."""
    b = BridgeProcess(address(server), username="larm_holds",
                      extra_args=["--hello-timeout", str(HELLO_TIMEOUT_S), "--heartbeat", str(HEARTBEAT_S),
                                  "--allow-origin", ALLOWED_ORIGIN])
    b.start()
    yield b
    b.stop()


def connect(bridge: BridgeProcess, timeout: float = 10.0, frames: FrameSettings = SMALL) -> SyncBridgeClient:
    """The agent's connection, retrying while the previous test's agent still holds the slot."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return SyncBridgeClient.connect(bridge.url, bridge.token, frames)
        except BridgeError as err:
            if err.kind != "busy" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a reaper counts: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, timeout: float) -> float | None:
    """Seconds until the process was gone, or None if it still ran after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if gone(pid):
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class RawWebsocket:
    """A websocket client by hand: it says what it is told and nothing else (no pongs, no reads)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("ws://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "the bridge closed during the upgrade"
            head += chunk
        assert b" 101 " in head.split(b"\r\n", 1)[0], head

    def send_text(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        length = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
        mask = os.urandom(4)
        self.sock.sendall(b"\x81" + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def closed_by_peer(self, timeout: float) -> bool:
        """Read (and drop) what comes until the bridge closes the TCP connection."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()


# ------------------------------------------------------------------------------------- not orphaned

AGENT_SCRIPT = """
import sys, time
from bridge.bridge_process import BridgeProcess
bridge = BridgeProcess(sys.argv[1], username="larm_orphan")
bridge.start()
print(bridge.process.pid, flush=True)
time.sleep(600)
"""


def test_the_bridge_exits_within_seconds_when_the_agent_is_killed(server: EmbeddedServer) -> None:
    agent = subprocess.Popen([sys.executable, "-c", AGENT_SCRIPT, address(server)], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    bridge_pid = 0
    try:
        assert agent.stdout is not None
        bridge_pid = int(agent.stdout.readline())
        assert not gone(bridge_pid)
        agent.send_signal(signal.SIGKILL)  # no clean-up runs: the bridge, in its own session, gets no signal
        agent.wait(10)
        took = wait_gone(bridge_pid, 5)
        print(f"figure: the bridge exited {took} s after its agent was killed")
        assert took is not None and took < 2.5, f"the bridge still ran after its parent was killed ({took})"
    finally:
        if agent.poll() is None:
            agent.kill()
        if bridge_pid and not gone(bridge_pid):
            os.killpg(bridge_pid, signal.SIGKILL)


def test_a_broken_log_pipe_makes_the_bridge_exit_instead_of_spinning(server: EmbeddedServer) -> None:
    token = "pipe-token-0123456789"
    command = [str(node_binary()), str(BRIDGE_SCRIPT), "--server", address(server), "--username", "larm_pipe"]
    proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=dict(os.environ, **{TOKEN_ENV: token}))
    try:
        assert proc.stdout is not None and proc.stderr is not None
        ready = json.loads(proc.stdout.readline())
        assert ready["event"] == "ready" and ready["token"] == token
        proc.stderr.close()  # whoever read the log is gone; the parent (this process) lives on
        with pytest.raises(InvalidStatus):  # a refused browser origin: the bridge writes a log line
            asyncio.run(_open(f"ws://127.0.0.1:{ready['ws_port']}", origin="http://evil.example"))
        proc.wait(5)  # before the fix its exception handler wrote to the dead pipe forever
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


async def _open(url: str, origin: str | None = None) -> None:
    async with ws_connect(url, proxy=None, origin=origin) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "ping"}))
        await asyncio.wait_for(ws.recv(), 10)


# ------------------------------------------------------------------------------------- not locked

def test_a_silent_client_does_not_keep_the_agent_out_and_is_closed(bridge: BridgeProcess) -> None:
    async def silent_clients_then_agent() -> list[tuple[Any, int | None]]:
        silent = [await ws_connect(bridge.url, proxy=None) for _ in range(2)]  # connected first, never say hello
        agent = await asyncio.to_thread(connect, bridge, 1.0)  # the real agent gets in at once
        try:
            assert agent.ping() < 5
            with pytest.raises(BridgeError) as second:  # the slot is still one agent's
                await asyncio.to_thread(SyncBridgeClient.connect, bridge.url, bridge.token, SMALL)
            assert second.value.kind == "busy"
            return [await _until_closed(ws, HELLO_TIMEOUT_S + 5) for ws in silent]
        finally:
            agent.close()

    for answer, code in asyncio.run(silent_clients_then_agent()):
        assert code == 4004, code  # closed after the hello timeout, with a reason
        assert answer["type"] == "error" and answer["kind"] == "not_ready" and "hello" in answer["message"]


async def _until_closed(ws: ClientConnection, timeout: float) -> tuple[Any, int | None]:
    answer = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                answer = json.loads(await ws.recv())
    except ConnectionClosed as closed:
        return answer, closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        raise AssertionError(f"still open after {timeout} s (last message {answer})") from None


def test_heartbeats_drop_an_agent_that_stopped_answering(bridge: BridgeProcess) -> None:
    frozen = RawWebsocket(bridge.url)  # says a valid hello, then never reads nor answers a ping again
    try:
        time.sleep(0.5)  # the previous test's agent leaves
        frozen.send_text(json.dumps({"type": "hello", "protocol": 1, "token": bridge.token, "frames": {"fps": 0}}))
        time.sleep(0.5)
        with pytest.raises(BridgeError) as held:
            SyncBridgeClient.connect(bridge.url, bridge.token, SMALL)
        assert held.value.kind == "busy"
        start = time.monotonic()
        agent = connect(bridge, timeout=3 * HEARTBEAT_S + 5)  # in once the missed pong drops the frozen one
        took = time.monotonic() - start
        try:
            assert agent.ping() < 5 and took < 3 * HEARTBEAT_S + 2, took
        finally:
            agent.close()
        assert frozen.closed_by_peer(5)
    finally:
        frozen.close()


def test_a_browser_origin_is_refused_unless_allowed(bridge: BridgeProcess) -> None:
    for origin in ("http://evil.example", "http://localhost:8081", "null"):
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(_open(bridge.url, origin=origin))
        assert refused.value.response.status_code == 403, origin
    asyncio.run(_open(bridge.url, origin=ALLOWED_ORIGIN))  # --allow-origin
    asyncio.run(_open(bridge.url))  # programs send no Origin


def test_the_token_is_not_on_the_command_line(bridge: BridgeProcess) -> None:
    assert bridge.process is not None and bridge.info is not None
    cmdline = Path(f"/proc/{bridge.process.pid}/cmdline").read_bytes().decode(errors="replace")
    assert "bridge.js" in cmdline and bridge.token not in cmdline and "--token" not in cmdline
    assert bridge.info.token == bridge.token  # the ready line still gives it
    connect(bridge).close()


# ------------------------------------------------------------------------------------- hostile requests

def test_inherited_names_are_not_skill_targets(bridge: BridgeProcess) -> None:
    agent = connect(bridge)
    try:
        for token in ("mine:constructor", "mine:toString", "drop:__proto__", "collect:hasOwnProperty", "eat:valueOf"):
            r = agent.run_skill(token, deadline_ms=5_000)
            assert not r.ok and r.error is not None and r.error.kind == "unknown_skill", (token, r)
            assert r.ticks == 0
        real = agent.run_skill("drop:dirt", {"keep": 64})  # a real target reaches the skill (with no dirt to drop)
        assert real.error is not None and real.error.kind == "missing_items", real
    finally:
        agent.close()


def test_a_deeply_nested_message_gets_a_clear_error_and_the_bridge_serves_on(bridge: BridgeProcess) -> None:
    deep = "[" * 30_000 + "]" * 30_000

    async def probe() -> list[dict]:
        async with ws_connect(bridge.url, proxy=None) as ws:
            async def ask(raw: str) -> dict:
                await ws.send(raw)
                while True:
                    data = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if data["type"] != "event":
                        return data

            await ask(json.dumps({"type": "hello", "protocol": 1, "token": bridge.token, "frames": {"fps": 0}}))
            return [await ask('{"type": ' + deep + "}"),
                    await ask('{"type": "skill", "id": "n", "token": "mine:oak_log", "args": {"count": ' + deep + "}}"),
                    await ask(json.dumps({"type": "ping", "id": "after"}))]

    for attempt in range(20):  # the previous test's agent may still be leaving
        try:
            answers = asyncio.run(probe())
            break
        except ConnectionClosed:
            time.sleep(0.3)
    else:
        raise AssertionError("the bridge stayed busy")
    assert [a.get("kind", a["type"]) for a in answers] == ["too_deep", "too_deep", "pong"], answers
    assert "nested" in answers[0]["message"] and answers[2]["id"] == "after"


def test_pipelined_frame_requests_beyond_the_limit_are_refused(bridge: BridgeProcess) -> None:
    assert bridge.process is not None
    requests = 40

    async def burst() -> tuple[int, list[dict], float, float]:
        async with ws_connect(bridge.url, proxy=None, max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": bridge.token,
                                      "frames": {"fps": 0, "width": 512, "height": 512}}))
            while json.loads(await ws.recv())["type"] != "welcome":
                pass
            await ws.send(json.dumps({"type": "frame", "id": "warm"}))  # the renderer at this size, once
            while not isinstance(await ws.recv(), bytes):
                pass
            before = rss_mb(bridge.process.pid)
            for i in range(requests):  # all at once, none read yet
                await ws.send(json.dumps({"type": "frame", "id": f"f{i}"}))
            frames, errors = 0, []
            while frames + len(errors) < requests:
                msg = await asyncio.wait_for(ws.recv(), 60)
                if isinstance(msg, bytes):
                    frames += 1
                elif (data := json.loads(msg))["type"] == "error":
                    errors.append(data)
            return frames, errors, before, rss_mb(bridge.process.pid)

    time.sleep(0.5)  # the previous test's agent leaves
    frames, errors, before, after = asyncio.run(burst())
    print(f"figure: {requests} pipelined 512x512 frame requests: {frames} frames, {len(errors)} busy; bridge RSS "
          f"{before:.0f} -> {after:.0f} MB")
    assert frames <= 2 * MAX_FRAME_REQUESTS and len(errors) >= requests - 2 * MAX_FRAME_REQUESTS, (frames, len(errors))
    assert all(e["kind"] == "busy" and "frame requests" in e["message"] and e["id"].startswith("f") for e in errors)
    assert after - before < 150, f"the bridge grew from {before:.0f} to {after:.0f} MB"
    agent = connect(bridge)  # and it serves on
    try:
        assert agent.frame().rgb.shape == (SMALL.height, SMALL.width, 3)
    finally:
        agent.close()
