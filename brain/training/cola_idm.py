"""Phase ``cola-idm``: CoLA's inverse dynamics q(z | h_t, skill, h_{t+1}), codebook and decoder, trained on
recorded decisions with LARM frozen. LARM's hidden states h_t and h_{t+1} are computed once (no grad) and
cached, so training only runs the small CoLA heads.

Settings (``--set KEY=VALUE``): ``batch`` (OfflineSettings) and any ColaConfig field but the two taken from
LARM (hidden_size, num_skills), e.g. ``num_codes=32``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import torch

from brain.model.cola import Cola, ColaConfig
from brain.model.device import resolve_device
from brain.training.cola_common import (Encoded, OfflineSettings, evaluate_and_save, larm_device, load_encoded,
                                        load_start, minibatches)
from brain.training.options import Progress, TrainOptions, parse_settings

FROM_LARM = ("hidden_size", "num_skills")


def train_idm_decoder(larm: Any, cola: Cola, data: Encoded, steps: int, batch: int, lr: float, seed: int,
                      progress: Progress, log_every: int = 10) -> list[dict[str, float]]:
    """Inverse dynamics + codebook + decoder merge; LARM's head is used frozen inside decode."""
    params = cola.world_model_parameters()
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    curve = []
    cola.train()
    batch = min(batch, len(data))
    for step, idx in enumerate(minibatches(len(data), batch, steps, g), start=1):
        b = data.take(idx)
        out = cola.idm_decoder_loss(larm, b.h, b.skill, b.h_next, b.has_next, b.mask, generator=g)
        optimizer.zero_grad()
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if step % log_every == 0 or step == steps:
            row = {"step": step, "loss": out["loss"].item(), "reconstruction": out["reconstruction"].item(),
                   "usage": out["usage"].item(),
                   "batch_accuracy": float((out["skill_logits"].argmax(-1) == b.skill).float().mean())}
            curve.append(row)
            progress(f"cola-idm step {step}/{steps} loss {row['loss']:.3f} rec {row['reconstruction']:.3f} "
                     f"usage {row['usage']:.3f} acc {row['batch_accuracy']:.2f}")
    cola.eval()
    return curve


def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    taken = [k for k in FROM_LARM if k in options.extra]
    if taken:
        raise ValueError(f"--set {', '.join(taken)}: taken from the LARM model, not settable")
    offline, config = parse_settings(options.extra, options.phase, OfflineSettings, ColaConfig)
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    start = load_start(options, device, progress)
    train, held, counts = load_encoded(start.larm, options, progress)
    V = len(start.larm.vocab)
    config = dataclasses.replace(config, hidden_size=int(start.larm.hidden_size), num_skills=V)
    cola = Cola(config).to(larm_device(start.larm))
    curve = train_idm_decoder(start.larm, cola, train, options.steps, offline.batch, options.lr, options.seed, progress,
                              max(1, options.log_every))
    report = {"phase": options.phase, **counts, "config": config.to_dict(), "curve": curve}
    return evaluate_and_save(options, start, cola, train, held, report, progress)


