"""agent/tasks.py: the task registry (tasks, tiers, expert targets) that rewards, evaluation and the expert read."""
from __future__ import annotations

import pytest

from agent.tasks import EXPERT_TARGETS, TASKS, TIERS, get_task, milestone, task_description

# Each tier and the items that reach it (design section 9): a pickaxe or a sword of the material.
TIER_ITEMS = {
    "wooden": ("wooden_pickaxe", "wooden_sword"),
    "stone": ("stone_pickaxe", "stone_sword"),
    "iron": ("iron_pickaxe", "iron_sword"),
    "diamond": ("diamond_sword",),
}
OTHER_TOOLS = ("wooden_axe", "stone_shovel", "iron_ingot", "iron_axe", "diamond", "diamond_pickaxe", "golden_sword")


def reached(inventory: dict[str, int], **extra: object) -> list[str]:
    return [name for name, tier in TIERS.items() if tier.reached({"inventory": inventory, **extra})]


def test_the_tiers_in_the_order_they_are_reached() -> None:
    assert list(TIERS) == ["wooden", "stone", "iron", "diamond", "enchanted_diamond"]


@pytest.mark.parametrize("tier", list(TIER_ITEMS))
def test_a_tier_is_reached_by_its_pickaxe_or_sword_only(tier: str) -> None:
    for item in TIER_ITEMS[tier]:
        assert reached({item: 1}) == [tier], item
    assert reached({item: 0 for item in TIER_ITEMS[tier]}) == []


def test_other_items_reach_no_tier() -> None:
    for item in OTHER_TOOLS:
        assert reached({item: 1}) == [], item


def test_the_enchanted_tier_needs_an_enchanted_diamond_sword() -> None:
    sword = {"diamond_sword": 1}
    assert reached(sword) == ["diamond"]
    assert reached(sword, enchanted={"diamond_sword": [[{"name": "sharpness", "level": 1}]]}) == ["diamond", "enchanted_diamond"]
    assert reached(sword, enchanted={"iron_sword": [[{"name": "sharpness", "level": 1}]]}) == ["diamond"]
    assert reached(sword, enchanted={"diamond_sword": []}) == ["diamond"]


def test_each_task_names_its_tier_and_its_success_milestone() -> None:
    assert {t.name: t.tier for t in TASKS.values()} == {
        "wooden_sword": "wooden", "stone_sword": "stone", "iron_sword": "iron", "diamond_sword": "diamond",
        "enchanted_diamond_sword": "enchanted_diamond", "stone_pickaxe": "stone", "iron_pickaxe": "iron"}
    for task in TASKS.values():
        assert task.tier in TIERS and task.milestones[-1] == task.success
        assert all(milestone(m) for m in task.milestones)


def test_the_expert_has_a_target_for_every_task() -> None:
    assert set(EXPERT_TARGETS) == set(TASKS)
    assert EXPERT_TARGETS["enchanted_diamond_sword"] == ("diamond_sword", True)
    assert all(not enchant and item == name for name, (item, enchant) in EXPERT_TARGETS.items()
               if name != "enchanted_diamond_sword")


def test_task_description() -> None:
    assert task_description("wooden_sword") == "craft a wooden sword" == get_task("wooden_sword").description
    assert task_description("build a house") == "build a house"
