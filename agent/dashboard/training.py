"""What finetuning tells the page: the hook brain/training/finetune.py calls (TrainingWatcher), and the one that
feeds the dashboard's live hub (TrainingFeed).

finetune knows nothing of web pages: it calls a watcher at five moments (a run begins, a world is made, a
decision is played, the referee judged it, a PPO update is done) with plain numbers and strings. The base
class watches nothing, so a run without a page costs nothing; TrainingFeed puts it all into the LiveHub the
page reads. The watcher lives here, in agent/, because brain/ may import agent/ and never the other way.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from agent.dashboard.live import LiveHub

WorldWatch = Callable[[int, str, Mapping[str, Any]], None]


class TrainingWatcher:
    """The hook finetuning calls; this one watches nothing (a run started without a page)."""

    def env(self, env: Any) -> Any:
        """A world finetuning just made (make_env's stack): returned as it is, or wrapped to be watched."""
        return env

    @property
    def world_watch(self) -> WorldWatch | None:
        """Where Ray workers' step events go (RolloutPool.run's `watch`); None: workers send none."""
        return None

    def started(self, run: Mapping[str, Any]) -> None:
        """The run: task, referee, decisions, workers, the reward's settings."""

    def decision(self, row: Mapping[str, Any]) -> None:
        """A decision played: step (the run's count), token, ok, env_reward and the seed of its world."""

    def judged(self, step: int, verdict: str | None, referee_reward: float, reward: float, reason: str = "") -> None:
        """The referee's class (a, b, c, d; None: no judgement) for decision `step`, its reward, and the reward
        PPO learns from (environment and referee together, scaled)."""

    def update(self, point: Mapping[str, Any]) -> None:
        """One PPO update's numbers, as finetune logs them to TensorBoard."""


class TrainingFeed(TrainingWatcher):
    """Finetuning on the dashboard's live page: the world it plays (frames, state, skills, as for `play`),
    its rewards and judgements per decision, its curves, and with workers one tile per world."""

    def __init__(self, hub: LiveHub, policy: Mapping[str, Any] | None = None) -> None:
        self.hub = hub
        self.policy = dict(policy or {"name": "finetune"})

    def env(self, env: Any) -> Any:
        from agent.dashboard.feed import DashboardFeed

        return DashboardFeed(env, self.hub, self.policy)

    @property
    def world_watch(self) -> WorldWatch:
        return self.hub.world_event

    def started(self, run: Mapping[str, Any]) -> None:
        self.hub.training_started(run)

    def decision(self, row: Mapping[str, Any]) -> None:
        self.hub.decision(row)

    def judged(self, step: int, verdict: str | None, referee_reward: float, reward: float, reason: str = "") -> None:
        self.hub.judged(step, verdict, referee_reward, reward, reason)

    def update(self, point: Mapping[str, Any]) -> None:
        self.hub.update_done(point)
