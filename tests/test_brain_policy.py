"""brain/policy.py: LARM as the agent's policy (the live input, checkpoint loading, what sessions say of it),
and how the command line builds it. A trained policy plays in test_brain_larm.py's behaviour-cloning test."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from brain.policy import LarmPolicy, checkpoint_meta, input_from_observation
from conftest import run_cli
from skills.vocabulary import vocabulary


def test_a_missing_or_broken_checkpoint_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such checkpoint"):
        LarmPolicy(str(tmp_path / "nope"), "wooden_sword")
    (tmp_path / "notone").mkdir()
    with pytest.raises(ValueError, match="cannot load"):
        LarmPolicy(str(tmp_path / "notone"), "wooden_sword")


def test_larm_without_a_checkpoint_plays_the_shipped_one_or_says_there_is_none(monkeypatch, tmp_path: Path) -> None:
    import brain.policy
    import run_agent

    if brain.policy.default_checkpoint() is not None:
        _, meta = run_agent._policies("larm", "wooden_sword", None)
        assert meta["checkpoint"] == str(brain.policy.SHIPPED_CHECKPOINT) and "checkpoint_error" not in meta
    monkeypatch.setattr(brain.policy, "SHIPPED_CHECKPOINT", tmp_path / "none")
    build, meta = run_agent._policies("larm", "wooden_sword", None)
    assert "checkpoint" not in meta
    with pytest.raises(ValueError, match="needs --checkpoint DIR.*no shipped checkpoint"):
        build(1)


def test_an_observation_missing_fields_is_refused_by_name() -> None:
    """A live decision without its state or mask is an error naming the field, never a guessed input."""
    mask = np.ones(len(vocabulary()), dtype=bool)
    state = {"inventory": {"oak_log": 2}, "health": 20}
    recent = [{"token": "mine:oak_log", "ok": True, "inventory_delta": {"oak_log": 2}}]
    ok = input_from_observation({"text": "ignored"}, {"action_mask": mask, "state": state, "recent": recent}, "wooden_sword")
    assert ok.frame is None and ok.mask.shape == mask.shape and ok.state == state and list(ok.recent) == recent
    assert ok.task == "craft a wooden sword"
    with pytest.raises(ValueError, match="no state"):
        input_from_observation({"frame": np.zeros((4, 4, 3), np.uint8)}, {"action_mask": mask}, "wooden_sword")
    with pytest.raises(ValueError, match="action_mask"):
        input_from_observation({}, {"state": state}, "wooden_sword")


def test_the_command_line_refuses_a_bad_temperature_or_head() -> None:
    result = run_cli("eval", "--policy", "larm", "--checkpoint", "x", "--temperature", "-1")
    assert result.returncode == 2 and "--temperature must be 0" in result.stderr
    result = run_cli("eval", "--policy", "expert", "--temperature", "0.5")
    assert result.returncode == 2 and "--temperature applies to --policy larm only" in result.stderr
    result = run_cli("play", "--policy", "expert", "--head", "cola")
    assert result.returncode == 2 and "--head applies to --policy larm only" in result.stderr


def test_session_metadata_notes_a_checkpoint_it_cannot_read(tmp_path: Path) -> None:
    meta = checkpoint_meta(str(tmp_path))
    assert meta["checkpoint"] == str(tmp_path.resolve()) and "not a checkpoint" in meta["checkpoint_error"]


FRESH_START = {  # a recorded state (seed 200 000, after its first skill): three birch logs, nothing else
    "alive": True, "dimension": "overworld", "biome": "river", "position": {"x": -13.67, "y": 68, "z": -2.5},
    "on_ground": True, "in_water": False, "health": 20, "food": 20, "xp": {"level": 0, "points": 0, "progress": 0},
    "inventory": {"birch_log": 3}, "enchanted": {},
    "equipment": {"hand": "birch_log", "offhand": None, "head": None, "chest": None, "legs": None, "feet": None},
    "nearby_blocks": {"radius": 16, "counts": {"stone": 4924, "water": 1384, "dirt": 1645, "birch_log": 14,
                                               "sugar_cane": 27, "coal_ore": 47, "iron_ore": 3},
                      "nearest": {"birch_log": {"x": -14, "y": 67, "z": -3, "distance": 1},
                                  "stone": {"x": -16, "y": 63, "z": -3, "distance": 5.4}}},
    "nearby_entities": [{"name": "sheep", "kind": "animal", "position": {"x": -9.2, "y": 68, "z": -1.2}, "distance": 4.6}],
    "dropped_items": [],
}


@pytest.mark.slow
def test_the_shipped_checkpoint_plays_on_the_default_backbone() -> None:
    """`--policy larm` with no --checkpoint plays brain/checkpoints/dagger on Gemma 3 270M: it loads, and with
    three logs it makes planks (what the expert does) with an argument the skill accepts."""
    from brain.policy import default_checkpoint
    from skills.vocabulary import action_mask

    checkpoint = default_checkpoint()
    assert checkpoint is not None, "brain/checkpoints/dagger is missing: the project ships a learned policy"
    policy = LarmPolicy(checkpoint, "enchanted_diamond_sword")
    assert policy.head == "skill" and policy.model.heads.argument is not None
    mask = action_mask(vocabulary(), FRESH_START)
    recent = [{"token": "mine:birch_log", "ok": True, "error": None, "inventory_delta": {"birch_log": 3}}]
    token, args = policy.act({}, {"state": FRESH_START, "action_mask": mask, "recent": recent})
    assert token == "craft:birch_planks", token
    assert set(args) <= {"count"}
