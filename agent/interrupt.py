"""`kill PID` (SIGTERM) ends a run the way Ctrl-C does: a KeyboardInterrupt in the main thread, which stops the
worlds and exits with 130.

The way out is Ctrl-C's own, SIGINT to this process: Ray's core worker aborts when a signal handler raises
anything else. A command started in the background of a shell inherits SIGINT ignored (Python then installs
no handler for it), so the handler restores Python's before it sends the signal.
"""
from __future__ import annotations

import os
import signal
import threading


def sigterm_as_ctrl_c() -> None:
    """Install the SIGTERM handler (from the main thread; again after ray.init, which replaces it)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _as_ctrl_c)


def _as_ctrl_c(signum: int, frame: object) -> None:
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL, None):
        signal.signal(signal.SIGINT, signal.default_int_handler)
    os.kill(os.getpid(), signal.SIGINT)
