"""agent/rewards.py: milestones paid once per episode, increasing weights, tasks and their success tests."""
from __future__ import annotations

import pytest

from agent.rewards import STEP_PENALTY, MilestoneReward
from agent.tasks import MILESTONES, TASKS, get_task


def st(inventory: dict[str, int] | None = None, hand: str | None = None, **extra: object) -> dict:
    return {"inventory": dict(inventory or {}), "equipment": {"hand": hand}, **extra}


def test_weights_increase_along_the_chain() -> None:
    weights = [m.weight for m in MILESTONES]
    assert weights == sorted(weights) and weights[-1] > weights[0]
    assert [m.name for m in MILESTONES][:3] == ["log", "planks", "crafting_table"]
    assert MILESTONES[-1].name == "enchanted_diamond_sword"


def test_each_milestone_is_paid_once() -> None:
    r = MilestoneReward("enchanted_diamond_sword")
    r.reset(st())
    a = r.step(st({"oak_log": 1}))
    assert a.new_milestones == ["log"] and a.reward == pytest.approx(1.0 + STEP_PENALTY)
    b = r.step(st({"oak_log": 2}))
    assert b.new_milestones == [] and b.reward == pytest.approx(STEP_PENALTY)
    c = r.step(st({"birch_planks": 4}))  # the log is gone, planks are new
    assert c.new_milestones == ["planks"]
    d = r.step(st({"oak_log": 5, "birch_planks": 4}))
    assert d.new_milestones == []


def test_gain_inside_one_step_counts_from_the_result() -> None:
    r = MilestoneReward()
    r.reset(st())
    out = r.step(st({"stick": 2}), {"ok": True, "token": "craft:crafting_table", "inventory_delta": {"crafting_table": 1}})
    assert "crafting_table" in out.new_milestones


def test_start_state_milestones_are_not_paid() -> None:
    r = MilestoneReward()
    r.reset(st({"oak_log": 3}))
    assert r.achieved == ["log"]
    assert r.step(st({"oak_log": 3})).new_milestones == []


def test_enchanted_sword_needs_the_enchanted_field() -> None:
    r = MilestoneReward("enchanted_diamond_sword")
    r.reset(st())
    plain = r.step(st({"diamond_sword": 1}))
    assert "diamond_sword" in plain.new_milestones and not plain.success
    done = r.step(st({"diamond_sword": 1}, enchanted={"diamond_sword": [{"name": "sharpness", "level": 1}]}))
    assert done.new_milestones == ["enchanted_diamond_sword"] and done.success
    assert get_task("enchanted_diamond_sword").succeeded(st({"diamond_sword": 1}, enchanted={"diamond_sword": [{"name": "x", "level": 1}]}))
    # the bridge's form: one list of enchantments per enchanted item
    assert get_task("enchanted_diamond_sword").succeeded(st({"diamond_sword": 1}, enchanted={"diamond_sword": [[{"name": "x", "level": 1}]]}))
    assert not get_task("enchanted_diamond_sword").succeeded(st({"diamond_sword": 1}, enchanted={"diamond_sword": [[]]}))
    assert not get_task("enchanted_diamond_sword").succeeded(st({"diamond_sword": 1}, enchanted={"diamond_sword": []}))


def test_enchant_skill_result_is_a_fallback() -> None:
    r = MilestoneReward()
    r.reset(st())
    out = r.step(st({"diamond_sword": 1}), {"ok": True, "token": "enchant:diamond_sword", "inventory_delta": {}})
    assert out.success


def test_tiers() -> None:
    assert set(TASKS) == {"wooden_sword", "stone_sword", "iron_sword", "diamond_sword", "enchanted_diamond_sword",
                          "stone_pickaxe", "iron_pickaxe"}
    r3 = MilestoneReward("stone_pickaxe")
    r3.reset(st())
    assert not r3.step(st({"stone_sword": 1})).success and r3.step(st({"stone_pickaxe": 1})).success
    r = MilestoneReward("wooden_sword")
    r.reset(st())
    out = r.step(st({"wooden_sword": 1}))
    assert out.success and out.new_milestones == ["wooden_sword"]
    r2 = MilestoneReward("stone_sword")
    r2.reset(st())
    assert not r2.step(st({"wooden_sword": 1})).success
    assert r2.step(st({}, hand="stone_sword")).success  # a held item counts
    assert "diamond" not in get_task("iron_sword").milestones
    with pytest.raises(KeyError, match="unknown task"):
        get_task("netherite_sword")


def test_death_penalty_optional() -> None:
    r = MilestoneReward(death_penalty=1.0)
    r.reset(st())
    assert r.step(st(), events=[{"event": "death"}]).reward == pytest.approx(-1.0 + STEP_PENALTY)
