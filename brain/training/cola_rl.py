"""Phase ``cola-rl``: PPO + GAE on CoLA's latent policy only (decoder, inverse dynamics and LARM frozen), with
a KL penalty to the cloned latent policy, in the live environment (fresh embedded worlds). Per step: encode
the observation with LARM, sample z ~ π, decode the skill greedily over the masked decoder logits, step the
env. Settings (``--set KEY=VALUE``): any RlSettings or PpoSettings field.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agent.env import FAST_SPEED
from agent.registration import make_env
from agent.seeds import check_training_seeds
from world.embedded_server import check_speed
from brain.model.cola import Cola, code_usage
from brain.policy import input_from_observation
from brain.training.cola_common import load_cola, save_cola
from brain.training.options import Progress, TrainOptions, parse_settings
from brain.training.ppo import PpoSettings, Rollout, ppo_update


@dataclass
class RlSettings:
    """cola-rl's environment settings (beside PpoSettings)."""
    task: str = "enchanted_diamond_sword"
    """the task the episodes play"""
    episode_steps: int = 50
    """decisions per episode (each reset is a fresh world: ~30-60 s)"""
    rollout: int = 32
    """environment steps per PPO update (the last rollout may be shorter)"""
    record: str = ""
    """folder to record the RL episodes in ("": no recording)"""
    world_seed: int = 100_000
    """the first episode's world seed; episode i plays world_seed + i (agent/seeds.py: training seeds only)"""
    speed: float = FAST_SPEED
    """the embedded world's game clock, K times real time"""

    def __post_init__(self) -> None:
        self.speed = check_speed(self.speed)


@torch.no_grad()
def encode_one(larm: Any, inp: Any) -> torch.Tensor:
    """LARM's hidden state (1×H, float32) for one decision input."""
    return larm.encode([inp]).float()


@torch.no_grad()
def act(larm: Any, cola: Cola, h: torch.Tensor, mask: np.ndarray, generator: torch.Generator | None = None
        ) -> tuple[int, float, float, int]:
    """One decision from h (1×H): (code z ~ π(·|h), log π(z|h), V(h), skill decoded greedily from (h, z))."""
    logits = cola.latent_policy(h)
    code = torch.multinomial(torch.softmax(logits, dim=-1).cpu(), 1, generator=generator).view(1).to(h.device)
    logprob = torch.log_softmax(logits, dim=-1)[0, code]
    # (LARM's skill_logits leaves a row unmasked when its mask allows nothing.)
    allowed = torch.as_tensor(np.asarray(mask, dtype=bool)).view(1, -1).to(h.device)
    skill = int(cola.decode(larm, h, cola.code_onehot(code), allowed).argmax(-1))
    return int(code), float(logprob), float(cola.value(h)), skill


