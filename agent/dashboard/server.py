"""The dashboard's web server: Starlette on uvicorn, in a daemon thread beside the agent.

    dash = start_dashboard(sessions_root=Path("sessions"))     # 127.0.0.1:8765, or a free port
    env = dash.feed(make_env(...), policy_meta)                # the live page follows this env
    ...
    dash.stop()

Routes: / (the page, static/index.html), /static/*, /icons/ITEM.png (minecraft-assets textures),
/api/config, /api/live (a snapshot), /ws/live (snapshots as JSON, frames as binary JPEG messages),
/api/sessions (the recorded sessions), /api/session?name=N (one session's timeline),
/api/frame?name=N&index=I (one recorded frame as JPEG).

Access: bound to a loopback address (the default) it answers only requests whose Host is a loopback name
(a web page elsewhere cannot reach it by DNS rebinding); bound elsewhere it needs a token (`?token=T` once,
then a cookie), generated unless LARM_DASHBOARD_TOKEN sets it. A websocket from another origin is refused.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from agent.dashboard import DEFAULT_HOST, DEFAULT_PORT
from agent.dashboard.icons import icon_path
from agent.dashboard.live import LiveHub
from agent.dashboard.sessions import SessionStore, list_sessions
from agent.recording import SessionError

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_ENV = "LARM_DASHBOARD_TOKEN"
COOKIE = "larm_dashboard_token"
# A page redraws everything on a snapshot: at most five a second, however fast the agent decides (an eval at
# 16 times real time crafts many times a second); frames are not held back.
SNAPSHOT_INTERVAL_S = 0.2
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def access_token(host: str, token: str | None = None) -> str | None:
    """The token a page needs: the one given; else, beyond loopback, LARM_DASHBOARD_TOKEN or a random one."""
    if token is None and not is_loopback(host):
        return os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(18)
    return token


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return ""


def _host_name(host_header: str) -> str:
    return (urlsplit(f"//{host_header}").hostname or "").lower()


class Guard:
    """ASGI middleware: loopback Host names only (when bound to loopback), the token (when set), and
    websockets from the page's own origin only."""

    def __init__(self, app: ASGIApp, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    def refusal(self, scope: Scope) -> str | None:
        host = _header(scope, b"host")
        if self.loopback and _host_name(host) not in LOOPBACK_NAMES:
            return f"the dashboard answers loopback names only, not Host {host!r}"
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            if origin and urlsplit(origin).netloc.lower() != host.lower():
                return f"a websocket from origin {origin!r} is refused"
        if self.token is not None:
            given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token") or [""])[0]
            if not given:
                morsel = SimpleCookie(_header(scope, b"cookie")).get(COOKIE)
                given = morsel.value if morsel else ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return "wrong or missing token: open the address the agent printed (it ends with ?token=...)"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = self.refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4403, "reason": reason[:120]})
        else:
            await PlainTextResponse(reason, status_code=403)(scope, receive, send)


def _remember_token(response: Response, request: Request, token: str | None) -> Response:
    """The page was opened with ?token=T: later requests (icons, frames) carry it as a cookie."""
    if token is not None and request.query_params.get("token"):
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
    return response


