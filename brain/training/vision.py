"""Training phase "vision": the vision encoder learns block types from the renderer's per-pixel labels.

    python run_agent.py train --phase vision --sessions /tmp/vision/data --out ckpt/vision \
        --steps 600 --batch-size 32 --lr 1e-3 [--init ckpt/pretrain] [--set collect=300]

Data: labelled-frame shards and/or session folders recorded with labels (brain/data/vision_frames.py); with
``--set collect=N`` N frames are first collected from fresh embedded worlds (the scripted expert plays) into
``--set collect_out=DIR`` (default: ``<out>.data`` beside the checkpoint) and added to the sessions.
Other ``--set`` keys: image_size, num_tokens, out_dim, label_grid, channels=a,b,c (VisionConfig), hist_weight
(default 0.5), threads (torch intra-op threads), collect_seeds=101,202,303, collect_seconds (per seed).
Held out: whole worlds (seeds) or sessions, ``eval_fraction`` of them.

Loss: cross-entropy of the label head against the majority class of each label-grid cell (28×28 cells of
8×8 pixels at 224²), plus a soft cross-entropy of the token histogram head against the frame's class
proportions (so the tokens LARM reads are trained too). Class weights ∝ 1/sqrt(frequency), so rare but
important classes (ores, logs, entities) are not drowned by sky and grass.

Report (held-out frames, true per-pixel, logits upsampled to the label resolution): pixel accuracy and mean
IoU, against the majority-class baseline (every pixel = the most frequent training class), per-class
accuracy and IoU, and the histogram head's mean absolute error on class proportions against predicting the
training mean.

Checkpoint: part "vision" (the VisionEncoder state_dict, training heads included) and configs["vision"]
= asdict(VisionConfig). The encoder does not depend on the backbone, but a checkpoint always names one so that
later phases (LARM behaviour cloning from ``--init`` this checkpoint) load onto the right backbone: with
``--init`` the backbone fields, the other parts and the history are taken from that checkpoint; without it,
the backbone named by ``--backbone`` is loaded once to take its fingerprint.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from brain.model.checkpoint import CheckpointMeta, load_checkpoint, save_phase
from brain.model.device import resolve_device
from brain.training.options import Progress, TrainOptions, parse_settings
from brain.model.vision import CLASS_NAMES, NUM_CLASSES, VisionConfig, VisionEncoder
from brain.data.vision_frames import (CollectSettings, LabelledFrames, VisionDataError, collect,
                               load_labelled_frames, split_by_group)

FRAME_SIZE = (224, 224)   # frames are brought to the bridge's default size before training
MAIN_CLASSES = ("sky", "grass_block", "dirt", "stone", "log", "leaves", "water", "sand", "plant", "entity",
                "coal_ore", "iron_ore")


# ------------------------------------------------------------------------------------------ targets

def cell_targets(classes: torch.Tensor, grid: int, num_classes: int = NUM_CLASSES) -> tuple[torch.Tensor, torch.Tensor]:
    """N×H×W class maps -> (N×grid×grid majority class per cell, N×C class proportions per frame)."""
    n, h, w = classes.shape
    if h % grid or w % grid:
        raise ValueError(f"labels {h}×{w} do not divide into a {grid}×{grid} grid")
    out_cells = torch.empty(n, grid, grid, dtype=torch.long)
    out_hist = torch.empty(n, num_classes)
    for start in range(0, n, 64):   # one-hot in chunks: N×C×224×224 floats at once would be gigabytes
        chunk = classes[start:start + 64].long()
        onehot = F.one_hot(chunk, num_classes).permute(0, 3, 1, 2).float()
        pooled = F.adaptive_avg_pool2d(onehot, grid)
        out_cells[start:start + 64] = pooled.argmax(1)
        out_hist[start:start + 64] = onehot.mean((2, 3))
    return out_cells, out_hist


def class_weights(counts: np.ndarray) -> torch.Tensor:
    """1/sqrt(frequency), normalised to mean 1 over the classes present; absent classes get 0 weight."""
    freq = counts / max(1, counts.sum())
    w = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(freq, 1e-8)), 0.0)
    present = counts > 0
    w[present] /= w[present].mean()
    return torch.tensor(np.minimum(w, 10.0), dtype=torch.float32)


# ------------------------------------------------------------------------------------------ metrics

def confusion(pred: np.ndarray, truth: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """C×C counts, rows = truth, columns = prediction."""
    idx = truth.reshape(-1).astype(np.int64) * num_classes + pred.reshape(-1).astype(np.int64)
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def scores(conf: np.ndarray) -> dict[str, Any]:
    """Pixel accuracy, mean IoU (over classes present in truth), per-class accuracy and IoU."""
    tp = np.diag(conf).astype(np.float64)
    truth = conf.sum(1).astype(np.float64)
    pred = conf.sum(0).astype(np.float64)
    union = truth + pred - tp
    present = truth > 0
    iou = np.where(union > 0, tp / np.maximum(union, 1), 0.0)
    acc = np.where(truth > 0, tp / np.maximum(truth, 1), 0.0)
    return {
        "pixel_accuracy": float(tp.sum() / max(1.0, conf.sum())),
        "mean_iou": float(iou[present].mean()) if present.any() else 0.0,
        "per_class": {CLASS_NAMES[c]: {"accuracy": round(float(acc[c]), 4), "iou": round(float(iou[c]), 4),
                                       "pixels": int(truth[c])} for c in np.flatnonzero(present)},
    }


@torch.no_grad()
def evaluate(encoder: VisionEncoder, data: LabelledFrames, hist_mean: torch.Tensor, majority: int,
             batch_size: int = 32) -> dict[str, Any]:
    """Held-out figures for the encoder and for the majority-class baseline."""
    was_training = encoder.training
    encoder.eval()
    conf = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    hist_err = base_err = 0.0
    h, w = data.classes.shape[1:]
    for start in range(0, len(data), batch_size):
        rgb = torch.from_numpy(data.rgb[start:start + batch_size])
        out = encoder.forward_all(rgb)
        logits = F.interpolate(out.label_logits.float(), size=(h, w), mode="bilinear", align_corners=False)
        pred = logits.argmax(1).cpu().numpy()
        truth = data.classes[start:start + batch_size]
        conf += confusion(pred, truth)
        _, hist = cell_targets(torch.from_numpy(truth), 1)
        hist_err += (out.histogram_logits.float().softmax(-1).cpu() - hist).abs().sum(-1).sum().item()
        base_err += (hist_mean.unsqueeze(0) - hist).abs().sum(-1).sum().item()
    encoder.train(was_training)
    model = scores(conf)
    base_conf = np.zeros_like(conf)
    base_conf[:, majority] = conf.sum(1)   # every pixel predicted as the majority class
    baseline = scores(base_conf)
    return {
        "frames": len(data),
        "pixel_accuracy": round(model["pixel_accuracy"], 4),
        "mean_iou": round(model["mean_iou"], 4),
        "baseline": {"class": CLASS_NAMES[majority], "pixel_accuracy": round(baseline["pixel_accuracy"], 4),
                     "mean_iou": round(baseline["mean_iou"], 4)},
        # the task's main classes only (the tiny ones, a few hundred pixels, make mean_iou noisy)
        "mean_iou_main": round(float(np.mean([model["per_class"][c]["iou"] for c in MAIN_CLASSES
                                              if c in model["per_class"]] or [0.0])), 4),
        "per_class": model["per_class"],
        # L1 distance between predicted and true class proportions of a frame (0 = exact, 2 = disjoint)
        "histogram_l1": round(hist_err / max(1, len(data)), 4),
        "histogram_l1_baseline": round(base_err / max(1, len(data)), 4),
    }


# ------------------------------------------------------------------------------------------ training

def _augment(rgb: torch.Tensor, cells: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Horizontal flips (a mirrored Minecraft view is still a Minecraft view) and brightness jitter (time of day)."""
    flip = torch.rand(rgb.shape[0], generator=gen) < 0.5
    rgb = torch.where(flip[:, None, None, None], rgb.flip(2), rgb)
    cells = torch.where(flip[:, None, None], cells.flip(2), cells)
    scale = 0.75 + 0.5 * torch.rand(rgb.shape[0], 1, 1, 1, generator=gen)
    rgb = (rgb.float() * scale).clamp_(0, 255).to(torch.uint8)
    return rgb, cells


