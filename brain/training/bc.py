"""Phase "bc": behaviour cloning of LARM's skill policy from recorded sessions (`run_agent.py train --phase bc`).

Loss: cross-entropy of the masked skill softmax against the recorded skill (the expert's label where the
session has one), plus the argument head's cross-entropy against the recorded argument (counts,
distances: skills.vocabulary.argument_class; given the recorded skill), plus (weight value_coef) a
regression of the critic on the discounted return-to-go, which gives PPO a critic that is not random.
Trainable: LoRA, the heads (vision projector, skill token, actor, critic, skill projection) and the vision
encoder, except when the encoder comes from the vision phase (--init holding a vision part trained there):
then it stays frozen unless --set train_vision=1.

Evaluation, on whole held-out sessions (brain.data.decisions.split_by_session): top-1 and top-5 accuracy, against
two baselines that need no model: the training set's most frequent skill, and the most frequent skill among
those the mask allows (a strong baseline: the preconditions alone often leave few choices).

Options (--set KEY=VALUE): vision=default|none, train_vision=0|1, max_prompt_tokens, lora_rank, lora_alpha,
value_coef, gamma, frame_size, eval_max (held-out decisions scored, default all), save_every (steps).
"""
from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from brain.model.checkpoint import CheckpointError, read_meta, load_checkpoint
from brain.data.decisions import Decision, LoadReport, load_decisions, returns_to_go, split_by_session
from brain.model.device import resolve_device
from brain.model.larm import LarmConfig
from brain.model.lora import LoraSettings
from brain.training.options import Progress, TrainOptions, parse_settings



@dataclass
class BcSettings:
    """The bc phase's --set settings."""
    vision: str = "default"
    """default: LARM reads frames through the vision encoder; none: text only"""
    train_vision: int | None = None
    """1: train the vision encoder too; 0: keep it frozen (default: frozen when it came from the vision phase)"""
    max_prompt_tokens: int = LarmConfig.max_prompt_tokens
    """the whole prompt's length: task, observation, vision tokens, skill token"""
    lora_rank: int = LoraSettings.rank
    """LoRA rank (a fresh LoRA only)"""
    lora_alpha: int = LoraSettings.alpha
    """LoRA alpha (a fresh LoRA only)"""
    value_coef: float = 0.5
    """weight of the critic's regression on the discounted return"""
    gamma: float = 0.99
    """discount of the return the critic regresses on"""
    frame_size: int = 112
    """frames are resized to this side when sessions load"""
    eval_max: int | None = None
    """score at most this many held-out decisions (default all)"""
    save_every: int = 0
    """write the checkpoint every N steps (0: only at the end)"""

    def __post_init__(self) -> None:
        if self.vision not in ("default", "none"):
            raise ValueError("--set vision must be 'default' or 'none'")


def build_model(options: TrainOptions, settings: BcSettings, device: str, progress: Progress
                ) -> tuple[Any, dict[str, dict[str, torch.Tensor]], bool]:
    """LARM to train: from --init (a LARM checkpoint, or a pretrain / vision one whose parts are loaded), or fresh.

    Returns (model, the init's parts to copy through, whether the vision encoder came from the vision phase).
    """
    from brain.model.backbone import load_backbone
    from brain.model.larm import LarmModel

    if options.init is not None:
        init = Path(options.init)
        if not init.exists():
            raise CheckpointError(f"--init {init}: no such checkpoint folder")
        meta = read_meta(init)
        if "larm" in meta.configs:
            model, parts, meta = LarmModel.from_checkpoint(init, device=device, backbone=options.backbone)
            progress(f"LARM from {init} (phases {[h.get('phase') for h in meta.history]})")
            return model, parts, any(h.get("phase") == "vision" for h in meta.history)
        # A pretrain (lora) and/or vision checkpoint: build LARM around the parts it has.
        backbone = load_backbone(options.backbone)
        from skills.vocabulary import vocabulary_fingerprint

        parts, meta = load_checkpoint(init, backbone.fingerprint, vocabulary_fingerprint())
        lora = LoraSettings(**{**meta.configs["lora"], "targets": tuple(meta.configs["lora"].get("targets", ()))}) \
            if "lora" in meta.configs else _lora(settings)
        vision: Any = meta.configs.get("vision") if "vision" in parts else _vision(settings)
        config = LarmConfig(backbone=options.backbone, lora=lora, vision=vision,
                            max_prompt_tokens=settings.max_prompt_tokens)
        model = LarmModel.create(config, device, backbone=backbone)
        model.load_parts({k: v for k, v in parts.items() if k in ("lora", "vision")})
        model.history = list(meta.history)
        progress(f"LARM built on {init}'s parts {sorted(parts)} (phases {[h.get('phase') for h in meta.history]})")
        return model, parts, "vision" in parts and any(h.get("phase") == "vision" for h in meta.history)
    config = LarmConfig(backbone=options.backbone, lora=_lora(settings), vision=_vision(settings),
                        max_prompt_tokens=settings.max_prompt_tokens)
    progress(f"a fresh LARM on {options.backbone} (no --init)")
    return LarmModel.create(config, device), {}, False


