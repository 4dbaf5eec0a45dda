"""Labelled frames for the vision encoder: the class set, the label mapping, datasets, and a collector.

The renderer can send, with each frame, a per-pixel uint16 label (bridge/PROTOCOL.md): 0 = sky or nothing,
1..0x7fff = the minecraft-data block id of the first visible surface, 0x8000 + id = an entity. Those raw ids
are mapped here onto a small class set (``CLASS_NAMES``): the blocks that matter for the task and that the
embedded world's generator actually places (world/generator), plus "other block", "entity" and "sky".
"""
from __future__ import annotations

import functools
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from brain.model.vision import CLASS_INDEX, NUM_CLASSES

ENTITY_FLAG = 0x8000


def block_class(name: str) -> str:
    """The training class of a minecraft-data block name."""
    if name in ("air", "cave_air", "void_air"):
        return "sky"
    if name in ("stone", "cobblestone", "andesite", "diorite", "granite", "tuff", "bedrock", "mossy_cobblestone"):
        return "stone"
    if name in ("deepslate", "cobbled_deepslate"):
        return "deepslate"
    if name in ("dirt", "coarse_dirt", "rooted_dirt", "farmland", "dirt_path", "clay", "mud"):
        return "dirt"
    if name in ("grass_block", "podzol", "mycelium"):
        return "grass_block"
    if name in ("sand", "red_sand", "sandstone"):
        return "sand"
    if name == "gravel":
        return "gravel"
    if name in ("water", "bubble_column", "seagrass", "tall_seagrass", "kelp", "kelp_plant"):
        return "water"
    if name.endswith("_log") or name.endswith("_wood") or name.endswith("_stem") or name.endswith("_hyphae"):
        return "log"
    if name.endswith("_leaves"):
        return "leaves"
    if name in ("short_grass", "tall_grass", "fern", "large_fern", "dead_bush", "dandelion", "poppy", "blue_orchid",
                "allium", "azure_bluet", "oxeye_daisy", "cornflower", "lily_of_the_valley", "sugar_cane") \
            or name.endswith("_tulip") or name.endswith("_sapling"):
        return "plant"
    if name in ("coal_ore", "deepslate_coal_ore"):
        return "coal_ore"
    if name in ("iron_ore", "deepslate_iron_ore"):
        return "iron_ore"
    if name.endswith("_ore"):
        return "other_ore"
    return "other_block"


@functools.lru_cache(maxsize=1)
def label_lookup() -> np.ndarray:
    """A uint8 table of 0x10000 entries: raw uint16 label -> class index (one fancy-index maps a whole frame)."""
    from skills.vocabulary import game_data

    table = np.full(0x10000, CLASS_INDEX["other_block"], dtype=np.uint8)
    table[0] = CLASS_INDEX["sky"]
    for name, block in game_data().blocks.items():
        table[int(block["id"])] = CLASS_INDEX[block_class(name)]
    table[ENTITY_FLAG:] = CLASS_INDEX["entity"]
    return table


def labels_to_classes(labels: np.ndarray) -> np.ndarray:
    """Raw uint16 labels (any shape) -> uint8 class indices of the same shape."""
    if labels.dtype != np.uint16:
        raise ValueError(f"labels must be uint16 (as the bridge sends them), got {labels.dtype}")
    return label_lookup()[labels]


# ------------------------------------------------------------------------------------------ datasets
#
# A collected dataset is a folder of shards ``<name>.npz``, one per world seed, each holding
#   rgb     N×H×W×3 uint8   (frames as the bridge sends them)
#   labels  N×H×W uint16    (the raw per-pixel labels: block ids, 0x8000 + entity id, 0 sky)
#   seed    int              (the world it came from: the unit of the held-out split)
# Session folders recorded with labels (agent/env.py record_labels=True) are read too: every frame that has
# a frames/labels_NNNNNNNN.png beside it.


class VisionDataError(RuntimeError):
    """No labelled frames where some were expected, or a shard/session is malformed."""


@dataclass
class LabelledFrames:
    rgb: np.ndarray          # N×H×W×3 uint8
    classes: np.ndarray      # N×H×W uint8 class indices (CLASS_NAMES)
    groups: list[str]        # per frame: where it came from ("seed:7", a session path); the held-out unit

    def __post_init__(self) -> None:
        if self.rgb.ndim != 4 or self.rgb.shape[-1] != 3 or self.rgb.dtype != np.uint8:
            raise VisionDataError(f"rgb must be N×H×W×3 uint8, got {self.rgb.shape} {self.rgb.dtype}")
        if self.classes.shape != self.rgb.shape[:3] or self.classes.dtype != np.uint8:
            raise VisionDataError(f"classes must be N×H×W uint8 matching rgb {self.rgb.shape[:3]}, "
                                  f"got {self.classes.shape} {self.classes.dtype}")
        if len(self.groups) != len(self.rgb):
            raise VisionDataError(f"{len(self.groups)} groups for {len(self.rgb)} frames")

    def __len__(self) -> int:
        return len(self.rgb)

    def subset(self, index: np.ndarray | list[int]) -> LabelledFrames:
        idx = np.asarray(index, dtype=np.int64)
        return LabelledFrames(self.rgb[idx], self.classes[idx], [self.groups[i] for i in idx])

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.classes.reshape(-1), minlength=NUM_CLASSES)