def train_encoder(encoder: VisionEncoder, train: LabelledFrames, steps: int, batch_size: int, lr: float,
                  seed: int = 0, hist_weight: float = 0.5, log_every: int = 10,
                  progress: Callable[[str], None] = print) -> list[float]:
    """Optimise the encoder's label and histogram heads (and the trunk and token path under them); returns losses."""
    if len(train) == 0:
        raise VisionDataError("no training frames")
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1, got {steps}, {batch_size}")
    device = encoder.position.device
    cells, hist = cell_targets(torch.from_numpy(train.classes), encoder.config.label_grid, encoder.config.num_classes)
    weights = class_weights(train.class_counts()).to(device)
    rgb_all = torch.from_numpy(train.rgb)
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=lr, weight_decay=1e-4)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    gen = torch.Generator().manual_seed(seed)
    encoder.train()
    losses: list[float] = []
    t0 = time.perf_counter()
    for step in range(steps):
        idx = torch.randint(0, len(train), (min(batch_size, len(train)),), generator=gen)
        rgb, target = _augment(rgb_all[idx], cells[idx], gen)
        out = encoder.forward_all(rgb)
        loss = F.cross_entropy(out.label_logits, target.to(device), weight=weights)
        if hist_weight > 0:
            log_p = out.histogram_logits.log_softmax(-1)
            loss = loss + hist_weight * -(hist[idx].to(device) * log_p).sum(-1).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(encoder.parameters(), 5.0)
        optimiser.step()
        schedule.step()
        losses.append(float(loss.detach()))
        if log_every and (step + 1) % log_every == 0:
            recent = np.mean(losses[-log_every:])
            progress(f"vision step {step + 1}/{steps} loss {recent:.3f} ({time.perf_counter() - t0:.0f} s)")
    return losses


