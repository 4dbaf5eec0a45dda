"""PPO with GAE over a discrete action space (CoLA's K latent codes, or LARM's skills), CleanRL-style: every
line visible.

Used by phase cola-rl (brain/training/cola_rl.py) and by finetune (brain/training/finetune.py, where the
actor is LARM's skill head over the masked skills): the actor is the latent policy π(z | h), the critic V(h),
both small heads on LARM's frozen hidden state h, so a rollout stores h itself and the update never runs
the backbone. A KL penalty keeps π close to the behaviour-cloned latent policy π_ref (CoLA's RL phase);
with only K codes the KL is computed exactly over the whole distribution, not estimated from samples.

Conventions of a rollout of T steps (possibly spanning several episodes):
- ``rewards[t]``: the reward after action t;
- ``terminated[t]``: the episode reached a terminal state after action t (no bootstrap beyond it);
- ``ended[t]``: the episode ended after action t for any reason (terminated, truncated, out of rollout);
  advantages do not flow across it;
- ``next_values[t]``: V(s_{t+1}), the value of the observation after action t (used unless terminated;
  for a truncated episode it is the value of its last observation, so truncation is bootstrapped).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class PpoSettings:
    """PPO's settings (--set KEY=VALUE in the RL phases)."""
    gamma: float = 0.99
    """discount"""
    gae_lambda: float = 0.95
    """GAE's λ"""
    clip: float = 0.2
    """PPO ratio clip"""
    epochs: int = 4
    """passes over each rollout"""
    minibatch_size: int = 32
    """decisions per gradient step"""
    vf_coef: float = 0.5
    """weight of the value loss"""
    ent_coef: float = 0.01
    """weight of the entropy bonus"""
    kl_coef: float = 0.1
    """β of the KL(π ‖ π_ref) penalty (CoLA: keep near the cloned policy)"""
    max_grad_norm: float = 0.5
    """gradient clipping"""
    norm_adv: bool = True
    """normalise advantages per minibatch (skipped for a minibatch of one)"""
    target_kl: float = 0.0
    """> 0: stop the epochs once the approximate KL to the old policy exceeds it"""


@dataclass
class Rollout:
    hidden: torch.Tensor          # T×H, LARM's hidden state at each decision (no grad)
    codes: torch.Tensor           # T, the sampled latent code
    logprobs: torch.Tensor        # T, log π_old(code | h) at sampling time
    values: torch.Tensor          # T, V_old(h)
    ref_logits: torch.Tensor      # T×K, π_ref's logits (the cloned policy, frozen)
    rewards: torch.Tensor         # T
    terminated: torch.Tensor      # T (bool)
    ended: torch.Tensor           # T (bool)
    next_values: torch.Tensor     # T, V(s_{t+1}) at sampling time
    masks: torch.Tensor | None = None  # T×K allowed actions (the skill head's preconditions); None: all


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor,
                terminated: torch.Tensor, ended: torch.Tensor, gamma: float, lam: float
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation; returns (advantages, returns = advantages + values)."""
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last = torch.zeros((), dtype=rewards.dtype, device=rewards.device)
    for t in reversed(range(T)):
        not_terminal = 1.0 - terminated[t].float()
        delta = rewards[t] + gamma * next_values[t] * not_terminal - values[t]      # TD error
        keep = 1.0 - ended[t].float()                                              # cut at episode ends
        last = delta + gamma * lam * keep * last
        advantages[t] = last
    return advantages, advantages + values


def kl_divergence(logits: torch.Tensor, ref_logits: torch.Tensor) -> torch.Tensor:
    """Exact KL(π ‖ π_ref) per row, summed over the K codes."""
    logp = F.log_softmax(logits, dim=-1)
    logq = F.log_softmax(ref_logits, dim=-1)
    return (logp.exp() * (logp - logq)).sum(dim=-1)


def ppo_update(model: Any, params: list[nn.Parameter], optimizer: torch.optim.Optimizer, rollout: Rollout,
               settings: PpoSettings, generator: torch.Generator | None = None,
               train_policy: bool = True) -> dict[str, float]:
    """PPO epochs over one rollout. `model` has latent_policy(h) -> logits B×K (latent_policy(h, masks) when
    the rollout has masks: masked logits finite, e.g. -1e9, so the entropy and KL stay defined) and
    value(h) -> B.

    train_policy False: only the critic's loss is minimised (a value warm-up).
    Returns the mean of each term over the last epoch run (policy_loss, value_loss, entropy, kl_ref: the
    exact KL to π_ref, approx_kl_old: CleanRL's estimate of KL(π_old ‖ π), clipfrac) and the epochs run.
    """
    advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
                                      rollout.ended, settings.gamma, settings.gae_lambda)
    T = rollout.hidden.shape[0]
    stats: dict[str, list[float]] = {}
    epochs_run = 0
    for _ in range(settings.epochs):
        stats = {k: [] for k in ("policy_loss", "value_loss", "entropy", "kl_ref", "approx_kl_old", "clipfrac")}
        order = torch.randperm(T, generator=generator)
        for start in range(0, T, settings.minibatch_size):
            mb = order[start:start + settings.minibatch_size]
            h = rollout.hidden[mb]
            logits = model.latent_policy(h) if rollout.masks is None else model.latent_policy(h, rollout.masks[mb])
            logp_all = F.log_softmax(logits, dim=-1)
            new_logprob = logp_all.gather(1, rollout.codes[mb].view(-1, 1)).squeeze(1)
            entropy = -(logp_all.exp() * logp_all).sum(dim=-1).mean()
            log_ratio = new_logprob - rollout.logprobs[mb]
            ratio = log_ratio.exp()
            with torch.no_grad():  # diagnostics (CleanRL's k3 estimator of KL(old ‖ new))
                approx_kl = ((ratio - 1) - log_ratio).mean()
                clipfrac = ((ratio - 1.0).abs() > settings.clip).float().mean()

            adv = advantages[mb]
            if settings.norm_adv and adv.numel() > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            # Clipped surrogate objective.
            pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - settings.clip, 1 + settings.clip)).mean()
            # Critic regression to the GAE returns.
            value_loss = 0.5 * (model.value(rollout.hidden[mb]) - returns[mb]).pow(2).mean()
            # Stay near the cloned latent policy.
            kl_ref = kl_divergence(logits, rollout.ref_logits[mb]).mean()
            loss = settings.vf_coef * value_loss
            if train_policy:  # False: a value warm-up, the critic alone learns the returns
                loss = loss + pg_loss - settings.ent_coef * entropy + settings.kl_coef * kl_ref

            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, settings.max_grad_norm)
            optimizer.step()
            for k, v in (("policy_loss", pg_loss), ("value_loss", value_loss), ("entropy", entropy),
                         ("kl_ref", kl_ref), ("approx_kl_old", approx_kl), ("clipfrac", clipfrac)):
                stats[k].append(float(v.detach()))
        epochs_run += 1
        if settings.target_kl > 0 and stats["approx_kl_old"][-1] > settings.target_kl:
            break
    out = {k: sum(v) / len(v) for k, v in stats.items() if v}
    out["epochs"] = float(epochs_run)
    return out
