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


def test_the_command_line_needs_a_checkpoint_for_larm() -> None:
    for command in ("play", "eval"):
        result = run_cli(command, "--policy", "larm", "--task", "wooden_sword")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"run_agent.py {command}: --policy larm needs --checkpoint DIR" in result.stderr


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