# ------------------------------------------------------------------------------------------ the phase

@dataclass
class VisionSettings:
    """The vision phase's --set settings."""
    image_size: int | None = None
    """encoder input side (default: the init checkpoint's, else VisionConfig's)"""
    num_tokens: int | None = None
    """embedding tokens handed to LARM"""
    out_dim: int | None = None
    """width of each token"""
    label_grid: int | None = None
    """label-head output side, in cells"""
    channels: tuple[int, ...] | None = None
    """the three CNN stage widths, comma-separated (e.g. 32,64,128)"""
    hist_weight: float = 0.5
    """weight of the token-histogram loss beside the label-head loss"""
    threads: int | None = None
    """torch intra-op threads (on a CPU shared with other jobs, 1 trains about twice as fast as 2)"""
    collect: int = 0
    """first collect this many labelled frames from fresh embedded worlds (the expert plays)"""
    collect_seeds: tuple[int, ...] = (101, 202, 303)
    """the worlds to collect from"""
    collect_out: str = ""
    """where the collected shards go (default: <out>.data beside the checkpoint)"""
    collect_seconds: float | None = None
    """wall-time budget per world (default: max(60, 1.5 s per frame))"""


def _config_from(settings: VisionSettings, init_config: dict[str, Any] | None) -> VisionConfig:
    base = dict(init_config or {})
    for key in ("image_size", "num_tokens", "out_dim", "label_grid", "channels"):
        if getattr(settings, key) is not None:
            base[key] = getattr(settings, key)
    return VisionConfig(**base)


def _collect_first(options: TrainOptions, settings: VisionSettings, progress: Progress) -> Path:
    n = settings.collect
    seeds = list(settings.collect_seeds)
    out = Path(settings.collect_out or str(options.out) + ".data")
    per_seed = max(1, math.ceil(n / len(seeds)))
    seconds = settings.collect_seconds if settings.collect_seconds is not None else max(60.0, per_seed * 1.5)
    progress(f"collecting {n} labelled frames from seeds {seeds} into {out}")
    collect(out, seeds, CollectSettings(frames_per_seed=per_seed, seconds_per_seed=seconds), progress)
    return out


