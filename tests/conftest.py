"""Shared test helpers: the repository root and how to run the command line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python run_agent.py ARGS` from the repository root."""
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "run_agent.py"), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def node() -> Path:
    """The project's Node 22 binary (installs node_modules with npm ci at the root if missing)."""
    from world.node_runtime import node_binary

    return node_binary()
