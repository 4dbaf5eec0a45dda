"""LARM checkpoints: trainable parts only, exact round trip, refusal of another backbone or vocabulary,
clear errors for corrupt or missing files, and atomic writes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from brain.model.checkpoint import META, WEIGHTS, CheckpointError

TASK_TEXT = "craft a wooden sword"


def _inputs() -> list[Any]:
    from brain.data.decisions import DecisionInput
    from skills.vocabulary import action_mask, vocabulary

    out = []
    for i, inv in enumerate(({}, {"oak_log": 3}, {"oak_planks": 4, "stick": 2})):
        state = {"inventory": inv, "health": 20, "food": 20, "position": {"x": 0, "y": 70, "z": 0},
                 "nearby_blocks": {"radius": 16, "counts": {"oak_log": 5}}}
        frame = np.random.default_rng(i).integers(0, 255, (64, 80, 3), dtype=np.uint8)
        out.append(DecisionInput(TASK_TEXT, state, frame, action_mask(vocabulary(), state)))
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, torch.Tensor, torch.Tensor]:
    """A tiny LARM (vision on) with non-trivial LoRA and heads, saved; its logits and values on _inputs()."""
    from brain.model.larm import LarmConfig, LarmModel

    torch.manual_seed(1)
    model = LarmModel.create(LarmConfig(backbone="tiny-random", max_prompt_tokens=128))
    with torch.no_grad():  # LoRA's B starts at zero: give it values so the round trip is a real test
        for name, p in model.lm.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    folder = tmp_path_factory.mktemp("ck") / "larm"
    model.save(folder, {"phase": "test"})
    with torch.no_grad():
        out = model(_inputs())
    return folder, out.logits, out.value


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_save_then_load_gives_identical_logits(saved: tuple[Path, torch.Tensor, torch.Tensor]) -> None:
    from brain.model.larm import LarmModel

    folder, logits, value = saved
    model, parts, meta = LarmModel.from_checkpoint(folder)
    assert set(parts) == {"lora", "heads", "vision"}                      # trainable parts only, no backbone
    assert all("lora_" in k for k in parts["lora"])                      # adapters, not the frozen weights
    assert meta.backbone == "tiny-random" and meta.history == [{"phase": "test"}]
    assert meta.configs["larm"]["vision"] is not None
    with torch.no_grad():
        again = model(_inputs())
    assert torch.equal(again.logits, logits) and torch.equal(again.value, value)


def test_another_backbone_or_vocabulary_is_refused(saved: tuple[Path, torch.Tensor, torch.Tensor],
                                                   tmp_path: Path) -> None:
    from brain.model.larm import LarmModel

    folder, _, _ = saved
    for field, message in (("backbone_fingerprint", "trained on backbone"), ("vocabulary_fingerprint", "vocabulary")):
        other = _copy(folder, tmp_path / field)
        meta = json.loads((other / META).read_text())
        meta[field] = "0" * 16
        (other / META).write_text(json.dumps(meta))
        with pytest.raises(CheckpointError, match=message):
            LarmModel.from_checkpoint(other)


def test_corrupt_or_missing_files_are_clear_errors(saved: tuple[Path, torch.Tensor, torch.Tensor],
                                                   tmp_path: Path) -> None:
    from brain.model.larm import LarmModel

    folder, _, _ = saved
    truncated = _copy(folder, tmp_path / "truncated")
    data = (truncated / WEIGHTS).read_bytes()
    (truncated / WEIGHTS).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt"):
        LarmModel.from_checkpoint(truncated)
    no_weights = _copy(folder, tmp_path / "no_weights")
    (no_weights / WEIGHTS).unlink()
    with pytest.raises(CheckpointError, match="missing"):
        LarmModel.from_checkpoint(no_weights)
    bad_meta = _copy(folder, tmp_path / "bad_meta")
    (bad_meta / META).write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt"):
        LarmModel.from_checkpoint(bad_meta)
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        LarmModel.from_checkpoint(tmp_path / "nothing_here")
    no_larm = _copy(folder, tmp_path / "no_larm")  # e.g. a vision-phase checkpoint: no policy in it
    meta = json.loads((no_larm / META).read_text())
    del meta["configs"]["larm"]
    (no_larm / META).write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="holds no LARM policy"):
        LarmModel.from_checkpoint(no_larm)


def test_a_crash_while_saving_leaves_the_old_checkpoint(saved: tuple[Path, torch.Tensor, torch.Tensor],
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import brain.model.checkpoint as checkpoint
    from brain.model.larm import LarmModel

    folder, logits, _ = saved
    target = _copy(folder, tmp_path / "target")
    model, _, _ = LarmModel.from_checkpoint(target)
    with torch.no_grad():
        model.heads.skill_token.add_(1.0)  # what a second save would write: different weights

    def crash(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("killed while writing the weights")

    monkeypatch.setattr(checkpoint, "save_file", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(target, {"phase": "second"})
    monkeypatch.undo()
    assert _folders(tmp_path) == ["target"]                              # no temporary folder left behind
    reloaded, _, meta = LarmModel.from_checkpoint(target)
    assert meta.history == [{"phase": "test"}]
    with torch.no_grad():
        assert torch.equal(reloaded(_inputs()).logits, logits)
    model.save(target, {"phase": "second"})                              # and a completed save replaces it
    assert [h["phase"] for h in LarmModel.from_checkpoint(target)[2].history] == ["test", "second"]


def test_a_crash_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    """Saving moves the old folder aside, then the new one into place; a crash in between loses nothing."""
    from brain.model.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint

    target = tmp_path / "ck"
    save_checkpoint(target, {"heads": {"w": torch.ones(3)}}, CheckpointMeta("tiny-random", "b", "v"))
    target.rename(tmp_path / f".ck.old-{12345}")          # the state a crash right after the first rename leaves
    assert not target.exists()
    parts, meta = load_checkpoint(target, "b", "v")
    assert torch.equal(parts["heads"]["w"], torch.ones(3)) and meta.backbone == "tiny-random"
    assert target.is_dir() and _folders(tmp_path) == ["ck"]


def _folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.is_dir())


def _save_many(target: Path, start: int, count: int) -> None:
    from brain.model.checkpoint import CheckpointMeta, save_checkpoint

    for i in range(start, start + count):
        save_checkpoint(target, {"heads": {"w": torch.full((64,), float(i))}},
                        CheckpointMeta("tiny-random", "b", "v", history=[{"save": i}]))


def test_concurrent_writers_and_a_reader_lose_no_save_and_see_no_half_swap(tmp_path: Path) -> None:
    """An eval loading the checkpoint a training run keeps saving: every load is one whole save (weights and
    meta of the same save), no save fails, and nothing is left beside the checkpoint but its lock."""
    import multiprocessing

    from brain.model.checkpoint import load_checkpoint

    target = tmp_path / "ck"
    _save_many(target, 0, 1)
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_save_many, args=(target, 1000 * (w + 1), 150)) for w in range(2)]
    for writer in writers:
        writer.start()
    loads = 0
    while any(writer.is_alive() for writer in writers) or loads < 50:
        parts, meta = load_checkpoint(target, "b", "v")
        saved = meta.history[0]["save"]
        assert torch.equal(parts["heads"]["w"], torch.full((64,), float(saved))), f"weights of another save than {saved}"
        loads += 1
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0, "a save failed"
    assert load_checkpoint(target, "b", "v")[1].history[0]["save"] in (1149, 2149)
    assert _folders(tmp_path) == ["ck"] and loads >= 50
    print(f"figure: 300 saves by two writer processes, {loads} loads by a third: 0 failed, no folder left beside it")


def test_a_killed_saves_temporary_folder_is_removed_by_the_next_save(tmp_path: Path) -> None:
    from brain.model.checkpoint import load_checkpoint

    stale = tmp_path / ".ck.tmp-x1y2z3"
    stale.mkdir()
    (stale / "trainable.safetensors").write_bytes(b"half")
    _save_many(tmp_path / "ck", 0, 1)
    assert _folders(tmp_path) == ["ck"]
    assert load_checkpoint(tmp_path / "ck")[1].history == [{"save": 0}]


def test_reading_a_checkpoint_leaves_no_file_behind(tmp_path: Path) -> None:
    """A checkpoint shipped in the repository is read without a lock file appearing beside it."""
    from brain.model.checkpoint import load_checkpoint

    _save_many(tmp_path / "ck", 0, 1)
    (tmp_path / ".ck.lock").unlink()
    load_checkpoint(tmp_path / "ck")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]


def test_a_checkpoint_made_before_the_argument_head_loads_without_one() -> None:
    from brain.model.larm import LarmConfig, LarmModel

    old = LarmConfig(backbone="tiny-random", vision=None, max_prompt_tokens=128).to_dict()
    del old["arguments"]
    config = LarmConfig.from_dict(old)
    assert config.arguments is False and LarmConfig.from_dict(LarmConfig(backbone="tiny-random").to_dict()).arguments
    model = LarmModel.create(config)
    assert model.heads.argument is None and not any(k.startswith("argument") for k in model.heads.state_dict())
    with pytest.raises(ValueError, match="no argument head"):
        model.argument_logits(torch.zeros(1, model.hidden_size), torch.tensor([0]))