def run(options: TrainOptions, progress: Progress = print) -> dict[str, Any]:
    (settings,) = parse_settings(options.extra, options.phase, VisionSettings)
    torch.manual_seed(options.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    device = resolve_device(options.device)
    sources = list(options.sessions)
    if settings.collect:
        sources.append(_collect_first(options, settings, progress))
    if not sources:
        raise VisionDataError("the vision phase needs labelled frames: --sessions DATASET_OR_SESSIONS "
                              "(shards from brain.data.vision_frames.collect, or sessions recorded with labels) "
                              "or --set collect=N")

    parts: dict[str, dict[str, torch.Tensor]] = {}
    init_vision: dict[str, torch.Tensor] | None = None
    if options.init is not None:
        parts, meta = load_checkpoint(options.init)
        init_vision = parts.pop("vision", None)
        config = _config_from(settings, meta.configs.get("vision") if init_vision is not None else None)
    else:
        from brain.model.backbone import load_backbone
        from skills.vocabulary import vocabulary_fingerprint

        backbone = load_backbone(options.backbone)   # only for its fingerprint: the encoder does not use it
        meta = CheckpointMeta(backbone=options.backbone, backbone_fingerprint=backbone.fingerprint,
                              vocabulary_fingerprint=vocabulary_fingerprint())
        del backbone
        config = _config_from(settings, None)

    data = load_labelled_frames(sources, FRAME_SIZE)
    train, held = split_by_group(data, options.eval_fraction, options.seed)
    progress(f"vision: {len(train)} training frames from {len(set(train.groups))} worlds/sessions, "
             f"{len(held)} held out from {len(set(held.groups))}")

    encoder = VisionEncoder(config).to(device)
    if init_vision is not None:
        encoder.load_state_dict(init_vision)
    counts = train.class_counts()
    majority = int(counts.argmax())
    _, train_hist = cell_targets(torch.from_numpy(train.classes), 1)
    hist_mean = train_hist.mean(0)

    before = evaluate(encoder, held, hist_mean, majority)
    t0 = time.perf_counter()
    losses = train_encoder(encoder, train, options.steps, options.batch_size, options.lr, options.seed,
                           settings.hist_weight, options.log_every, progress)
    train_s = time.perf_counter() - t0
    after = evaluate(encoder, held, hist_mean, majority)

    report: dict[str, Any] = {
        "phase": "vision", "device": device, "steps": options.steps, "batch_size": options.batch_size,
        "lr": options.lr, "train_seconds": round(train_s, 1),
        "train_frames": len(train), "held_out_frames": len(held),
        "train_groups": sorted(set(train.groups)), "held_out_groups": sorted(set(held.groups)),
        "loss_first": round(float(np.mean(losses[:10])), 4), "loss_last": round(float(np.mean(losses[-10:])), 4),
        "held_out_before": {k: before[k] for k in ("pixel_accuracy", "mean_iou")},
        "held_out": after,
        "train_class_share": {CLASS_NAMES[c]: round(float(counts[c] / counts.sum()), 4)
                              for c in np.flatnonzero(counts)},
        "config": asdict(config),
    }
    entry = {"phase": "vision", "steps": options.steps, "frames": len(train), "init": str(options.init or ""),
             "sources": [str(s) for s in sources], "pixel_accuracy": after["pixel_accuracy"],
             "mean_iou": after["mean_iou"], "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    save_phase(options.out, parts, meta, "vision", {k: v.detach().cpu() for k, v in encoder.state_dict().items()},
               asdict(config), entry)
    report["checkpoint"] = str(options.out)
    progress(f"vision: held-out pixel accuracy {after['pixel_accuracy']:.3f} (baseline "
             f"{after['baseline']['pixel_accuracy']:.3f}), mIoU {after['mean_iou']:.3f} "
             f"(baseline {after['baseline']['mean_iou']:.3f})")
    return report


def load_encoder(folder: Path, device: str = "cpu") -> VisionEncoder:
    """The vision encoder of a checkpoint (clear error when it has none)."""
    from brain.model.checkpoint import CheckpointError

    parts, meta = load_checkpoint(folder)
    if "vision" not in parts or "vision" not in meta.configs:
        raise CheckpointError(f"{folder} holds no vision encoder (parts: {sorted(parts)})")
    encoder = VisionEncoder(VisionConfig(**meta.configs["vision"])).to(device)
    encoder.load_state_dict(parts["vision"])
    return encoder
