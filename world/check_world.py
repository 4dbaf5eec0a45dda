"""The check-world command: run world/check/check_world.js and report one row per survival mechanic.

check_world.js starts a fresh embedded server and a mineflayer bot in one Node process, exercises every
mechanic through the protocol, streams a progress line per check on stderr and prints one JSON document
on stdout. This module runs it, relays the progress, parses the document and prints a table (or the JSON).
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence, TextIO

from world.node_runtime import REPO_ROOT, WORLD_DIR, NodeRuntimeError, node_binary

CHECK_SCRIPT = WORLD_DIR / "check" / "check_world.js"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_COULD_NOT_RUN = 0, 1, 2, 3


class CheckWorldError(RuntimeError):
    """check_world.js could not run or printed no report."""


@dataclass(frozen=True)
class MechanicRow:
    """One mechanic's result."""

    mechanic: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class CheckWorldReport:
    """The parsed JSON document of one check-world run."""

    seed: int
    rows: list[MechanicRow]
    ok: bool
    seconds: float = 0.0
    recipe_coverage: dict[str, Any] | None = None
    ore_census: dict[str, Any] | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CheckWorldReport:
        rows = [MechanicRow(str(r["mechanic"]), bool(r["ok"]), float(r.get("seconds", 0)), str(r.get("detail", ""))) for r in doc.get("rows", [])]
        return cls(
            seed=int(doc.get("seed", 0)),
            rows=rows,
            ok=bool(doc.get("ok")) and all(r.ok for r in rows),
            seconds=float(doc.get("seconds", 0)),
            recipe_coverage=doc.get("recipe_coverage"),
            ore_census=doc.get("ore_census"),
            error=doc.get("error"),
            raw=doc,
        )

    def row(self, mechanic: str) -> MechanicRow | None:
        return next((r for r in self.rows if r.mechanic == mechanic), None)


def _command(node: Path, seed: int, recipes: str, only: Sequence[str] | None, verbose: bool) -> list[str]:
    cmd = [str(node), str(CHECK_SCRIPT), "--seed", str(seed), "--recipes", str(recipes)]
    if only:
        cmd += ["--only", ",".join(only)]
    if verbose:
        cmd.append("--verbose")
    return cmd


def _relay(stream: TextIO | None, sink: TextIO | None, tail: list[str]) -> None:
    assert stream is not None
    for line in stream:
        tail.append(line)
        del tail[:-40]
        if sink is not None:
            sink.write(line)
            sink.flush()


def parse_report(stdout: str) -> dict[str, Any] | None:
    """The last stdout line that is a JSON report (an object with 'rows')."""
    for line in reversed(stdout.splitlines()):
        start = line.find("{")
        if start < 0:
            continue
        try:
            doc = json.loads(line[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict) and "rows" in doc:
            return doc
    return None


def run_check_world(
    seed: int = 1,
    recipes: str = "all",
    only: Sequence[str] | None = None,
    verbose: bool = False,
    progress: TextIO | None | str = "stderr",
    timeout: float | None = None,
) -> tuple[CheckWorldReport, int]:
    """Run check_world.js; returns the report and the script's exit code.

    progress: where the per-check lines go: "stderr" (the current sys.stderr), a stream, or None.
    """
    sink: TextIO | None = sys.stderr if isinstance(progress, str) else progress
    node = node_binary()
    proc = subprocess.Popen(
        _command(node, seed, recipes, only, verbose),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    tail: list[str] = []
    out: list[str] = []
    readers = [
        threading.Thread(target=_relay, args=(proc.stderr, sink, tail), daemon=True),
        threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else ""), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise CheckWorldError(f"check_world.js did not finish within {timeout} s") from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    for reader in readers:
        reader.join(10)
    stdout = "".join(out)
    doc = parse_report(stdout)
    if doc is None:
        raise CheckWorldError(
            f"check_world.js exited with code {proc.returncode} without a report:\n{''.join(tail[-15:])}"
        )
    return CheckWorldReport.from_json(doc), proc.returncode


def list_mechanics() -> list[str]:
    """The mechanics check_world.js checks, in order."""
    out = subprocess.run([str(node_binary()), str(CHECK_SCRIPT), "--list"], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(report: CheckWorldReport, detail_width: int = 110) -> str:
    """A human-readable table: one row per mechanic, then recipe coverage and the ore census."""
    name_w = max([len(r.mechanic) for r in report.rows] + [9])
    lines = [f"check-world, seed {report.seed}", f"{'mechanic':<{name_w}}  result  seconds  detail"]
    for r in report.rows:
        lines.append(f"{r.mechanic:<{name_w}}  {'PASS' if r.ok else 'FAIL':<6}  {r.seconds:>7.1f}  {_clip(r.detail, detail_width)}")
    cov = report.recipe_coverage
    if cov:
        if cov.get("available"):
            lines.append(f"\nrecipe coverage: {cov.get('passed', 0)}/{cov.get('total', 0)} ({100 * float(cov.get('share', 0)):.1f}%) of the sampled crafting recipes")
        else:
            lines.append(f"\nrecipe coverage: {cov.get('detail', 'not available')}")
    lines += _census_lines(report.ore_census)
    passed = sum(r.ok for r in report.rows)
    lines.append(f"\n{passed}/{len(report.rows)} mechanics pass in {report.seconds:.0f} s: {'OK' if report.ok else 'FAILED'}")
    if report.error:
        lines.append(f"error: {report.error}")
    return "\n".join(lines)


def _census_lines(census: dict[str, Any] | None) -> list[str]:
    if not census or "ores" not in census:
        return []
    bands = census.get("bands", [])
    lines = [f"\nore census ({census.get('chunks', '?')} chunks around spawn), blocks per height band:"]
    lines.append(f"{'ore':<9}" + "".join(f"{b:>10}" for b in bands) + f"{'total':>9}")
    for ore, c in census["ores"].items():
        lines.append(f"{ore:<9}" + "".join(f"{n:>10}" for n in c.get("bands", [])) + f"{c.get('total', 0):>9}")
    return lines


def report_dict(report: CheckWorldReport) -> dict[str, Any]:
    """The report as plain JSON data (the rows as dicts)."""
    doc = dict(report.raw)
    doc["rows"] = [asdict(r) for r in report.rows]
    doc["ok"] = report.ok
    return doc


def main(seed: int, recipes: str, as_json: bool, only: Sequence[str] | None = None, verbose: bool = False) -> int:
    """Entry point of `run_agent.py check-world`; returns the process exit code."""
    try:
        report, code = run_check_world(seed=seed, recipes=recipes, only=only, verbose=verbose)
    except (NodeRuntimeError, CheckWorldError) as err:
        print(f"check-world: {err}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    if as_json:
        print(json.dumps(report_dict(report), indent=2))
    else:
        print(format_table(report))
    if code == EXIT_USAGE:
        return EXIT_USAGE
    if report.error:
        return EXIT_COULD_NOT_RUN
    return EXIT_OK if report.ok else EXIT_FAILED
