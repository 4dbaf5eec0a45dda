"""Locate the Node 22 runtime the world, the bridge and the skills run on.

mineflayer 4.39 needs Node >= 22, newer than most system Nodes, so the root package pins the npm package
``node@22`` in the workspaces' one lockfile and runs the binary it installs: ``node_modules/node/bin/node``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

WORLD_DIR = Path(__file__).resolve().parent
REPO_ROOT = WORLD_DIR.parent
NODE_MODULES = REPO_ROOT / "node_modules"
NODE_BIN = NODE_MODULES / "node" / "bin" / "node"
# Packages whose absence means the install is incomplete, not just the Node binary.
REQUIRED_PACKAGES = ("flying-squid", "mineflayer", "mineflayer-pathfinder", "mineflayer-collectblock", "minecraft-data")


class NodeRuntimeError(RuntimeError):
    """The Node runtime or the npm packages are missing and cannot be installed."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def node_modules_complete() -> bool:
    """True when the Node binary and every required package are installed."""
    return NODE_BIN.is_file() and all((NODE_MODULES / name).is_dir() for name in REQUIRED_PACKAGES)


def ensure_node_modules(progress: Callable[[str], None] = _stderr) -> None:
    """Run ``npm ci`` at the repository root when node_modules is missing or incomplete."""
    if node_modules_complete():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise NodeRuntimeError(
            "node_modules is missing and npm is not installed: install Node.js with npm "
            "(any version; npm fetches Node 22 itself), then run `npm ci` at the repository root"
        )
    progress("node_modules is missing: running `npm ci` at the repository root (about a minute, ~500 MB) ...")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=REPO_ROOT, check=False)
    if result.returncode != 0 or not node_modules_complete():
        raise NodeRuntimeError(f"`npm ci` in {REPO_ROOT} failed (exit {result.returncode}); see its output above")
    progress("npm ci done")


def node_binary(progress: Callable[[str], None] = _stderr) -> Path:
    """Path of the Node 22 binary, installing the npm packages first if needed."""
    ensure_node_modules(progress)
    if not NODE_BIN.is_file():
        raise NodeRuntimeError(f"no Node binary at {NODE_BIN}: run `npm ci` at the repository root")
    return NODE_BIN


def node_version(node: Path | None = None) -> str:
    """The version string of the project's Node, e.g. 'v22.23.3'."""
    binary = node or node_binary()
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()
