"""Policies the agent can play with: each picks one skill token per decision.

    policy.reset()                       # a new episode
    token, args = policy.act(obs, info)  # info carries the state and the action mask (agent/env.py)
                                         # (or token, args, notes: notes are recorded with the step)
    policy.observe(token, result)        # what the skill did

The LARM policy (brain/policy.py) plugs in with the same three calls; the command line (run_agent.py)
builds whichever is asked for.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from agent.tasks import EXPERT_TARGETS, Task, get_task
from skills.expert import ExpertPlanner
from skills.vocabulary import vocabulary

Action = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], dict[str, Any]]


class Policy(Protocol):
    name: str

    def reset(self) -> None: ...
    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None: ...
    def observe(self, token: str, result: dict[str, Any]) -> None: ...


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


def make_policy(name: str, task: str, seed: int | None = None) -> Policy:
    """The expert or the random policy for `task`."""
    if name == "expert":
        return ExpertPolicy(task)
    if name == "random":
        return RandomPolicy(seed)
    raise ValueError(f"unknown policy {name!r}: expert or random (the LARM policy is brain.policy.LarmPolicy)")
