"""run_episode's bookkeeping, on a scripted stand-in for MinecraftEnv (the real loop runs in test_env.py)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from agent.evaluation import run_episode
from agent.rewards import get_task


class OneStepWorld:
    """Resets to a world whose seed it picked itself (as MinecraftEnv does for seed=None), ends after one step."""

    def __init__(self) -> None:
        self.task = get_task("wooden_sword")
        self.reward_fn = SimpleNamespace(achieved=[])
        self.seed_used: int | None = None

    def reset(self, seed: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        self.seed_used = 424242 if seed is None else seed
        return {"text": ""}, {"state": {"tick": 10, "inventory": {}}}

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        info = {"state": {"tick": 30, "inventory": {}}, "result": {"ok": True, "wall_ms": 5}}
        return {"text": ""}, -0.01, False, True, info


class Explore:
    name = "scripted"

    def reset(self) -> None: ...

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return ("explore", {})

    def observe(self, token: str, result: dict[str, Any]) -> None: ...


def test_a_random_world_reports_the_seed_it_was_given() -> None:
    lines: list[str] = []
    report = run_episode(OneStepWorld(), Explore(), None, progress=lines.append)
    assert report.seed == 424242                      # replayable with --seed 424242
    assert lines == ["seed 424242 step 1: explore -> ok (0.0 s)"]
    assert report.steps == 1 and report.ticks == 20 and report.end.startswith("truncated")


def test_a_chosen_seed_is_kept() -> None:
    assert run_episode(OneStepWorld(), Explore(), 7).seed == 7