def train_latent_rl(larm: Any, cola: Cola, env: Any, steps: int, settings: PpoSettings, rollout_len: int, lr: float,
                    seed: int, task: str, progress: Progress, world_seed: int) -> dict[str, Any]:
    """PPO on π(z | h) and V(h) in a gymnasium env whose actions are skill indices. Returns the RL report.
    `seed` seeds the sampling; episode i plays the world world_seed + i.

    Each observation is encoded by LARM exactly once; rollouts of `rollout_len` steps (the last may be
    shorter) are followed by one PPO update. Episodes continue across rollouts.
    """
    ref_policy = copy.deepcopy(cola.policy).eval()           # π_ref: the cloned latent policy, frozen
    for p in ref_policy.parameters():
        p.requires_grad_(False)
    params = cola.policy_parameters()
    optimizer = torch.optim.Adam(params, lr=lr, eps=1e-5)
    g = torch.Generator().manual_seed(seed)
    vocab = getattr(env.unwrapped, "vocab", None)
    episode = 0
    obs, info = env.reset(seed=world_seed)
    inp = input_from_observation(obs, info, task)
    h = encode_one(larm, inp)
    episode_returns: list[float] = []
    episode_lengths: list[int] = []
    ret, length = 0.0, 0
    all_codes: list[int] = []
    all_skills: list[int] = []
    updates: list[dict[str, float]] = []
    done_steps = 0
    t0 = time.perf_counter()
    while done_steps < steps:
        buf: dict[str, list[Any]] = {k: [] for k in ("h", "code", "logprob", "value", "reward", "terminated",
                                                     "ended", "next_value")}
        for _ in range(min(rollout_len, steps - done_steps)):
            code, logprob, value, skill = act(larm, cola, h, inp.mask, g)
            obs, reward, terminated, truncated, info = env.step(skill)
            done_steps += 1
            ret, length = ret + float(reward), length + 1
            all_codes.append(code)
            all_skills.append(skill)
            next_inp = input_from_observation(obs, info, task)
            h_next = encode_one(larm, next_inp)
            with torch.no_grad():
                next_value = float(cola.value(h_next))        # bootstraps a truncated episode
            for k, v in (("h", h[0]), ("code", code), ("logprob", logprob), ("value", value),
                         ("reward", float(reward)), ("terminated", bool(terminated)),
                         ("ended", bool(terminated or truncated)), ("next_value", next_value)):
                buf[k].append(v)
            name = vocab[skill].token if vocab is not None else str(skill)
            progress(f"cola-rl step {done_steps}/{steps}: code {code} -> {name}, reward {float(reward):+.2f}")
            if terminated or truncated:
                episode_returns.append(ret)
                episode_lengths.append(length)
                progress(f"episode {episode + 1} ended after {length} steps, return {ret:+.2f}")
                ret, length = 0.0, 0
                if done_steps < steps:
                    episode += 1
                    obs, info = env.reset(seed=world_seed + episode)
                    next_inp = input_from_observation(obs, info, task)
                    h_next = encode_one(larm, next_inp)
            inp, h = next_inp, h_next
        hidden = torch.stack(buf["h"])
        with torch.no_grad():
            ref_logits = ref_policy(hidden)
        dev = hidden.device
        rollout = Rollout(
            hidden=hidden, codes=torch.tensor(buf["code"], device=dev), ref_logits=ref_logits,
            logprobs=torch.tensor(buf["logprob"], device=dev), values=torch.tensor(buf["value"], device=dev),
            rewards=torch.tensor(buf["reward"], device=dev), terminated=torch.tensor(buf["terminated"], device=dev),
            ended=torch.tensor(buf["ended"], device=dev), next_values=torch.tensor(buf["next_value"], device=dev))
        cola.train()
        stats = ppo_update(cola, params, optimizer, rollout, settings, generator=g)
        cola.eval()
        stats.update({"env_steps": done_steps, "rollout_return": float(rollout.rewards.sum())})
        updates.append(stats)
        progress(f"PPO update {len(updates)}: policy {stats['policy_loss']:+.4f} value {stats['value_loss']:.4f} "
                 f"KL(ref) {stats['kl_ref']:.4f} entropy {stats['entropy']:.3f}")
    usage = code_usage(torch.tensor(all_codes), cola.num_codes)
    return {
        "env_steps": done_steps, "episodes_finished": len(episode_returns), "episode_returns": episode_returns,
        "episode_lengths": episode_lengths, "unfinished_episode_return": ret, "updates": updates,
        "kl_ref": updates[-1]["kl_ref"], "policy_loss": updates[-1]["policy_loss"],
        "codes_used": usage["codes_used"], "code_perplexity": usage["perplexity"],
        "distinct_skills": len(set(all_skills)), "seconds": time.perf_counter() - t0,
    }


def run(options: TrainOptions, progress: Progress, env: Any | None = None) -> dict[str, Any]:
    """cola-rl; `env` (tests) replaces the live MinecraftEnv."""
    ppo, rl = parse_settings(options.extra, options.phase, PpoSettings, RlSettings)
    if options.steps < 1:
        raise ValueError("cola-rl needs --steps >= 1 (environment steps)")
    # at most one episode per environment step: these are all the worlds the run can play
    check_training_seeds(range(rl.world_seed, rl.world_seed + options.steps), options.allow_evaluation_seeds)
    start, cola = load_cola(options, "cola-bc", progress)
    if not any(h.get("phase") == "cola-bc" for h in start.meta.history):
        progress("warning: the init checkpoint has no cola-bc phase; the KL anchors to an uncloned latent policy")
    own_env = env is None
    if own_env:
        progress(f"starting a fresh embedded world for task {rl.task} (seed {rl.world_seed}, speed {rl.speed:g})")
        env = make_env(task=rl.task, max_steps=rl.episode_steps, record_dir=rl.record or None,
                       policy={"name": "larm+cola", "checkpoint": str(options.init)}, speed=rl.speed)
    try:
        report = train_latent_rl(start.larm, cola, env, options.steps, ppo, rl.rollout, options.lr, options.seed,
                                 rl.task, progress, world_seed=rl.world_seed)
    finally:
        if own_env:
            env.close()
    report = {"phase": options.phase, "ppo": dataclasses.asdict(ppo), "rl": dataclasses.asdict(rl), **report}
    entry = {"phase": options.phase, "steps": options.steps, "task": rl.task, "time": time.time(),
             "world_seeds": [rl.world_seed, rl.world_seed + options.steps - 1],
             "allow_evaluation_seeds": options.allow_evaluation_seeds,
             "episode_returns": report["episode_returns"], "kl_ref": report["kl_ref"]}
    save_cola(Path(options.out), start, cola, entry)
    progress(f"wrote {options.out}")
    return report
