"""`train --phase dagger` (brain/training/dagger.py): the expert labels the learner's own states in real
embedded worlds, the frozen-trunk LARM retrains on them, and each iteration is evaluated; and its bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli


def _train(*args: str, timeout: float = 60) -> tuple[int, str]:
    result = run_cli("train", *args, timeout=timeout)
    return result.returncode, result.stderr


def test_dagger_refuses_what_it_cannot_learn_from(tmp_path: Path) -> None:
    from agent.recording import SessionRecorder
    from brain.model.checkpoint import CheckpointError
    from brain.model.larm import LarmConfig, LarmModel
    from brain.training import dagger
    from brain.training.options import TrainOptions

    code, err = _train("--phase", "bc", "--out", str(tmp_path / "out"), "--iterations", "2", "--backbone", "tiny-random")
    assert code == 2 and "--iterations: only --phase dagger plays worlds in a loop" in err

    def run(**fields: object) -> None:
        options = {"phase": "dagger", "out": tmp_path / "out", "backbone": "tiny-random", **fields}
        dagger.run(TrainOptions(**options), lambda m: None)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="evaluation seed"):
        run(extra={"world_seed": "1000000"})
    with pytest.raises(ValueError, match="evaluated on evaluation seeds"):
        run(extra={"eval_seed_start": "5"})
    lora = tmp_path / "lora"
    LarmModel.create(LarmConfig(backbone="tiny-random", vision=None)).save(lora, {"phase": "bc"})
    with pytest.raises(CheckpointError, match="trunk 'lora'.*frozen-trunk"):
        run(init=lora)
    with SessionRecorder(tmp_path / "sessions" / "random_play", {"task": "wooden_pickaxe", "seed": 3,
                                                                 "policy": {"name": "random"}}) as rec:
        rec.log_reset("text", state={"inventory": {}})
        rec.log_step(1, "text", "explore", {"ok": True}, 0.0, state={"inventory": {}})
    with pytest.raises(ValueError, match="random_play has no expert labels"):
        run(sessions=[tmp_path / "sessions"])
    with pytest.raises(ValueError, match="--episodes 0 plays no world and retrains on --sessions only"):
        run(episodes=0)


@pytest.mark.slow
def test_dagger_plays_labels_retrains_and_evaluates_in_real_worlds(tmp_path: Path) -> None:
    from brain.model.larm import LarmModel

    out = tmp_path / "dagger"
    code, err = _train("--phase", "dagger", "--out", str(out), "--backbone", "tiny-random", "--iterations", "2",
                       "--episodes", "1", "--steps", "5", "--batch-size", "4", "--lr", "1e-3", "--eval-fraction", "0",
                       "--set", "max_steps=4", "--set", "eval_seeds=1", "--set", "eval_every=2", "--set", "beta=0",
                       "--set", "world_seed=4242",
                       timeout=600)
    assert code == 0, err[-3000:]
    rows = json.loads((out / "dagger.json").read_text())["rows"]
    assert [r["iteration"] for r in rows] == [1, 2] and [r["beta"] for r in rows] == [1.0, 0.0]
    assert [r["dagger_iteration"] for r in rows] == [0, 1]                 # the expert alone, then the learner
    for it, actor in ((1, "expert"), (2, "learner")):
        (session,) = (out / "sessions" / f"iter_{it}").iterdir()
        steps = [json.loads(line) for line in (session / "events.jsonl").read_text().splitlines()]
        steps = [e for e in steps if e["type"] == "step"]
        assert steps and all(e["actor"] == actor and e["label"]["token"] for e in steps)   # every state labelled
        assert json.loads((session / "metadata.json").read_text())["seed"] == 4242 + it - 1  # training seeds
    assert rows[1]["labelled_decisions"] > rows[0]["labelled_decisions"] > 0               # the dataset grows
    assert "evaluation" not in rows[0]                                                    # eval_every=2
    assert rows[1]["evaluation"]["episodes"] == 1 and "wooden" in rows[1]["evaluation"]["tiers"]
    assert all(row["fit"]["steps"] == 5 and row["fit"]["decisions_per_s"] > 0 for row in rows)
    (evaluated,) = (out / "eval" / "iter_2").iterdir()
    assert json.loads((evaluated / "metadata.json").read_text())["seed"] == 1_500_000       # an evaluation seed
    assert (out / "dagger.png").read_bytes()[:4] == b"\x89PNG"
    model, _, meta = LarmModel.from_checkpoint(out / "latest")
    assert model.config.trunk == "frozen" and [h["iteration"] for h in meta.history] == [1, 2]
    assert LarmModel.from_checkpoint(out / "iter_1")[2].history[-1]["iteration"] == 1

    # --episodes 0: DAgger's aggregate step alone, retraining --init on the labelled sessions, no world
    again = tmp_path / "refit"
    code, err = _train("--phase", "dagger", "--out", str(again), "--init", str(out / "latest"), "--episodes", "0",
                       "--sessions", str(out / "sessions" / "iter_1"), str(out / "sessions" / "iter_2"),
                       "--steps", "5", "--batch-size", "4", "--eval-fraction", "0", "--set", "eval_seeds=0")
    assert code == 0, err[-3000:]
    (row,) = json.loads((again / "dagger.json").read_text())["rows"]
    assert row["labelled_decisions"] == rows[1]["labelled_decisions"] and row["played"]["episodes"] == 0
    assert row["beta"] is None and (out / "states.pt").is_file()           # nothing played; the states kept
    assert not (again / "sessions").exists() and "playing" not in err
    assert [h["iteration"] for h in LarmModel.from_checkpoint(again / "latest")[2].history] == [1, 2, 1]
