"""The agent's client of the bridge websocket (protocol version 1, bridge/PROTOCOL.md).

    client = await BridgeClient.connect("ws://127.0.0.1:PORT", token, frames=FrameSettings(fps=10))
    state = await client.observe()
    result = await client.run_skill("mine:oak_log", {"count": 2})
    await client.close()

No call hangs: every request has a timeout; when the websocket or the bridge dies, waiting requests fail
with BridgeError('disconnected') and a running skill ends with a failed SkillResult of kind
'disconnected'. Events that are not about a skill's progress (death, damage, chat, disconnect, kicked...)
go to ``client.events``; the client adds ``bridge_closed`` when the websocket closes, and
``protocol_error`` for an error message that answers no request.

SyncBridgeClient wraps the same client for synchronous code (gymnasium, the command line): it runs the
client's event loop in a background thread.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any, Callable, Coroutine, Mapping, TypeVar

from websockets.asyncio.client import ClientConnection, connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from bridge.messages import (
    CLIENT_EVENT_BRIDGE_CLOSED, PROTOCOL_VERSION, ErrorMessage, Event, Frame, FrameSettings, Observation,
    ObservationMessage, Pong, ProtocolError, SkillResult, Welcome, parse_message,
)

CLIENT_NAME = "larm-agent/0.1"
DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE_MS = 120_000
SKILL_MARGIN_S = 15.0      # the client waits this much longer than the skill's deadline
MS_PER_TICK = 50            # a game tick at speed 1
CANCEL_GRACE_S = 5.0       # after a client-side timeout: how long to wait for the cancelled result
EVENT_QUEUE_SIZE = 1000
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CLOSE_CODES = {4001: "bad_token", 4002: "bad_protocol", 4003: "busy", 4004: "not_ready"}
SKILL_EVENTS = ("skill_started", "skill_progress")

T = TypeVar("T")


class BridgeError(RuntimeError):
    """A request failed: `kind` is a protocol error kind, or 'disconnected', 'timeout', 'protocol'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class _PendingSkill:
    def __init__(self, token: str, on_event: Callable[[Event], Any] | None) -> None:
        self.token = token
        self.on_event = on_event
        self.future: asyncio.Future[SkillResult] = asyncio.get_running_loop().create_future()
        self.started = False
        self.started_tick: int | None = None   # the bot's game tick when the skill began
        self.events: list[Event] = []


