"""Tech-tree milestone rewards: each of the task's milestones (agent/tasks.py) is paid once per episode,
the first time the agent holds its item; weights grow along the chain to the enchanted diamond sword; every
step costs a small penalty.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from agent.tasks import DEFAULT_TASK, State, Task, get_task, milestone

STEP_PENALTY = -0.01


@dataclass
class StepReward:
    reward: float
    new_milestones: list[str]
    success: bool


class MilestoneReward:
    """Per-episode reward: each of the task's milestones once, plus STEP_PENALTY per step."""

    def __init__(self, task: str | Task = DEFAULT_TASK, step_penalty: float = STEP_PENALTY,
                 death_penalty: float = 0.0) -> None:
        self.task = get_task(task) if isinstance(task, str) else task
        self.step_penalty = step_penalty
        self.death_penalty = death_penalty
        self.achieved: list[str] = []
        self.succeeded = False

    def reset(self, state: State | None = None) -> None:
        """Start an episode. Milestones already held in the start state are marked achieved, unpaid."""
        self.achieved = []
        self.succeeded = False
        if state is not None:
            self.achieved = [n for n in self.task.milestones if milestone(n).test(state, None)]
            self.succeeded = self.task.success in self.achieved

    def step(self, state: State, result: Mapping[str, Any] | None = None,
             events: Iterable[Mapping[str, Any]] = ()) -> StepReward:
        """Reward for one step: `state` after the skill, its `result` (a skill_result dict), events seen."""
        reward = self.step_penalty
        new = []
        for name in self.task.milestones:
            if name in self.achieved:
                continue
            m = milestone(name)
            if m.test(state, result):
                new.append(name)
                reward += m.weight
        self.achieved.extend(new)
        if self.death_penalty and any(e.get("event") == "death" for e in events):
            reward -= self.death_penalty
        if self.task.success in self.achieved:
            self.succeeded = True
        return StepReward(reward, new, self.succeeded)

    def max_return(self) -> float:
        """The sum of the task's milestone weights (the best return before step penalties)."""
        return sum(milestone(n).weight for n in self.task.milestones)
