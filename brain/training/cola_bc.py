"""Phase ``cola-bc``: the latent policy π(z | h_t) imitates the inverse-dynamics model's argmax codes (CoLA's
behaviour cloning); only the policy head trains. Settings: ``batch`` (OfflineSettings).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from brain.model.cola import Cola
from brain.training.cola_common import (Encoded, OfflineSettings, evaluate_and_save, load_cola,
                                        evaluate_offline, load_encoded, minibatches)
from brain.training.options import Progress, TrainOptions, parse_settings


@torch.no_grad()
def idm_labels(cola: Cola, data: Encoded) -> torch.Tensor:
    cola.eval()
    return cola.inverse_dynamics(data.h, data.skill, data.h_next, data.has_next).argmax(-1)


def train_latent_bc(cola: Cola, h: torch.Tensor, codes: torch.Tensor, steps: int, batch: int, lr: float, seed: int,
                    progress: Progress, log_every: int = 10) -> list[dict[str, float]]:
    """Cross-entropy of π(z | h) against the inverse-dynamics codes; only the policy head trains."""
    params = list(cola.policy.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    curve = []
    cola.train()
    batch = min(batch, h.shape[0])
    for step, idx in enumerate(minibatches(h.shape[0], batch, steps, g), start=1):
        logits = cola.latent_policy(h[idx])
        loss = F.cross_entropy(logits, codes[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % log_every == 0 or step == steps:
            acc = float((logits.argmax(-1) == codes[idx]).float().mean())
            curve.append({"step": step, "loss": loss.item(), "batch_agreement": acc})
            progress(f"cola-bc step {step}/{steps} loss {loss.item():.3f} agreement {acc:.2f}")
    cola.eval()
    return curve


def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    (offline,) = parse_settings(options.extra, options.phase, OfflineSettings)
    start, cola = load_cola(options, "cola-idm", progress)
    train, held, counts = load_encoded(start.larm, options, progress)
    before = evaluate_offline(start.larm, cola, held)
    codes = idm_labels(cola, train)
    curve = train_latent_bc(cola, train.h, codes, options.steps, offline.batch, options.lr,
                            options.seed, progress, max(1, options.log_every))
    report = {"phase": options.phase, **counts, "curve": curve, "held_out_before": before}
    return evaluate_and_save(options, start, cola, train, held, report, progress)