def _resize_pair(rgb: np.ndarray, labels: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Bring a frame and its labels to size (h, w): area for colours, nearest for labels (ids never blend)."""
    import cv2

    if rgb.shape[:2] == size:
        return rgb, labels
    rgb = cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    labels = cv2.resize(labels, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return rgb, labels


def save_shard(path: Path, rgb: list[np.ndarray], labels: list[np.ndarray], seed: int | None,
               extra: dict[str, Any] | None = None) -> Path:
    """Write one shard (atomically: a temp file renamed into place)."""
    if not rgb:
        raise VisionDataError(f"no frames to save in {path}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez_compressed(tmp, rgb=np.stack(rgb).astype(np.uint8), labels=np.stack(labels).astype(np.uint16),
                        seed=np.int64(-1 if seed is None else seed),
                        info=np.array(json.dumps(extra or {})))
    os.replace(tmp, path)
    return path


def _read_shard(path: Path, size: tuple[int, int]) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    try:
        with np.load(path) as data:
            rgb, labels, seed = data["rgb"], data["labels"], int(data["seed"])
    except (OSError, KeyError, ValueError) as err:
        raise VisionDataError(f"{path} is not a labelled-frame shard (rgb, labels, seed): {err}") from None
    if rgb.ndim != 4 or labels.shape != rgb.shape[:3]:
        raise VisionDataError(f"{path}: rgb {rgb.shape} and labels {labels.shape} do not match")
    group = f"seed:{seed}" if seed >= 0 else f"shard:{path.name}"
    frames, classes = [], []
    for f, lab in zip(rgb, labels):
        f, lab = _resize_pair(f, lab.astype(np.uint16), size)
        frames.append(f)
        classes.append(labels_to_classes(lab))
    return frames, classes, [group] * len(frames)


def _read_session(folder: Path, size: tuple[int, int]) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    from agent.recording import load_session

    session = load_session(folder)
    label_files = sorted((folder / "frames").glob("labels_*.png"))
    wanted = {int(p.stem.split("_", 1)[1]) for p in label_files}
    frames, classes = [], []
    if wanted:
        for index, rgb in session.frames():
            if index in wanted:
                lab = session.labels(index)
                if lab is None:
                    continue
                rgb, lab = _resize_pair(rgb, lab, size)
                frames.append(rgb)
                classes.append(labels_to_classes(lab))
    return frames, classes, [f"session:{folder}"] * len(frames)


def find_sources(paths: list[Path]) -> list[Path]:
    """Shards (*.npz) and session folders (with metadata.json) under the given paths, sorted."""
    found: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise VisionDataError(f"{p} does not exist")
        if p.is_file():
            if p.suffix != ".npz":
                raise VisionDataError(f"{p} is not a .npz shard of labelled frames")
            found.add(p)
            continue
        if (p / "metadata.json").is_file():
            found.add(p)
            continue
        found.update(q for q in p.rglob("*.npz") if not q.name.startswith("."))
        found.update(q.parent for q in p.rglob("metadata.json"))
    return sorted(found)


def load_labelled_frames(paths: list[Path], size: tuple[int, int] = (224, 224)) -> LabelledFrames:
    """Every labelled frame under `paths` (shards and/or session folders), resized to `size` (h, w).

    Raises VisionDataError when nothing labelled is found (e.g. sessions recorded without record_labels).
    """
    sources = find_sources(list(paths))
    if not sources:
        raise VisionDataError(f"no labelled-frame shards (*.npz) or session folders under {[str(p) for p in paths]}")
    frames: list[np.ndarray] = []
    classes: list[np.ndarray] = []
    groups: list[str] = []
    for src in sources:
        f, c, g = _read_shard(src, size) if src.is_file() else _read_session(src, size)
        frames += f
        classes += c
        groups += g
    if not frames:
        raise VisionDataError(f"{len(sources)} sources under {[str(p) for p in paths]} hold no labelled frames "
                              "(sessions need to be recorded with record_labels=True, or collect frames first)")
    return LabelledFrames(np.stack(frames), np.stack(classes), groups)


def split_by_group(data: LabelledFrames, eval_fraction: float, seed: int = 0) -> tuple[LabelledFrames, LabelledFrames]:
    """(train, held_out): whole groups (seeds / sessions) go to one side, so held-out worlds are unseen.

    With a single group there is nothing to hold out by world: the frames are then split in time order
    (the last eval_fraction of frames held out), and the caller is told through the groups' names.
    """
    if not 0 < eval_fraction < 1:
        raise ValueError(f"eval_fraction must be in (0, 1), got {eval_fraction}")
    names = sorted(set(data.groups))
    if len(names) == 1:
        n_eval = max(1, int(round(len(data) * eval_fraction)))
        if n_eval >= len(data):
            raise VisionDataError(f"{len(data)} frames are too few to hold any out")
        return data.subset(np.arange(len(data) - n_eval)), data.subset(np.arange(len(data) - n_eval, len(data)))
    rng = np.random.default_rng(seed)
    order = [names[i] for i in rng.permutation(len(names))]
    n_eval = min(len(names) - 1, max(1, int(round(len(names) * eval_fraction))))
    held = set(order[:n_eval])
    is_held = np.array([g in held for g in data.groups])
    return data.subset(np.flatnonzero(~is_held)), data.subset(np.flatnonzero(is_held))


# ------------------------------------------------------------------------------------------ collector

@dataclass
class CollectSettings:
    frames_per_seed: int = 100
    seconds_per_seed: float = 180.0    # wall-time budget per world
    interval_s: float = 1.0            # sampling period of the stream while skills run
    min_change: float = 3.0            # mean |Δpixel| below which a frame counts as a duplicate of the last kept
    width: int = 224
    height: int = 224
    task: str = "enchanted_diamond_sword"   # the expert's plan drives the bot (trees, stone, caves, ores)


def collect(out: Path, seeds: list[int], settings: CollectSettings | None = None,
            progress: Callable[[str], None] = print) -> list[Path]:
    """Play fresh embedded worlds with the scripted expert and save stream frames with their labels.

    One shard per seed (``out/seed_<seed>.npz``). The expert walks, fells trees, digs down and mines, so the
    frames cover the surface, forests, water, caves and ores; a sampler thread keeps one stream frame per
    `interval_s`, dropping near-duplicates (the bot standing still while it crafts).
    """
    s = settings or CollectSettings()
    written = []
    for seed in seeds:
        rgb, labels = _collect_seed(seed, s, progress)
        if not rgb:
            raise VisionDataError(f"seed {seed}: the bridge sent no labelled frames (is the renderer running?)")
        path = save_shard(Path(out) / f"seed_{seed}.npz", rgb, labels, seed,
                          extra={"task": s.task, "frames": len(rgb), "size": [s.height, s.width]})
        progress(f"seed {seed}: {len(rgb)} labelled frames -> {path}")
        written.append(path)
    return written


def _collect_seed(seed: int, s: CollectSettings, progress: Callable[[str], None]
                  ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from agent.launch import launch
    from agent.tasks import EXPERT_TARGETS
    from bridge.messages import FrameSettings
    from skills.expert import ExpertPlanner

    frames = FrameSettings(fps=max(1.0, 2.0 / s.interval_s), width=s.width, height=s.height, labels=True)
    rgb: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    stop = threading.Event()
    lock = threading.Lock()

    def keep(frame: Any) -> None:
        if frame is None or frame.labels is None:
            return
        with lock:
            if len(rgb) >= s.frames_per_seed:
                return
            if rgb and np.abs(frame.rgb.astype(np.int16) - rgb[-1]).mean() < s.min_change:
                return
            rgb.append(np.array(frame.rgb, dtype=np.uint8))
            labels.append(np.array(frame.labels, dtype=np.uint16))

    target, enchant = EXPERT_TARGETS[s.task]
    start = time.monotonic()
    with launch(seed=seed, frames=frames, username="vision") as world:
        client = world.connect(frames)
        try:
            def sample() -> None:
                last_seq = -1
                while not stop.wait(s.interval_s):
                    f = client.latest_frame
                    if f is not None and f.header.seq != last_seq:
                        last_seq = f.header.seq
                        keep(f)

            sampler = threading.Thread(target=sample, name=f"vision-sampler-{seed}", daemon=True)
            sampler.start()
            planner = ExpertPlanner(target, enchant=enchant)
            keep(client.frame(labels=True))
            while len(rgb) < s.frames_per_seed:
                left = s.seconds_per_seed - (time.monotonic() - start)
                if left < 5:
                    break
                action = planner.next_action(client.observe().to_dict())
                if action is None:
                    break
                token, args = action
                result = client.run_skill(token, args, deadline_ms=int(max(5.0, min(left, 120.0)) * 1000))
                planner.record(token, result.to_dict())
                client.drain_events()
                progress(f"seed {seed}: {token} {'ok' if result.ok else 'failed'}; {len(rgb)} frames")
        finally:
            stop.set()
            client.close()
    return rgb, labels


def main(argv: list[str] | None = None) -> int:
    """python -m brain.data.vision_frames --out DIR --seeds 101,202,303 [--frames 150] [--seconds 200]"""
    import argparse

    parser = argparse.ArgumentParser(description="collect labelled frames from fresh embedded worlds")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder (one seed_<N>.npz per seed)")
    parser.add_argument("--seeds", default="101,202,303", help="comma-separated world seeds")
    parser.add_argument("--frames", type=int, default=CollectSettings.frames_per_seed, help="frames per seed")
    parser.add_argument("--seconds", type=float, default=CollectSettings.seconds_per_seed, help="wall time per seed")
    parser.add_argument("--interval", type=float, default=CollectSettings.interval_s, help="seconds between frames")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    collect(args.out, seeds, CollectSettings(frames_per_seed=args.frames, seconds_per_seed=args.seconds,
                                             interval_s=args.interval))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
