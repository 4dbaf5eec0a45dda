"""make_env: the environment as the agent plays it, registered as gymnasium's "larm/Minecraft-v0" (agent/__init__.py).

    env = make_env(task="enchanted_diamond_sword", max_steps=300, record_dir="sessions")
    obs, info = env.reset(seed=7)          # a fresh embedded world with seed 7
    obs, reward, terminated, truncated, info = env.step(("mine:oak_log", {"count": 3}))
    env.close()
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import gymnasium as gym

from agent.env import MinecraftEnv
from agent.tasks import DEFAULT_TASK, Task
from agent.wrappers import RecordSession, StepLimit, TokenActions

DEFAULT_MAX_STEPS = 500


def make_env(task: str | Task = DEFAULT_TASK, max_steps: int = DEFAULT_MAX_STEPS,
             record_dir: str | Path | None = None, policy: Mapping[str, Any] | str | None = None,
             **options: Any) -> gym.Env[dict[str, Any], Any]:
    """The env as the agent plays it: MinecraftEnv(task, **options) taking tokens (TokenActions), truncated
    after max_steps (StepLimit), and with record_dir, every episode recorded there (RecordSession; policy:
    who decides, for the session metadata)."""
    env: gym.Env[dict[str, Any], Any] = StepLimit(TokenActions(MinecraftEnv(task, **options)), int(max_steps))
    if record_dir is not None:
        who = {"name": policy} if isinstance(policy, str) else dict(policy or {})
        env = RecordSession(env, record_dir, {"max_steps": int(max_steps), "policy": who})
    return env