def build_app(hub: LiveHub | None, store: SessionStore, token: str | None = None, loopback: bool = True,
              open_session: str | None = None) -> ASGIApp:
    """The dashboard's ASGI app: the live page when `hub` is given, replay of the sessions under store.root."""

    async def index(request: Request) -> Response:
        return _remember_token(FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"}),
                               request, token)

    async def config(request: Request) -> Response:
        return JSONResponse({"live": hub is not None, "open": open_session, "sessions_root": str(store.root)})

    async def icon(request: Request) -> Response:
        path = icon_path(request.path_params["item"])
        if path is None:
            return PlainTextResponse("no icon", status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    async def live(request: Request) -> Response:
        if hub is None:
            return JSONResponse({"error": "no live episode: this dashboard replays sessions"}, status_code=404)
        return JSONResponse(hub.snapshot())

    async def sessions(request: Request) -> Response:
        rows = await asyncio.to_thread(list_sessions, store.root)
        return JSONResponse({"root": str(store.root), "sessions": rows})

    async def session(request: Request) -> Response:
        try:
            payload = await asyncio.to_thread(store.timeline, request.query_params.get("name", ""))
        except SessionError as err:
            return JSONResponse({"error": str(err)}, status_code=404)
        return Response(json.dumps(payload, default=str), media_type="application/json")

    async def frame(request: Request) -> Response:
        try:
            index = int(request.query_params.get("index", ""))
            data = await asyncio.to_thread(store.frame, request.query_params.get("name", ""), index)
        except ValueError:
            return PlainTextResponse("index must be a whole number", status_code=400)
        except SessionError as err:
            return PlainTextResponse(str(err), status_code=404)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    async def live_socket(ws: WebSocket) -> None:
        if hub is None:
            await ws.close(code=4404, reason="no live episode")
            return
        await ws.accept()
        await stream_live(ws, hub)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [Route("/", index), Route("/favicon.ico", no_icon), Route("/api/config", config), Route("/api/live", live),
              Route("/api/sessions", sessions), Route("/api/session", session), Route("/api/frame", frame),
              Route("/icons/{item}.png", icon), WebSocketRoute("/ws/live", live_socket),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    return Guard(Starlette(routes=routes), token, loopback)


async def stream_live(ws: WebSocket, hub: LiveHub) -> None:
    """Send the page each new snapshot (JSON) and the newest frame (binary), skipping what it was too slow
    for; returns when the page goes away."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    ident = hub.subscribe(loop, wake)
    gone = asyncio.Event()

    async def watch_close() -> None:
        with contextlib.suppress(Exception):
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
        gone.set()
        wake.set()

    watcher = asyncio.create_task(watch_close())
    sent_version, sent_frame, path_len, seen_len, epoch, training, sent_at = -1, 0, 0, 0, None, None, 0.0
    try:
        while not gone.is_set():
            due = sent_at + SNAPSHOT_INTERVAL_S - loop.time()
            if hub.version != sent_version and due <= 0:
                snap = hub.snapshot(path_len, epoch, seen_len, training)
                await ws.send_text(json.dumps({"type": "live", **snap}, default=str))
                sent_version, path_len, seen_len, epoch, training = (
                    snap["version"], snap["path_len"], snap["seen_len"], snap["path_epoch"], snap["training_version"])
                sent_at = loop.time()
            seq, jpeg = hub.latest_frame()
            if jpeg is not None and seq != sent_frame:
                await ws.send_bytes(jpeg)
                sent_frame = seq
            with contextlib.suppress(asyncio.TimeoutError):   # a snapshot held back is sent when it is due
                await asyncio.wait_for(wake.wait(), max(due, 0.01) if hub.version != sent_version else None)
            wake.clear()
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass    # the page closed mid-send
    finally:
        hub.unsubscribe(ident)
        watcher.cancel()


@dataclass
class Dashboard:
    """A running dashboard server: its address (with the token when one is needed) and what it shows."""

    host: str
    port: int
    token: str | None
    hub: LiveHub | None
    store: SessionStore
    _server: Any = field(repr=False, default=None)
    _thread: threading.Thread | None = field(repr=False, default=None)

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::"):
            shown = socket.gethostname()
        return f"http://{shown}:{self.port}/" + (f"?token={self.token}" if self.token else "")

    def feed(self, env: Any, policy: Mapping[str, Any] | None = None) -> Any:
        """Wrap env (make_env's stack) so that the live page follows it."""
        from agent.dashboard.feed import DashboardFeed

        if self.hub is None:
            raise RuntimeError("this dashboard replays sessions only: it has no live hub")
        return DashboardFeed(env, self.hub, policy)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket at host:port; at the default port, a free one when it is taken (two plays at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in ([port, 0] if port == DEFAULT_PORT else [port]):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError:
            sock.close()
            if candidate == 0 or candidate != DEFAULT_PORT:
                raise
            continue
        sock.listen(64)
        sock.setblocking(False)
        return sock
    raise OSError(f"cannot listen on {host}:{port}")


def start_dashboard(sessions_root: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, live: bool = True,
                    token: str | None = None, open_session: str | None = None, timeout: float = 15.0) -> Dashboard:
    """Serve the dashboard in a daemon thread; returns once it listens. A token is required (and generated
    unless given or set in LARM_DASHBOARD_TOKEN) when host is not a loopback address."""
    import uvicorn

    loopback = is_loopback(host)
    token = access_token(host, token)
    hub = LiveHub() if live else None
    store = SessionStore(Path(sessions_root))
    app = build_app(hub, store, token, loopback, open_session)
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="websockets-sansio",
                            ws_ping_interval=20, ws_ping_timeout=20, timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dashboard-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise OSError(f"the dashboard did not start on {host}:{sock.getsockname()[1]}")
        time.sleep(0.02)
    return Dashboard(host, sock.getsockname()[1], token, hub, store, server, thread)
