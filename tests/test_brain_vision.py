"""The vision encoder (brain/model/vision.py), its labelled data (brain/data/vision_frames.py) and the "vision" phase."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from brain.model.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from brain.training.options import TrainOptions
from brain.model.vision import CLASS_INDEX, CLASS_NAMES, NUM_CLASSES, VisionConfig, VisionEncoder
from brain.data.vision_frames import (ENTITY_FLAG, LabelledFrames, VisionDataError,
                               block_class, label_lookup, labels_to_classes, load_labelled_frames, save_shard,
                               split_by_group)
from brain.training.vision import evaluate, load_encoder, run, train_encoder
from skills.vocabulary import game_data

SMALL = dict(image_size=64, channels=(8, 16, 32), label_grid=16, num_tokens=2, out_dim=32)
# Synthetic scene classes and their colours (RGB): sky on top, two ground classes side by side below.
COLOURS = {"sky": (120, 170, 250), "grass_block": (70, 150, 50), "stone": (125, 125, 125), "log": (100, 70, 40)}
BLOCKS = {"grass_block": "grass_block", "stone": "stone", "log": "oak_log"}   # class -> a block of that class


@pytest.fixture(autouse=True)
def one_thread() -> object:
    """One intra-op thread: these small convolutions gain nothing from two, and spin-waiting threads crawl
    on a CPU shared with other jobs."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def block_id(name: str) -> int:
    return int(game_data().blocks[name]["id"])