class BridgeClient:
    """One connection to the bridge. Create it with ``await BridgeClient.connect(...)``."""

    def __init__(self, ws: ClientConnection, welcome: Welcome, frames: FrameSettings) -> None:
        self.ws = ws
        self.welcome = welcome
        self.frames = frames
        self.events: asyncio.Queue[Event] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self.latest_frame: Frame | None = None
        self.frames_received = 0
        self.last_tick = 0
        self.close_reason: str | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._skills: dict[str, _PendingSkill] = {}
        self._frame_waiters: list[asyncio.Future[Frame]] = []
        self._closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(), name="bridge-client-reader")

    # ------------------------------------------------------------------------------------- connect

    @classmethod
    async def connect(cls, url: str, token: str, frames: FrameSettings | None = None, client: str = CLIENT_NAME,
                      timeout: float = DEFAULT_TIMEOUT) -> BridgeClient:
        """Open the websocket and do the hello/welcome handshake.

        Raises BridgeError: 'bad_token', 'bad_protocol', 'busy' (another agent is connected),
        'unreachable' (nothing listens at url), 'timeout', 'protocol' (an unexpected answer).
        """
        frames = frames or FrameSettings()
        try:
            ws = await asyncio.wait_for(
                ws_connect(url, compression=None, proxy=None, max_size=MAX_MESSAGE_BYTES, ping_interval=20,
                           ping_timeout=60, close_timeout=5, open_timeout=timeout),
                timeout + 1)
        except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError, TimeoutError) as err:
            raise BridgeError("unreachable", f"cannot open the websocket {url}: {err}") from None
        try:
            hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": token, "client": client,
                     "frames": frames.to_dict()}
            await ws.send(json.dumps(hello))
            welcome = await asyncio.wait_for(cls._await_welcome(ws), timeout)
        except asyncio.TimeoutError:
            await ws.close()
            raise BridgeError("timeout", f"no welcome from {url} within {timeout:.0f} s") from None
        except BaseException:
            await ws.close()
            raise
        if welcome.protocol != PROTOCOL_VERSION:
            await ws.close()
            raise BridgeError("bad_protocol", f"the bridge speaks protocol {welcome.protocol}, not {PROTOCOL_VERSION}")
        return cls(ws, welcome, welcome.frames)

    @staticmethod
    async def _await_welcome(ws: ClientConnection) -> Welcome:
        while True:
            try:
                raw = await ws.recv()
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                kind = CLOSE_CODES.get(code or 0, "disconnected")
                reason = closed.rcvd.reason if closed.rcvd else ""
                raise BridgeError(kind, f"the bridge closed the connection during the handshake (code {code}"
                                        f"{', ' + reason if reason else ''})") from None
            if isinstance(raw, bytes):
                continue  # a frame before the welcome: ignore
            try:
                msg = parse_message(raw)
            except ProtocolError as err:
                raise BridgeError("protocol", f"bad answer to hello: {err}") from None
            if isinstance(msg, Welcome):
                return msg
            if isinstance(msg, ErrorMessage):
                raise BridgeError(msg.kind, msg.message or f"the bridge refused the hello ({msg.kind})")
            raise BridgeError("protocol", f"expected welcome, got {type(msg).__name__}")

    # ------------------------------------------------------------------------------------- state

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    async def _send(self, message: Mapping[str, Any]) -> None:
        if self.closed:
            raise BridgeError("disconnected", f"the bridge connection is closed ({self.close_reason})")
        try:
            await self.ws.send(json.dumps(message))
        except ConnectionClosed as err:
            await self._on_closed(f"send failed: {err}")
            raise BridgeError("disconnected", f"the bridge connection is closed ({self.close_reason})") from None

    async def _request(self, message: dict[str, Any], timeout: float) -> Any:
        rid = message.setdefault("id", self._next_id(message["type"][0]))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        try:
            await self._send(message)
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise BridgeError("timeout", f"no answer to {message['type']} within {timeout:.0f} s") from None
        finally:
            self._pending.pop(rid, None)

    # ------------------------------------------------------------------------------------- requests

    async def observe(self, timeout: float = DEFAULT_TIMEOUT) -> Observation:
        """The bot's current state."""
        msg = await self._request({"type": "observe"}, timeout)
        assert isinstance(msg, ObservationMessage)
        self.last_tick = max(self.last_tick, msg.state.tick)
        return msg.state

    async def frame(self, labels: bool | None = None, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        """One frame rendered now (independent of the stream)."""
        message: dict[str, Any] = {"type": "frame"}
        if labels is not None:
            message["labels"] = labels
        frame = await self._request(message, timeout)
        assert isinstance(frame, Frame)
        return frame

    async def next_frame(self, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        """The next frame of the stream (FrameSettings.fps > 0)."""
        if self.closed:
            raise BridgeError("disconnected", f"the bridge connection is closed ({self.close_reason})")
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._frame_waiters.append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise BridgeError("timeout", f"no stream frame within {timeout:.0f} s (stream fps {self.frames.fps})") from None
        finally:
            if future in self._frame_waiters:
                self._frame_waiters.remove(future)

    async def ping(self, timeout: float = DEFAULT_TIMEOUT) -> float:
        """Round-trip time of a ping, in seconds."""
        start = time.perf_counter()
        pong = await self._request({"type": "ping"}, timeout)
        assert isinstance(pong, Pong)
        self.last_tick = max(self.last_tick, pong.tick)
        return time.perf_counter() - start

    async def cancel(self, skill_id: str) -> None:
        """Ask the bridge to cancel a running skill; its run_skill then returns error kind 'cancelled'."""
        await self._send({"type": "cancel", "id": skill_id})

    async def stream(self, fps: float) -> None:
        """Change the frame stream's rate (0 stops it); no answer. Stream frames never stop the game clock, as
        a `frame` request does: the dashboard watches with them."""
        await self._send({"type": "stream", "fps": fps})

    async def run_skill(self, token: str, args: Mapping[str, Any] | None = None,
                        deadline_ms: int = DEFAULT_DEADLINE_MS, on_event: Callable[[Event], Any] | None = None,
                        skill_id: str | None = None, margin_s: float = SKILL_MARGIN_S) -> SkillResult:
        """Run one skill and return its result; never raises for a failed or refused skill.

        The bridge's refusals (unknown_skill, bad_arguments, busy, not_connected, bad_request) come back as
        a failed result with that error kind and detail {"refused": True}. When the websocket dies the kind
        is 'disconnected'; when no result comes within deadline + margin the client cancels the skill and,
        failing that, returns kind 'deadline' with detail {"client_timeout": True}.
        on_event is called (in the event loop) with the skill's events: skill_started, skill_progress...
        """
        sid = skill_id or self._next_id("s")
        started = time.perf_counter()

        def wall() -> float:
            return (time.perf_counter() - started) * 1000

        if self.closed:
            return SkillResult.failure(sid, token, "disconnected", f"the bridge connection is closed ({self.close_reason})")
        pending = _PendingSkill(token, on_event)
        self._skills[sid] = pending
        message: dict[str, Any] = {"type": "skill", "id": sid, "token": token, "deadline_ms": int(deadline_ms)}
        if args:
            message["args"] = dict(args)
        try:
            try:
                await self._send(message)
            except BridgeError as err:
                return SkillResult.failure(sid, token, "disconnected", err.message, wall())
            # deadline_ms is game time: the bridge's clock runs welcome.speed times faster than real time, and
            # on the embedded world it stands still while the bot computes, so real time is only a first guess;
            # the client waits on while the bridge answers and its clock is still within the deadline.
            wait_s = deadline_ms / 1000 / self.welcome.speed + margin_s
            seen_tick = pending.started_tick
            while True:
                try:
                    return await asyncio.wait_for(asyncio.shield(pending.future), wait_s)
                except asyncio.TimeoutError:
                    pass
                tick = await self._skill_tick(pending, deadline_ms)
                if tick is None or tick == seen_tick:   # no answer, past the deadline, or a clock that stopped
                    break
                seen_tick, wait_s = tick, margin_s
            try:
                await self.cancel(sid)
                return await asyncio.wait_for(asyncio.shield(pending.future), CANCEL_GRACE_S)
            except (asyncio.TimeoutError, BridgeError):
                return SkillResult.failure(
                    sid, token, "deadline",
                    f"no skill_result within the deadline ({deadline_ms} ms) plus {margin_s:.0f} s; cancel sent",
                    wall(), {"client_timeout": True})
        finally:
            self._skills.pop(sid, None)

    async def _skill_tick(self, pending: _PendingSkill, deadline_ms: int) -> int | None:
        """The bot's game tick now, if the bridge answers and the skill is still within its deadline."""
        if pending.started_tick is None:
            return None
        try:
            pong = await self._request({"type": "ping"}, DEFAULT_TIMEOUT)
        except BridgeError:
            return None
        if not isinstance(pong, Pong) or pong.tick - pending.started_tick >= deadline_ms / MS_PER_TICK:
            return None
        return pong.tick

    # ------------------------------------------------------------------------------------- reading

    async def _read_loop(self) -> None:
        reason = "the bridge closed the connection"
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    self._on_frame(raw)
                else:
                    self._on_text(raw)
        except ConnectionClosed as err:
            reason = f"the websocket closed: {err}"
        except asyncio.CancelledError:
            reason = "the client closed the connection"
            raise
        except Exception as err:  # a bug here must not leave requests waiting forever
            reason = f"the client's reader failed: {type(err).__name__}: {err}"
        finally:
            await self._on_closed(reason)

    def _on_frame(self, raw: bytes) -> None:
        try:
            frame = Frame.from_bytes(raw, time.monotonic())
        except ProtocolError as err:
            self._put_event(Event("protocol_error", self.last_tick, {"kind": "bad_frame", "message": str(err)}))
            return
        if frame.header.id is not None and frame.header.id in self._pending:
            future = self._pending[frame.header.id]
            if not future.done():
                future.set_result(frame)
            return
        self.latest_frame = frame
        self.frames_received += 1
        self.last_tick = max(self.last_tick, frame.tick)
        waiters, self._frame_waiters = self._frame_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(frame)

    def _on_text(self, raw: str) -> None:
        try:
            msg = parse_message(raw)
        except ProtocolError as err:
            self._put_event(Event("protocol_error", self.last_tick, {"kind": "protocol", "message": str(err)}))
            return
        if isinstance(msg, SkillResult):
            skill = self._skills.get(msg.id)
            if skill is not None and not skill.future.done():
                skill.future.set_result(msg)
            return
        if isinstance(msg, Event):
            self.last_tick = max(self.last_tick, msg.tick)
            skill = self._skills.get(msg.id) if msg.id else None
            if skill is not None:
                if msg.event == "skill_started":
                    skill.started = True
                    skill.started_tick = msg.tick
                skill.events.append(msg)
                if skill.on_event is not None:
                    try:
                        skill.on_event(msg)
                    except Exception as err:  # the caller's callback must not kill the reader
                        self._put_event(Event("protocol_error", self.last_tick,
                                              {"kind": "callback", "message": f"on_event raised {err!r}"}))
            if msg.event not in SKILL_EVENTS:
                self._put_event(msg)
            return
        if isinstance(msg, ErrorMessage):
            if msg.id is not None:
                skill = self._skills.get(msg.id)
                if skill is not None and not skill.started and not skill.future.done():
                    skill.future.set_result(SkillResult.failure(msg.id, skill.token, msg.kind, msg.message,
                                                                detail={"refused": True}))
                    return
                future = self._pending.get(msg.id)
                if future is not None and not future.done():
                    future.set_exception(BridgeError(msg.kind, msg.message))
                    return
            self._put_event(Event("protocol_error", self.last_tick, {"kind": msg.kind, "message": msg.message,
                                                                     "id": msg.id}))
            return
        rid = getattr(msg, "id", None)
        if rid is not None and rid in self._pending:
            future = self._pending[rid]
            if not future.done():
                future.set_result(msg)

    def _put_event(self, event: Event) -> None:
        if self.events.full():
            try:
                self.events.get_nowait()  # drop the oldest
            except asyncio.QueueEmpty:
                pass
        self.events.put_nowait(event)

    async def _on_closed(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self.close_reason = reason
        self._closed.set()
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(BridgeError("disconnected", reason))
        for sid, skill in list(self._skills.items()):
            if not skill.future.done():
                skill.future.set_result(SkillResult.failure(sid, skill.token, "disconnected", reason))
        for w in self._frame_waiters:
            if not w.done():
                w.set_exception(BridgeError("disconnected", reason))
        self._put_event(Event(CLIENT_EVENT_BRIDGE_CLOSED, self.last_tick, {"reason": reason}))

    def drain_events(self) -> list[Event]:
        """Every queued event, oldest first (non-blocking)."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except asyncio.QueueEmpty:
                return out

    async def close(self) -> None:
        """Close the websocket; pending requests fail with 'disconnected'."""
        try:
            await self.ws.close()
        except Exception:
            pass
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), 5)
        except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
            self._reader.cancel()
        await self._on_closed("the client closed the connection")

    async def __aenter__(self) -> BridgeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class SyncBridgeClient:
    """A BridgeClient driven from synchronous code: its event loop runs in a daemon thread.

    Every method blocks until the answer (or its timeout). on_event callbacks run in the loop's thread.
    """

    def __init__(self, client: BridgeClient, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self.client = client
        self.loop = loop
        self.thread = thread

    @classmethod
    def connect(cls, url: str, token: str, frames: FrameSettings | None = None, client: str = CLIENT_NAME,
                timeout: float = DEFAULT_TIMEOUT) -> SyncBridgeClient:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="bridge-client-loop", daemon=True)
        thread.start()
        try:
            future = asyncio.run_coroutine_threadsafe(BridgeClient.connect(url, token, frames, client, timeout), loop)
            bc = future.result(timeout + 5)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()
            raise
        return cls(bc, loop, thread)

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise BridgeError("timeout", f"no answer within {timeout} s") from None

    @property
    def welcome(self) -> Welcome:
        return self.client.welcome

    @property
    def closed(self) -> bool:
        return self.client.closed

    @property
    def latest_frame(self) -> Frame | None:
        return self.client.latest_frame

    @property
    def frames_received(self) -> int:
        return self.client.frames_received

    def observe(self, timeout: float = DEFAULT_TIMEOUT) -> Observation:
        return self._call(self.client.observe(timeout), timeout + 5)

    def frame(self, labels: bool | None = None, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        return self._call(self.client.frame(labels, timeout), timeout + 5)

    def next_frame(self, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        return self._call(self.client.next_frame(timeout), timeout + 5)

    def ping(self, timeout: float = DEFAULT_TIMEOUT) -> float:
        return self._call(self.client.ping(timeout), timeout + 5)

    def cancel(self, skill_id: str) -> None:
        self._call(self.client.cancel(skill_id), 10)

    def stream(self, fps: float) -> None:
        self._call(self.client.stream(fps), 10)

    def run_skill(self, token: str, args: Mapping[str, Any] | None = None, deadline_ms: int = DEFAULT_DEADLINE_MS,
                  on_event: Callable[[Event], Any] | None = None, skill_id: str | None = None,
                  margin_s: float = SKILL_MARGIN_S) -> SkillResult:
        # No limit of its own: the async client waits as long as the bridge's clock moves within the deadline, which
        # on the embedded world may be longer than the deadline in real time (the clock stands still while the
        # bot computes), and it gives up on its own when the clock stops or the bridge does not answer.
        return self._call(self.client.run_skill(token, args, deadline_ms, on_event, skill_id, margin_s), None)

    def drain_events(self) -> list[Event]:
        async def drain() -> list[Event]:
            return self.client.drain_events()
        return self._call(drain(), 10)

    def close(self) -> None:
        if not self.loop.is_closed():
            if self.loop.is_running():
                try:
                    self._call(self.client.close(), 15)
                except Exception:
                    pass
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(10)
            if not self.loop.is_running():
                self.loop.close()

    def __enter__(self) -> SyncBridgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
