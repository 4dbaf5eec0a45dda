"""Policies the agent can play with: each picks one skill token per decision.

    policy.reset()                       # a new episode
    token, args = policy.act(obs, info)  # info carries the state and the action mask (agent/env.py)
    policy.observe(token, result)        # what the skill did

The LARM policy (brain/) plugs in with the same three calls.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from agent.rewards import Task, get_task
from skills.expert import ExpertPlanner
from skills.vocabulary import vocabulary

Action = tuple[str, dict[str, Any]]


class Policy(Protocol):
    name: str

    def reset(self) -> None: ...
    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None: ...
    def observe(self, token: str, result: dict[str, Any]) -> None: ...


# What the expert aims at for each task: (target item, enchanted?).
EXPERT_TARGETS = {
    "wooden_sword": ("wooden_sword", False),
    "stone_sword": ("stone_sword", False),
    "iron_sword": ("iron_sword", False),
    "diamond_sword": ("diamond_sword", False),
    "enchanted_diamond_sword": ("diamond_sword", True),
}


class ExpertPolicy:
    """The scripted planner (skills/expert.py); None from act() means the task is done."""

    name = "expert"

    def __init__(self, task: str | Task) -> None:
        self.task = get_task(task) if isinstance(task, str) else task
        if self.task.name not in EXPERT_TARGETS:
            raise ValueError(f"the expert has no plan for task {self.task.name!r}; it knows {', '.join(EXPERT_TARGETS)}")
        self.target, self.enchant = EXPERT_TARGETS[self.task.name]
        self.reset()

    def reset(self) -> None:
        self.planner = ExpertPlanner(self.target, enchant=self.enchant)

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None:
        return self.planner.next_action(info["state"])

    def observe(self, token: str, result: dict[str, Any]) -> None:
        self.planner.record(token, result)


class RandomPolicy:
    """Uniform over the skills whose preconditions hold: a baseline, and a smoke test of the loop."""

    name = "random"

    def __init__(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = vocabulary()

    def reset(self) -> None:
        pass

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None:
        mask = np.asarray(info["action_mask"], dtype=bool)
        choices = np.flatnonzero(mask) if mask.any() else np.arange(len(self.vocab))
        return (self.vocab[int(self.rng.choice(choices))].token, {})

    def observe(self, token: str, result: dict[str, Any]) -> None:
        pass


class LarmPolicy:
    """The trained LARM (brain/larm.py): one backbone forward per decision, the best (or a sampled) allowed skill.

    The checkpoint is loaded once per process and shared (eval builds one policy per seed). On the CPU the
    backbone runs in bf16 with LoRA merged into its weights (brain.latency measures exactly this path).
    """

    name = "larm"

    def __init__(self, checkpoint: str, task: str | Task, seed: int | None = None, sample: bool = False,
                 device: str = "auto") -> None:
        self.task = get_task(task) if isinstance(task, str) else task
        self.model = _load_larm(str(checkpoint), device)
        self.sample = sample
        self.generator = None
        if sample:
            import torch

            self.generator = torch.Generator().manual_seed(seed or 0)
        self.vocab = self.model.vocab

    def reset(self) -> None:
        pass

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None:
        import torch

        from brain.dataset import input_from_observation

        inp = input_from_observation(obs, info, self.task.name)
        with torch.inference_mode():
            logits = self.model.skill_logits(self.model.encode([inp]), inp.mask[None])[0].float().cpu()
        if self.sample:
            index = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=self.generator))
        else:
            index = int(logits.argmax())
        return (self.vocab[index].token, {})

    def observe(self, token: str, result: dict[str, Any]) -> None:
        pass  # the recent skills and their results reach the model through the observation text


_LOADED: dict[tuple[str, str], Any] = {}


def _load_larm(checkpoint: str, device: str) -> Any:
    """LarmModel.from_checkpoint, once per (folder, device); errors become ValueError with the reason."""
    from pathlib import Path

    from brain.backbone import BackboneError
    from brain.checkpoint import CheckpointError
    from brain.train_options import resolve_device

    device = resolve_device(device)
    key = (str(Path(checkpoint).resolve()), device)
    if key not in _LOADED:
        import torch

        from brain.larm import LarmModel

        if not Path(checkpoint).is_dir():
            raise ValueError(f"--checkpoint {checkpoint}: no such checkpoint folder")
        try:
            model, _, _ = LarmModel.from_checkpoint(checkpoint, device=device, dtype=torch.bfloat16)
        except (CheckpointError, BackboneError) as err:
            raise ValueError(f"cannot load the LARM checkpoint: {err}") from err
        _LOADED[key] = model.prepare_inference()
    return _LOADED[key]


def make_policy(name: str, task: str, seed: int | None = None, checkpoint: str | None = None) -> Policy:
    if name == "expert":
        return ExpertPolicy(task)
    if name == "random":
        return RandomPolicy(seed)
    if name == "larm":
        if not checkpoint:
            raise ValueError("--policy larm needs --checkpoint DIR (a folder written by run_agent.py train --phase bc)")
        return LarmPolicy(checkpoint, task, seed)
    raise ValueError(f"unknown policy {name!r}: expert, random or larm")
