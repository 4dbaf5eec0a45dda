"""Tech-tree milestone rewards and the task registry.

A milestone is paid once per episode, the first time the agent holds its item (in the state after a step,
in the step's positive inventory change, or in an equipment slot). Weights grow along the chain to the
enchanted diamond sword; every step costs a small penalty.

Enchantments: inventory counts do not say whether an item is enchanted, so enchanted items are read from
the state's ``enchanted`` field, which the bridge sends as
``state["enchanted"] = {"diamond_sword": [[{"name": "sharpness", "level": 1}]], ...}``
(item name -> one list of enchantments per enchanted item of that kind; the flat form of one item,
``{"diamond_sword": [{"name", "level"}]}``, is accepted too). A successful ``enchant:diamond_sword`` skill
result also counts, for servers where the state cannot read enchantments.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

STEP_PENALTY = -0.01

State = Mapping[str, Any]


def held_items(state: State, result: Mapping[str, Any] | None = None) -> set[str]:
    """Items the agent has in `state` (inventory and equipment) or gained in `result` (inventory_delta > 0)."""
    items = {name for name, n in (state.get("inventory") or {}).items() if n > 0}
    items |= {v for v in (state.get("equipment") or {}).values() if isinstance(v, str) and v}
    if result:
        items |= {name for name, n in (result.get("inventory_delta") or {}).items() if n > 0}
    return items


def enchanted_items(state: State) -> dict[str, list[list[dict[str, Any]]]]:
    """state["enchanted"]: item name -> the enchantments of each enchanted item of that name."""
    from bridge.messages import normalize_enchanted

    return normalize_enchanted(state.get("enchanted"))


def has_enchanted(item: str) -> Callable[[State, Mapping[str, Any] | None], bool]:
    def test(state: State, result: Mapping[str, Any] | None = None) -> bool:
        if item in enchanted_items(state):
            return True
        # Fallback where the state cannot say: the enchant skill succeeded in this step.
        return bool(result and result.get("ok") and result.get("token") == f"enchant:{item}")
    return test


def has_any(*items: str, suffix: str | None = None) -> Callable[[State, Mapping[str, Any] | None], bool]:
    def test(state: State, result: Mapping[str, Any] | None = None) -> bool:
        have = held_items(state, result)
        return any(i in have for i in items) or (suffix is not None and any(h.endswith(suffix) for h in have))
    return test


@dataclass(frozen=True)
class Milestone:
    name: str
    weight: float
    test: Callable[[State, Mapping[str, Any] | None], bool] = field(compare=False)
    description: str = ""


# The chain to the enchanted diamond sword, in order; weights never decrease along it.
MILESTONES: tuple[Milestone, ...] = (
    Milestone("log", 1.0, has_any(suffix="_log"), "any log"),
    Milestone("planks", 1.0, has_any(suffix="_planks"), "any planks"),
    Milestone("crafting_table", 2.0, has_any("crafting_table")),
    Milestone("wooden_pickaxe", 2.0, has_any("wooden_pickaxe")),
    Milestone("cobblestone", 3.0, has_any("cobblestone", "cobbled_deepslate")),
    Milestone("stone_pickaxe", 3.0, has_any("stone_pickaxe")),
    Milestone("furnace", 4.0, has_any("furnace")),
    Milestone("raw_iron", 4.0, has_any("raw_iron")),
    Milestone("iron_ingot", 5.0, has_any("iron_ingot")),
    Milestone("iron_pickaxe", 6.0, has_any("iron_pickaxe")),
    Milestone("bucket", 6.0, has_any("bucket", "water_bucket", "lava_bucket")),
    Milestone("diamond", 8.0, has_any("diamond")),
    Milestone("diamond_pickaxe", 8.0, has_any("diamond_pickaxe")),
    Milestone("obsidian", 10.0, has_any("obsidian")),
    Milestone("paper", 10.0, has_any("paper")),
    Milestone("book", 11.0, has_any("book")),
    Milestone("enchanting_table", 12.0, has_any("enchanting_table")),
    Milestone("lapis", 12.0, has_any("lapis_lazuli")),
    Milestone("diamond_sword", 14.0, has_any("diamond_sword")),
    Milestone("enchanted_diamond_sword", 20.0, has_enchanted("diamond_sword")),
)
MILESTONES_BY_NAME = {m.name: m for m in MILESTONES}
# Milestones of the lower tiers, not on the enchanted diamond chain.
EXTRA_MILESTONES: dict[str, Milestone] = {
    "wooden_sword": Milestone("wooden_sword", 4.0, has_any("wooden_sword")),
    "stone_sword": Milestone("stone_sword", 6.0, has_any("stone_sword")),
    "iron_sword": Milestone("iron_sword", 8.0, has_any("iron_sword")),
}


def milestone(name: str) -> Milestone:
    if name in MILESTONES_BY_NAME:
        return MILESTONES_BY_NAME[name]
    if name in EXTRA_MILESTONES:
        return EXTRA_MILESTONES[name]
    raise KeyError(f"unknown milestone {name!r}")


@dataclass(frozen=True)
class Task:
    """A goal: its milestones (paid once each) and its success milestone (the episode ends there)."""

    name: str
    tier: str
    description: str
    milestones: tuple[str, ...]
    success: str  # the milestone whose test says the task is done

    def succeeded(self, state: State, result: Mapping[str, Any] | None = None) -> bool:
        """The success test on one state (and the step's result: see the module docstring)."""
        return milestone(self.success).test(state, result)


_WOOD = ("log", "planks", "crafting_table")
_STONE = _WOOD + ("wooden_pickaxe", "cobblestone")
_IRON = _STONE + ("stone_pickaxe", "furnace", "raw_iron", "iron_ingot")
_DIAMOND = _IRON + ("iron_pickaxe", "diamond")

TASKS: dict[str, Task] = {t.name: t for t in (
    Task("wooden_sword", "wooden", "craft a wooden sword", _WOOD + ("wooden_sword",), "wooden_sword"),
    Task("stone_sword", "stone", "craft a stone sword", _STONE + ("stone_sword",), "stone_sword"),
    Task("iron_sword", "iron", "craft an iron sword", _IRON + ("iron_sword",), "iron_sword"),
    Task("diamond_sword", "diamond", "craft a diamond sword", _DIAMOND + ("diamond_sword",), "diamond_sword"),
    Task("enchanted_diamond_sword", "enchanted diamond",
         "craft a diamond sword and enchant it at an enchanting table",
         tuple(m.name for m in MILESTONES), "enchanted_diamond_sword"),
)}
DEFAULT_TASK = "enchanted_diamond_sword"


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(TASKS)}") from None


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
