"""The bridge's own tests (Node's built-in runner), one pytest test per file so a failure names its area."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"
NODE_TEST_FILES = sorted(p.name for p in (BRIDGE / "test").glob("*.test.js"))


def test_bridge_has_node_tests() -> None:
    assert NODE_TEST_FILES, "bridge/test/*.test.js is empty"


@pytest.mark.parametrize("test_file", NODE_TEST_FILES)
def test_node_file(node: Path, test_file: str) -> None:
    proc = subprocess.run(
        [str(node), "--test", "--test-reporter=spec", f"test/{test_file}"],
        cwd=BRIDGE,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    summary = [line for line in proc.stdout.splitlines() if line.startswith(("✔", "✖", "ℹ", "  ✔", "  ✖"))]
    assert proc.returncode == 0, "\n".join(summary) + "\n--- output tail ---\n" + proc.stdout[-4000:] + proc.stderr[-2000:]