def synthetic(n: int, seed: int, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Frames of noisy coloured regions and their raw uint16 labels (block ids, 0 = sky)."""
    rng = np.random.default_rng(seed)
    ground = ["grass_block", "stone", "log"]
    rgb = np.empty((n, size, size, 3), np.uint8)
    labels = np.empty((n, size, size), np.uint16)
    for i in range(n):
        horizon = int(rng.integers(size // 4, 3 * size // 4))
        split = int(rng.integers(size // 4, 3 * size // 4))
        left, right = rng.choice(ground, 2, replace=False)
        names = np.empty((size, size), object)
        names[:horizon] = "sky"
        names[horizon:, :split] = left
        names[horizon:, split:] = right
        for name, colour in COLOURS.items():
            m = names == name
            rgb[i][m] = colour
            labels[i][m] = 0 if name == "sky" else block_id(BLOCKS[name])
        noise = rng.integers(-25, 26, (size, size, 3))
        rgb[i] = np.clip(rgb[i].astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return rgb, labels


def as_frames(rgb: np.ndarray, labels: np.ndarray, group: str) -> LabelledFrames:
    return LabelledFrames(rgb, labels_to_classes(labels), [group] * len(rgb))


# ------------------------------------------------------------------------------------------ encoder

def test_encoder_shapes_and_inputs() -> None:
    torch.manual_seed(0)
    enc = VisionEncoder().eval()
    assert enc.config.image_size == 112 and enc.config.num_tokens == 4 and enc.config.out_dim == 256
    assert enc.config.num_classes == NUM_CLASSES
    frames = torch.randint(0, 256, (2, 224, 224, 3), dtype=torch.uint8)
    with torch.no_grad():
        tokens = enc(frames)
        assert tokens.shape == (2, 4, 256) and tokens.dtype == torch.float32
        assert torch.isfinite(tokens).all()
        # numpy input and any frame size give the same kind of output; a numpy batch equals the tensor batch
        assert torch.allclose(enc(frames.numpy()), tokens)
        assert enc(np.zeros((1, 96, 128, 3), np.uint8)).shape == (1, 4, 256)
        out = enc.forward_all(frames)
        assert out.label_logits.shape == (2, NUM_CLASSES, 28, 28)
        assert out.histogram_logits.shape == (2, NUM_CLASSES)
        assert torch.allclose(out.tokens, tokens)
        # frames are independent: the first frame alone gives its row of the batch
        assert torch.allclose(enc(frames[:1]), tokens[:1], atol=1e-5)
    with pytest.raises(ValueError, match="uint8"):
        enc(frames.float())
    with pytest.raises(ValueError, match="B×H×W×3"):
        enc(frames[0])
    with pytest.raises(ValueError, match="B×H×W×3"):
        enc(frames.permute(0, 3, 1, 2).contiguous())
    with pytest.raises(ValueError, match="empty"):
        enc(frames[:0])
    with pytest.raises(ValueError, match="multiple of 16"):
        VisionConfig(image_size=100)


# ------------------------------------------------------------------------------------------ labels

def test_label_class_mapping() -> None:
    raw = np.array([[0, block_id("stone"), block_id("oak_log"), block_id("birch_leaves")],
                    [block_id("deepslate_iron_ore"), block_id("diamond_ore"), block_id("crafting_table"),
                     ENTITY_FLAG + 5]], np.uint16)
    classes = labels_to_classes(raw)
    assert classes.dtype == np.uint8 and classes.shape == raw.shape
    names = [[CLASS_NAMES[c] for c in row] for row in classes]
    assert names == [["sky", "stone", "log", "leaves"], ["iron_ore", "other_ore", "other_block", "entity"]]
    assert block_class("grass_block") == "grass_block" and block_class("water") == "water"
    assert block_class("short_grass") == "plant" and block_class("deepslate_coal_ore") == "coal_ore"
    # every class except the catch-alls is reachable from some block (no dead rows in the label head)
    table = label_lookup()
    reachable = {CLASS_NAMES[c] for c in np.unique(table)}
    assert reachable == set(CLASS_NAMES)
    assert CLASS_INDEX["sky"] == 0
    with pytest.raises(ValueError, match="uint16"):
        labels_to_classes(raw.astype(np.int32))


def test_split_by_group_keeps_worlds_apart() -> None:
    rgb, labels = synthetic(12, seed=1, size=16)
    data = LabelledFrames(rgb, labels_to_classes(labels), [f"seed:{i % 4}" for i in range(12)])
    train, held = split_by_group(data, 0.25, seed=0)
    assert len(train) + len(held) == 12 and len(held) == 3
    assert not set(train.groups) & set(held.groups)
    # one world only: the last frames are held out instead
    single = LabelledFrames(rgb, labels_to_classes(labels), ["seed:1"] * 12)
    train, held = split_by_group(single, 0.25)
    assert len(held) == 3 and np.array_equal(held.rgb, rgb[9:])


# ------------------------------------------------------------------------------------------ training

def test_training_on_synthetic_scenes_beats_majority_baseline() -> None:
    torch.manual_seed(0)
    train = as_frames(*synthetic(48, seed=1), "seed:1")
    held = as_frames(*synthetic(16, seed=2), "seed:2")
    enc = VisionEncoder(VisionConfig(**SMALL))
    counts = train.class_counts()
    majority = int(counts.argmax())
    hist_mean = torch.tensor(counts / counts.sum(), dtype=torch.float32)
    before = evaluate(enc, held, hist_mean, majority)
    losses = train_encoder(enc, train, steps=120, batch_size=16, lr=3e-3, seed=0, log_every=0)
    after = evaluate(enc, held, hist_mean, majority)
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    baseline = after["baseline"]["pixel_accuracy"]
    assert baseline < 0.6
    assert after["pixel_accuracy"] > 0.85 and after["pixel_accuracy"] > baseline + 0.3, after
    assert after["mean_iou"] > 0.6 > after["baseline"]["mean_iou"]
    assert after["pixel_accuracy"] > before["pixel_accuracy"]
    for name in COLOURS:
        assert after["per_class"][name]["accuracy"] > 0.7, (name, after["per_class"])
    # the token path learnt the frame's class proportions better than guessing the mean
    assert after["histogram_l1"] < after["histogram_l1_baseline"]


# ------------------------------------------------------------------------------------------ phase + checkpoint

def _options(tmp_path: Path, data: Path, **kw: object) -> TrainOptions:
    extra = {k: str(v) for k, v in SMALL.items() if k != "channels"}
    extra["channels"] = ",".join(str(c) for c in SMALL["channels"])
    options = TrainOptions(phase="vision", out=tmp_path / "ckpt", backbone="tiny-random", sessions=[data], steps=6,
                           batch_size=4, lr=1e-3, eval_fraction=0.5, log_every=0, extra=extra)
    for key, value in kw.items():
        setattr(options, key, value)
    return options


def test_phase_writes_a_checkpoint_that_round_trips(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for seed in (1, 2):
        rgb, labels = synthetic(4, seed=seed, size=32)
        save_shard(data / f"seed_{seed}.npz", list(rgb), list(labels), seed)
    # an init checkpoint with another part: it must be copied through untouched
    from brain.model.backbone import load_backbone
    from skills.vocabulary import vocabulary_fingerprint

    fp = load_backbone("tiny-random").fingerprint
    lora = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    save_checkpoint(tmp_path / "init", {"lora": lora},
                    CheckpointMeta("tiny-random", fp, vocabulary_fingerprint(), history=[{"phase": "pretrain"}]))

    report = run(_options(tmp_path, data), progress=lambda _: None)
    assert report["train_groups"] != report["held_out_groups"] and report["held_out_frames"] == 4
    parts, meta = load_checkpoint(tmp_path / "ckpt", backbone_fingerprint=fp,
                                  vocabulary_fingerprint=vocabulary_fingerprint())
    assert set(parts) == {"vision"} and meta.configs["vision"]["image_size"] == 64
    assert [h["phase"] for h in meta.history] == ["vision"]
    enc = load_encoder(tmp_path / "ckpt").eval()
    frames = torch.from_numpy(synthetic(2, seed=9, size=32)[0])
    with torch.no_grad():
        first = enc(frames)
    for name, tensor in enc.state_dict().items():
        assert torch.equal(tensor, parts["vision"][name]), name

    # continue from it, with the init's lora part: copied through, history appended, encoder trained further
    save_checkpoint(tmp_path / "init", {"lora": lora, "vision": parts["vision"]},
                    CheckpointMeta("tiny-random", fp, vocabulary_fingerprint(), configs=meta.configs,
                                   history=[{"phase": "pretrain"}]))
    opts = _options(tmp_path, data, init=tmp_path / "init")
    opts.out = tmp_path / "ckpt2"
    run(opts, progress=lambda _: None)
    parts2, meta2 = load_checkpoint(tmp_path / "ckpt2")
    assert torch.equal(parts2["lora"]["w"], lora["w"])
    assert [h["phase"] for h in meta2.history] == ["pretrain", "vision"]
    with torch.no_grad():
        assert not torch.allclose(load_encoder(tmp_path / "ckpt2").eval()(frames), first)


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VisionDataError, match="does not exist"):
        load_labelled_frames([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(VisionDataError, match="no labelled-frame shards"):
        load_labelled_frames([tmp_path / "empty"])
    from brain.model.checkpoint import CheckpointError

    save_checkpoint(tmp_path / "novision", {"lora": {"w": torch.zeros(1)}}, CheckpointMeta("tiny-random", "x", "y"))
    with pytest.raises(CheckpointError, match="no vision encoder"):
        load_encoder(tmp_path / "novision")
    with pytest.raises(VisionDataError, match="needs labelled frames"):
        run(TrainOptions(phase="vision", out=tmp_path / "o", backbone="tiny-random"), progress=lambda _: None)


def test_sessions_recorded_with_labels_are_read(tmp_path: Path) -> None:
    from agent.recording import SessionRecorder

    rgb, labels = synthetic(3, seed=4, size=32)
    with SessionRecorder(tmp_path / "s1", {"seed": 4}) as rec:
        for i in range(3):   # the middle frame has no labels: it is skipped
            rec.add_frame(rgb[i], labels=labels[i] if i != 1 else None)
    data = load_labelled_frames([tmp_path], size=(32, 32))
    assert len(data) == 2 and data.groups == [f"session:{tmp_path / 's1'}"] * 2
    assert np.array_equal(data.classes[1], labels_to_classes(labels[2]))
    with SessionRecorder(tmp_path / "nolabels" / "s", {}) as rec:
        rec.add_frame(rgb[0])
    with pytest.raises(VisionDataError, match="hold no labelled frames"):
        load_labelled_frames([tmp_path / "nolabels"])


@pytest.mark.slow
def test_collect_real_labelled_frames(tmp_path: Path) -> None:
    from brain.data.vision_frames import CollectSettings, collect

    paths = collect(tmp_path, [3], CollectSettings(frames_per_seed=4, seconds_per_seed=30), progress=lambda _: None)
    data = load_labelled_frames(paths)
    assert len(data) >= 2 and data.rgb.shape[1:] == (224, 224, 3)
    shares = data.class_counts() / data.class_counts().sum()
    # a surface start in daylight: some sky and some ground, and labels that are not all one class
    assert (shares > 0.01).sum() >= 2


@pytest.mark.slow
def test_env_records_labels_when_asked(tmp_path: Path) -> None:
    from agent.registration import make_env

    env = make_env(task="wooden_sword", record_dir=tmp_path, record_labels=True, max_steps=1)
    try:
        obs, info = env.reset(seed=3)
        labels = info["labels"]
        assert labels.shape == obs["frame"].shape[:2] and labels.dtype == np.uint16
    finally:
        env.close()
    data = load_labelled_frames([tmp_path])
    assert len(data) == 1 and data.groups[0].startswith("session:")
    assert len(np.unique(data.classes[0])) >= 2
