"""The dashboard's command-line options and the two ways run_agent.py starts it: beside `play`, `eval` and
`finetune` (the live page, with replay of the sessions in the record folder) and `replay SESSION --serve`
(replay alone)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from agent.dashboard import DEFAULT_HOST, DEFAULT_PORT
from agent.recording import SessionError, load_session

if TYPE_CHECKING:   # the web stack is imported only when a dashboard starts: `--help` and eval stay light
    from agent.dashboard.server import Dashboard


def add_options(parser: argparse.ArgumentParser, switch: bool = True) -> None:
    """--dashboard-host, --dashboard-port and (for the commands that play) --no-dashboard."""
    parser.add_argument("--dashboard-host", default=DEFAULT_HOST, metavar="HOST",
                        help=f"where the dashboard page listens (default {DEFAULT_HOST}; any other address needs "
                        "the token printed with the address, or LARM_DASHBOARD_TOKEN)")
    parser.add_argument("--dashboard-port", type=int, default=DEFAULT_PORT, metavar="PORT",
                        help=f"the dashboard's port (default {DEFAULT_PORT}, or a free one when it is taken; 0: a free one)")
    if switch:
        parser.add_argument("--no-dashboard", action="store_true", help="serve no dashboard page")


def live_dashboard(args: argparse.Namespace, record: str | Path | None) -> Dashboard | None:
    """The dashboard of a command that plays (the live page, and replay of the sessions in its record
    folder), its address printed; None with --no-dashboard."""
    if getattr(args, "no_dashboard", False):
        return None
    from agent.dashboard.server import start_dashboard
    from agent.play import DEFAULT_RECORD_DIR

    try:
        dashboard = start_dashboard(Path(record or DEFAULT_RECORD_DIR), args.dashboard_host, args.dashboard_port)
    except OSError as err:
        print(f"run_agent.py: cannot serve the dashboard at {args.dashboard_host}:{args.dashboard_port}: {err} "
              "(choose another --dashboard-port, or --no-dashboard)", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"dashboard: {dashboard.url}", file=sys.stderr, flush=True)
    return dashboard


def replay_target(path: Path) -> tuple[Path, str | None]:
    """(sessions root, session to open) for `replay PATH --serve`: a session folder opens in the page with its
    siblings listed; a folder of sessions is listed. SessionError for anything else."""
    if not path.is_dir():
        raise SessionError(f"{path} is not a folder")
    if (path / "metadata.json").is_file():
        load_session(path)   # refuses a folder that is not a session, with its reason
        return path.parent, path.name
    if not any(path.rglob("metadata.json")):
        raise SessionError(f"{path} is not a session and holds no sessions (a session folder holds metadata.json "
                           "and events.jsonl)")
    return path, None


def serve_replay(args: argparse.Namespace) -> int:
    """`replay PATH --serve`: the page replays the session (or lists the folder's) until Ctrl-C."""
    try:
        root, name = replay_target(Path(args.session))
    except SessionError as err:
        print(f"replay: {err}", file=sys.stderr)
        return 1
    from agent.dashboard.server import start_dashboard

    try:
        dashboard = start_dashboard(root, args.dashboard_host, args.dashboard_port, live=False, open_session=name)
    except OSError as err:
        print(f"replay: cannot serve the dashboard at {args.dashboard_host}:{args.dashboard_port}: {err}",
              file=sys.stderr)
        return 2
    where = f"#replay/{name}" if name else "#sessions"
    print(f"dashboard: {dashboard.url}{where}  (Ctrl-C stops it)", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        dashboard.stop()
