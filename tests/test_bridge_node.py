"""The Node tests (Node's built-in runner) of the world, the bridge and the skills, one pytest test per file
so a failure names its area."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Each workspace keeps its Node tests beside its code; skills keeps one beside each verb.
WORKSPACES = ("world", "bridge", "skills")
NODE_TEST_FILES = sorted({str(p.relative_to(ROOT)) for workspace in WORKSPACES
                          for p in (ROOT / workspace).rglob("*.test.js") if "node_modules" not in p.parts})


@pytest.mark.parametrize("workspace", WORKSPACES)
def test_every_workspace_has_node_tests(workspace: str) -> None:
    assert any(f.startswith(f"{workspace}/") for f in NODE_TEST_FILES), f"{workspace} has no *.test.js"


@pytest.mark.parametrize("test_file", NODE_TEST_FILES)
def test_node_file(node: Path, test_file: str) -> None:
    proc = subprocess.run(
        [str(node), "--test", "--test-reporter=spec", str(ROOT / test_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    summary = [line for line in proc.stdout.splitlines() if line.startswith(("✔", "✖", "ℹ", "  ✔", "  ✖"))]
    assert proc.returncode == 0, "\n".join(summary) + "\n--- output tail ---\n" + proc.stdout[-4000:] + proc.stderr[-2000:]
