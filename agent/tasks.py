"""The task registry: milestones, tasks, the evaluation's tool tiers and the expert's targets.

A milestone is an item on the tech tree, reached the first time the agent holds it (in the state after a
step, in the step's positive inventory change, or in an equipment slot). A task is a goal: the milestones
on its way and the one that says it is done. Rewards (agent/rewards.py), evaluation (agent/evaluation.py),
the expert policy and the training data all read tasks from here.

Enchantments: inventory counts do not say whether an item is enchanted, so enchanted items are read from
the state's ``enchanted`` field, which the bridge sends as
``state["enchanted"] = {"diamond_sword": [[{"name": "sharpness", "level": 1}]], ...}``
(item name -> one list of enchantments per enchanted item of that kind; the flat form of one item,
``{"diamond_sword": [{"name", "level"}]}``, is accepted too). A successful ``enchant:diamond_sword`` skill
result also counts, for servers where the state cannot read enchantments.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

State = Mapping[str, Any]
Test = Callable[[State, Mapping[str, Any] | None], bool]


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


def has_enchanted(item: str) -> Test:
    def test(state: State, result: Mapping[str, Any] | None = None) -> bool:
        if item in enchanted_items(state):
            return True
        # Fallback where the state cannot say: the enchant skill succeeded in this step.
        return bool(result and result.get("ok") and result.get("token") == f"enchant:{item}")
    return test


def has_any(*items: str, suffix: str | None = None) -> Test:
    def test(state: State, result: Mapping[str, Any] | None = None) -> bool:
        have = held_items(state, result)
        return any(i in have for i in items) or (suffix is not None and any(h.endswith(suffix) for h in have))
    return test


@dataclass(frozen=True)
class Milestone:
    name: str
    weight: float  # the reward paid the first time it is reached in an episode
    test: Test = field(compare=False)
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
class Tier:
    """A tool tier of the evaluation protocol (design section 9): reached when the inventory holds one of
    `items`, or, for an `enchanted` tier, when the state lists an enchanted one."""

    name: str
    items: tuple[str, ...]
    enchanted: bool = False

    def reached(self, state: State) -> bool:
        if self.enchanted:
            listed = state.get("enchanted") or {}
            return any(bool(listed.get(i)) for i in self.items)
        inventory = state.get("inventory") or {}
        return any(inventory.get(i, 0) > 0 for i in self.items)


# In the order they are reached; reports and summaries list them so.
TIERS: dict[str, Tier] = {t.name: t for t in (
    Tier("wooden", ("wooden_pickaxe", "wooden_sword")),
    Tier("stone", ("stone_pickaxe", "stone_sword")),
    Tier("iron", ("iron_pickaxe", "iron_sword")),
    Tier("diamond", ("diamond_sword",)),
    Tier("enchanted_diamond", ("diamond_sword",), enchanted=True),
)}


@dataclass(frozen=True)
class Task:
    """A goal: its milestones (paid once each) and its success milestone (the episode ends there)."""

    name: str
    tier: str  # the name of the tier (TIERS) the task completes
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
    # Short tasks of the referee-RL ablation (issue 12): a pickaxe, with no sword on the way.
    Task("stone_pickaxe", "stone", "craft a stone pickaxe", _STONE + ("stone_pickaxe",), "stone_pickaxe"),
    Task("iron_pickaxe", "iron", "craft an iron pickaxe", _IRON + ("iron_pickaxe",), "iron_pickaxe"),
    Task("stone_sword", "stone", "craft a stone sword", _STONE + ("stone_sword",), "stone_sword"),
    Task("iron_sword", "iron", "craft an iron sword", _IRON + ("iron_sword",), "iron_sword"),
    Task("diamond_sword", "diamond", "craft a diamond sword", _DIAMOND + ("diamond_sword",), "diamond_sword"),
    Task("enchanted_diamond_sword", "enchanted_diamond",
         "craft a diamond sword and enchant it at an enchanting table",
         tuple(m.name for m in MILESTONES), "enchanted_diamond_sword"),
)}
DEFAULT_TASK = "enchanted_diamond_sword"

# What the scripted expert (skills/expert.py) aims at for each task: (target item, enchanted?).
EXPERT_TARGETS: dict[str, tuple[str, bool]] = {
    "wooden_sword": ("wooden_sword", False),
    "stone_pickaxe": ("stone_pickaxe", False),
    "iron_pickaxe": ("iron_pickaxe", False),
    "stone_sword": ("stone_sword", False),
    "iron_sword": ("iron_sword", False),
    "diamond_sword": ("diamond_sword", False),
    "enchanted_diamond_sword": ("diamond_sword", True),
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(TASKS)}") from None


def task_description(task: str) -> str:
    """A task name in words; text that is not a task name is taken as the description itself."""
    return TASKS[task].description if task in TASKS else task
