"""A scripted stand-in for a world and its bridge, under the real MinecraftEnv and its wrappers.

Each skill of `skills` adds its items to the inventory and advances the game clock by `ticks_per_skill`;
any other token fails as the bridge refuses an unknown skill. It tests the agent's loop, wrappers and
arithmetic (play, eval, recording), not the world: tests/test_env.py plays real ones.

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed, ticks_per_skill=100))
    env = make_env(task="wooden_sword")     # every reset now "launches" a scripted world
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pytest

from bridge.messages import Event, FrameSettings, SkillResult, VerbInfo

WOODEN_SKILLS: dict[str, dict[str, int]] = {
    "mine:oak_log": {"oak_log": 3},
    "craft:oak_planks": {"oak_planks": 4},
    "craft:wooden_pickaxe": {"wooden_pickaxe": 1},
    "craft:wooden_sword": {"wooden_sword": 1},
}


@dataclass
class ScriptedWorld:
    seed: int | None
    ticks_per_skill: int = 100
    skills: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: dict(WOODEN_SKILLS))
    dies_after: int | None = None          # the server "exits" after this many skills
    deaths_at: tuple[int, ...] = ()        # a death event during these skills (1 = the first)
    frames: FrameSettings = field(default_factory=lambda: FrameSettings(fps=0, width=32, height=24))
    inventory: dict[str, int] = field(default_factory=dict)
    tick: int = 1000
    calls: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    pending: list[Event] = field(default_factory=list)
    embedded: bool = True
    give_assist: bool = False              # report an assist use per skill
    server: str = "127.0.0.1:25565"
    bridge: Any = None                     # what MinecraftEnv reads of the bridge process: stderr_tail
    world: dict[str, Any] | None = None    # the state's world (id, game_time), when the test sets one

    # -- what MinecraftEnv uses of agent.launch.World

    def connect(self, frames: FrameSettings | None = None) -> ScriptedClient:
        return ScriptedClient(self)

    def check_alive(self) -> None:
        if self.dies_after is not None and len(self.calls) >= self.dies_after:
            raise RuntimeError("the embedded server exited with code 1\n(last log lines)")

    def metadata(self) -> dict[str, Any]:
        return {"server": self.server, "embedded": True, "seed": self.seed, "assists": [], "username": "larm",
                "frames": self.frames.to_dict(), "versions": {"minecraft": "scripted"}}

    def assist_events(self) -> list[dict[str, Any]]:
        # A world started with the give assist reports one use per skill (as the server's assist log would).
        return [{"event": "assist", "assist": "give", "skill": i} for i in range(len(self.calls))] if self.give_assist else []

    # -- the game

    def state(self) -> dict[str, Any]:
        return {"tick": self.tick, "alive": True, "health": 20, "food": 20, "inventory": dict(self.inventory),
                "equipment": {"hand": None}, "position": {"x": 0, "y": 64, "z": 0},
                **({"world": dict(self.world)} if self.world is not None else {})}

    def run(self, token: str, args: dict[str, Any] | None) -> SkillResult:
        self.calls.append((token, None if args is None else dict(args)))
        self.tick += self.ticks_per_skill
        if len(self.calls) in self.deaths_at:
            self.pending.append(Event("death", self.tick, {}))
        if token == "bug":   # a skill that fails on a bug of its own, as the runner reports one
            return SkillResult.failure(f"s{len(self.calls)}", token, "internal", "the skill bug stopped on an internal error",
                                       wall_ms=5.0)
        if token not in self.skills:
            return SkillResult.failure(f"s{len(self.calls)}", token, "unknown_skill", f"no skill {token}", wall_ms=5.0)
        gains = dict(self.skills[token])
        for item, n in gains.items():
            self.inventory[item] = self.inventory.get(item, 0) + n
        return SkillResult(f"s{len(self.calls)}", token, True, None, gains, self.ticks_per_skill, 5.0)


class ScriptedClient:
    """What MinecraftEnv uses of bridge.client.SyncBridgeClient."""

    def __init__(self, world: ScriptedWorld) -> None:
        self.world = world
        self.closed = False
        self.client = SimpleNamespace(close_reason=None)
        # As a bridge announces them: mine has a deadline of its own, craft the default.
        self.welcome = SimpleNamespace(verbs=[VerbInfo("mine", "block", "", {}, 300_000), VerbInfo("craft", "item", "", {})])
        self.deadlines: list[int] = []   # the deadline each skill was sent with

    def run_skill(self, token: str, args: Mapping[str, Any] | None = None, deadline_ms: int = 0) -> SkillResult:
        self.deadlines.append(deadline_ms)
        return self.world.run(token, None if args is None else dict(args))

    def drain_events(self) -> list[Event]:
        events, self.world.pending = self.world.pending, []
        return events

    def observe(self) -> SimpleNamespace:
        state = self.world.state()
        return SimpleNamespace(to_dict=lambda: state)

    def frame(self, labels: bool = False) -> SimpleNamespace:
        f = self.world.frames
        rgb = np.full((f.height, f.width, 3), self.world.tick % 256, np.uint8)
        return SimpleNamespace(rgb=rgb, labels=np.ones((f.height, f.width), np.uint16) if labels else None)

    def close(self) -> None:
        self.closed = True


def use_scripted_worlds(monkeypatch: pytest.MonkeyPatch, world: Callable[[int | None], ScriptedWorld]
                        ) -> list[ScriptedWorld]:
    """Make every world MinecraftEnv launches a `world(seed)`; returns the worlds launched so far."""
    launched: list[ScriptedWorld] = []

    @contextlib.contextmanager
    def launch(seed: int | None = None, **_: Any) -> Iterator[ScriptedWorld]:
        launched.append(world(seed))
        yield launched[-1]

    monkeypatch.setattr("agent.env.launch", launch)
    return launched


class ScriptedPolicy:
    """Plays `tokens` in order (with args {"count": 1}), then says it is done (None)."""

    name = "scripted"

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.observed: list[tuple[str, bool]] = []
        self.reset()

    def reset(self) -> None:
        self.next = 0

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        if self.next >= len(self.tokens):
            return None
        self.next += 1
        return (self.tokens[self.next - 1], {"count": 1})

    def observe(self, token: str, result: dict[str, Any]) -> None:
        self.observed.append((token, bool(result.get("ok"))))