def _lora(settings: BcSettings) -> LoraSettings:
    return LoraSettings(rank=settings.lora_rank, alpha=settings.lora_alpha)


def _vision(settings: BcSettings) -> str | None:
    return None if settings.vision == "none" else "default"


def _batches(items: Sequence[int], size: int) -> list[list[int]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


@torch.no_grad()
def evaluate(model: Any, decisions: Sequence[Decision], batch_size: int, train_counts: Counter[int]) -> dict[str, Any]:
    """Held-out loss, top-1 / top-5 accuracy, and the two model-free baselines."""
    if not decisions:
        return {"decisions": 0}
    was_training = model.training
    model.eval()
    top1 = top5 = 0
    loss = 0.0
    argued = argument_right = 0
    for chunk in _batches(range(len(decisions)), batch_size):
        batch = [decisions[i] for i in chunk]
        out = model([d.input for d in batch])
        logits = out.logits
        target = torch.tensor([d.skill for d in batch], device=logits.device)
        rows, arg_logits = _argument_rows(model, out.hidden, batch)
        if rows:
            wanted = torch.tensor([batch[i].argument for i in rows], device=arg_logits.device)
            argued += len(rows)
            argument_right += int((arg_logits.argmax(-1) == wanted).sum())
        loss += float(F.cross_entropy(logits, target, reduction="sum"))
        top1 += int((logits.argmax(-1) == target).sum())
        k = min(5, logits.shape[1])
        top5 += int((logits.topk(k, dim=-1).indices == target[:, None]).any(-1).sum())
    model.train(was_training)
    n = len(decisions)
    majority = train_counts.most_common(1)[0][0] if train_counts else 0
    freq = np.zeros(len(model.vocab))
    for skill, count in train_counts.items():
        freq[skill] = count
    masked_majority = sum(int(np.argmax(np.where(d.input.mask, freq + 1e-3, -1.0)) == d.skill) for d in decisions)
    return {"decisions": n, "loss": round(loss / n, 4), "top1": round(top1 / n, 4), "top5": round(top5 / n, 4),
            "baseline_majority_top1": round(sum(d.skill == majority for d in decisions) / n, 4),
            "baseline_masked_majority_top1": round(masked_majority / n, 4),
            "majority_token": model.vocab[majority].token,
            "argument_accuracy": round(argument_right / argued, 4) if argued else None, "argued": argued}


def argument_loss(model: Any, hidden: torch.Tensor, batch: Sequence[Decision]) -> torch.Tensor | None:
    """The argument head's cross-entropy against the recorded arguments (given the recorded skills); None when
    no decision of the batch has one or the model has no argument head (bc and dagger train with it)."""
    rows, logits = _argument_rows(model, hidden, batch)
    if not rows:
        return None
    return F.cross_entropy(logits, torch.tensor([batch[i].argument for i in rows], device=logits.device))


def _argument_rows(model: Any, hidden: torch.Tensor, batch: Sequence[Decision]) -> tuple[list[int], torch.Tensor]:
    """The rows of `batch` with an argument to learn, and the argument head's logits for them (given the
    recorded skill); ([], empty) when there are none or the model has no argument head."""
    rows = [i for i, d in enumerate(batch) if d.argument is not None]
    if not rows or model.heads.argument is None:
        return [], hidden.new_zeros((0, 0))
    index = torch.tensor(rows, device=hidden.device)
    skills = torch.tensor([batch[i].skill for i in rows], device=hidden.device)
    return rows, model.argument_logits(hidden[index], skills)


def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    (settings,) = parse_settings(options.extra, options.phase, BcSettings)
    device = resolve_device(options.device)
    random.seed(options.seed)
    torch.manual_seed(options.seed)
    started = time.monotonic()
    if options.steps < 0 or options.batch_size < 1:
        raise ValueError("--steps must be >= 0 and --batch-size >= 1")

    report = LoadReport()
    frame_size = settings.frame_size
    decisions = load_decisions(options.sessions, frame_size=frame_size, report=report,
                               allow_evaluation_seeds=options.allow_evaluation_seeds)
    returns = dict(zip(map(id, decisions), returns_to_go(decisions, settings.gamma)))
    usable = [d for d in decisions if d.input.mask[d.skill]]  # a masked-out label has probability 0: skip it
    train, held = split_by_session(usable, options.eval_fraction, options.seed)
    if not train:
        raise ValueError("no training decisions left after the held-out split")
    progress(f"{len(decisions)} decisions from {report.sessions} sessions ({report.masked_out} with the recorded "
             f"skill masked out, skipped); {len(train)} train / {len(held)} held out")

    model, init_parts, vision_from_phase = build_model(options, settings, device, progress)
    train_vision = bool(not vision_from_phase if settings.train_vision is None else settings.train_vision)
    params = model.trainable_parameters(vision=train_vision)
    if model.vision is not None and not train_vision:
        for p in model.vision.parameters():
            p.requires_grad_(False)
    optimiser = torch.optim.AdamW(params, lr=options.lr, weight_decay=0.0)
    value_coef = settings.value_coef
    train_counts: Counter[int] = Counter(d.skill for d in train)
    eval_set = held[:settings.eval_max] if settings.eval_max is not None else held
    before = evaluate(model, eval_set, options.batch_size, train_counts)
    progress(f"before training: held-out top1 {before.get('top1')} top5 {before.get('top5')} loss {before.get('loss')}")

    rng = random.Random(options.seed)
    order: list[int] = []
    losses: list[float] = []
    model.train()
    for step in range(1, options.steps + 1):
        if len(order) < options.batch_size:
            fresh = list(range(len(train)))
            rng.shuffle(fresh)
            order += fresh
        batch = [train[i] for i in order[:options.batch_size]]
        del order[:options.batch_size]
        out = model([d.input for d in batch])
        target = torch.tensor([d.skill for d in batch], device=out.logits.device)
        ce = F.cross_entropy(out.logits, target)
        value_target = torch.tensor([returns[id(d)] for d in batch], device=out.value.device)
        loss = ce + value_coef * F.smooth_l1_loss(out.value, value_target)
        arguments = argument_loss(model, out.hidden, batch)
        if arguments is not None:
            loss = loss + arguments
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        losses.append(ce.item())
        if step % max(1, options.log_every) == 0 or step == options.steps:
            recent = losses[-max(1, options.log_every):]
            progress(f"step {step}/{options.steps}: skill loss {sum(recent) / len(recent):.4f} "
                     f"({time.monotonic() - started:.0f} s)")
        if settings.save_every and step % settings.save_every == 0 and step < options.steps:
            _save(model, options, init_parts, {"phase": "bc", "steps_done": step, "partial": True})
    model.eval()
    after = evaluate(model, eval_set, options.batch_size, train_counts)
    train_eval = evaluate(model, train[:max(len(eval_set), 16)], options.batch_size, train_counts)
    progress(f"after training: held-out top1 {after.get('top1')} top5 {after.get('top5')} loss {after.get('loss')} "
             f"(majority baseline {after.get('baseline_majority_top1')}, masked-majority "
             f"{after.get('baseline_masked_majority_top1')})")
    metrics = {
        "phase": "bc", "backbone": model.backbone.name, "device": device, "steps": options.steps,
        "batch_size": options.batch_size, "lr": options.lr, "seed": options.seed,
        "sessions": report.sessions, "decisions": len(decisions), "skipped_masked_out": report.masked_out,
        "train_decisions": len(train), "held_out_decisions": len(held),
        "held_out_sessions": sorted({d.session for d in held}), "vision": model.config.vision is not None,
        "vision_trained": bool(model.vision is not None and train_vision),
        "first_losses": [round(x, 4) for x in losses[:5]], "last_losses": [round(x, 4) for x in losses[-5:]],
        "held_out_before": before, "held_out": after, "train_subset": {k: train_eval[k] for k in ("decisions", "top1", "top5", "loss") if k in train_eval},
        "wall_s": round(time.monotonic() - started, 1),
    }
    path = _save(model, options, init_parts, {"phase": "bc", "steps": options.steps, "lr": options.lr,
                                              "seed": options.seed, "sessions": [str(p) for p in options.sessions],
                                              "allow_evaluation_seeds": options.allow_evaluation_seeds,
                                              "held_out_top1": after.get("top1"), "held_out_top5": after.get("top5")})
    metrics["checkpoint"] = str(path)
    return metrics


def _save(model: Any, options: TrainOptions, init_parts: dict[str, dict[str, torch.Tensor]], entry: dict[str, Any]) -> Path:
    """Write LARM's parts, and copy through the init's parts BC does not train (e.g. "cola")."""
    keep = {k: v for k, v in init_parts.items() if k not in ("lora", "heads", "vision")}
    configs = {}
    if keep and options.init is not None:
        meta = read_meta(options.init)
        configs = {k: v for k, v in meta.configs.items() if k in keep}
    return model.save(options.out, entry, extra_parts=keep, extra_configs=configs)


__all__ = ["BcSettings", "argument_loss", "build_model", "evaluate", "run"]
