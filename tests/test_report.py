"""`run_agent.py report` (brain/evaluation/progress.py): eval reports placed by their checkpoints' training
history (DAgger iteration, decisions trained on), as a table, JSON rows and a PNG; and its bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

SEEDS = [1000900, 1000901]


def _eval_report(path: Path, successes: dict[str, int], checkpoint: Path | None = None, **fields: object) -> Path:
    """An `eval --policy larm --json` report's fields that the report reads (two worlds)."""
    report = {"task": "enchanted_diamond_sword", "policy": "larm", "seeds": SEEDS, "seed_ranges": ["evaluation"],
              "tiers": {name: {"successes": n, "episodes": 2} for name, n in successes.items()},
              "repeated_failure_rate": 0.25, "ends": {"stuck": 2}, **fields}
    if checkpoint is not None:
        report["checkpoint"] = str(checkpoint)
    path.write_text(json.dumps(report))
    return path


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A cloning checkpoint (the expert played every world) and one DAgger iteration on from it, then a
    retraining on the same sessions (nothing played: not an iteration)."""
    from brain.model.larm import LarmConfig, LarmModel

    root = tmp_path_factory.mktemp("checkpoints")
    model = LarmModel.create(LarmConfig(backbone="tiny-random", vision=None))
    clone = model.save(root / "clone", {"phase": "dagger", "iteration": 1, "beta": 1.0, "decisions": 40})
    model.save(root / "dagger_1", {"phase": "dagger", "iteration": 1, "beta": 0.5, "decisions": 90})
    dagger = model.save(root / "refit", {"phase": "dagger", "iteration": 1, "beta": None, "decisions": 120})
    return clone, dagger


def test_report_places_each_evaluation_by_its_checkpoints_history(tmp_path: Path,
                                                                   checkpoints: tuple[Path, Path]) -> None:
    clone, dagger = checkpoints
    later = _eval_report(tmp_path / "dagger.json", {"wooden": 2, "stone": 2, "iron": 1}, checkpoint=dagger)
    first = _eval_report(tmp_path / "clone.json", {"wooden": 2, "stone": 1, "iron": 0})  # names no checkpoint
    png = tmp_path / "progress.png"
    result = run_cli("report", str(later), f"{first}={clone}", "--png", str(png))
    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[0].startswith("| iteration | labelled decisions | wooden | stone | iron | diamond |")
    assert table[2] == "| 0 | 40 | 2/2 | 1/2 | 0/2 | - | - | 0.250 |"           # sorted by iteration
    assert table[3] == "| 1 | 120 | 2/2 | 2/2 | 1/2 | - | - | 0.250 |"          # the refit is no iteration
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

    result = run_cli("report", f"{first}={clone}", str(later), "--json")
    rows = json.loads(result.stdout)
    assert [(r["iteration"], r["labelled_decisions"]) for r in rows] == [(0, 40), (1, 120)]
    assert rows[1]["checkpoint"] == str(dagger) and rows[1]["tiers"]["iron"] == {"successes": 1, "episodes": 2}


def test_report_refuses_what_it_cannot_place(tmp_path: Path, checkpoints: tuple[Path, Path]) -> None:
    from brain.evaluation.progress import ReportError, check_comparable, load_point

    clone, dagger = checkpoints
    unnamed = _eval_report(tmp_path / "unnamed.json", {"wooden": 2})
    result = run_cli("report", str(unnamed))
    assert result.returncode == 2 and f"{unnamed} does not name its checkpoint: give it as {unnamed}=CHECKPOINT" \
        in result.stderr and not result.stdout
    with pytest.raises(ReportError, match="evaluates the 'expert' policy"):
        load_point(str(_eval_report(tmp_path / "expert.json", {"wooden": 2}, policy="expert")))
    with pytest.raises(ReportError, match="not an eval --json report"):
        load_point(str(tmp_path / "missing.json"))
    (tmp_path / "other.json").write_text(json.dumps({"episodes": 3}))
    with pytest.raises(ReportError, match="no per-tier results"):
        load_point(str(tmp_path / "other.json"))
    with pytest.raises(ReportError, match="not a checkpoint"):
        load_point(f"{unnamed}={tmp_path}")
    other_seeds = _eval_report(tmp_path / "seeds.json", {"wooden": 2}, checkpoint=dagger, seeds=[1000950, 1000951])
    with pytest.raises(ReportError, match="differs in its seeds"):
        check_comparable([load_point(f"{unnamed}={clone}"), load_point(str(other_seeds))])
