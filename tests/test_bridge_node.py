"""The Node tests (Node's built-in runner) of the bridge and of the skills, one pytest test per file so a
failure names its area."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BRIDGE = ROOT / "bridge"
NODE_TEST_FILES = sorted(str(p.relative_to(BRIDGE.parent)) for folder in (BRIDGE / "test", ROOT / "skills" / "test")
                         for p in folder.glob("*.test.js"))


def test_bridge_and_skills_have_node_tests() -> None:
    assert any(f.startswith("bridge/") for f in NODE_TEST_FILES), "bridge/test/*.test.js is empty"
    assert any(f.startswith("skills/") for f in NODE_TEST_FILES), "skills/test/*.test.js is empty"


@pytest.mark.parametrize("test_file", NODE_TEST_FILES)
def test_node_file(node: Path, test_file: str) -> None:
    proc = subprocess.run(
        [str(node), "--test", "--test-reporter=spec", str(ROOT / test_file)],
        cwd=BRIDGE,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    summary = [line for line in proc.stdout.splitlines() if line.startswith(("✔", "✖", "ℹ", "  ✔", "  ✖"))]
    assert proc.returncode == 0, "\n".join(summary) + "\n--- output tail ---\n" + proc.stdout[-4000:] + proc.stderr[-2000:]
