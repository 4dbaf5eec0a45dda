"""The expert's planning over the recipe graph, on a paper world.

The paper world applies each skill token's effect to an inventory the way the real skills do (mining needs
the harvest tier, crafting consumes a minecraft-data recipe and needs a table for 3x3, smelting needs a
furnace and fuel, things are found only at their depth). It checks the planner's logic in milliseconds;
the real run is `run_agent.py eval --policy expert` on the embedded server.
"""

from __future__ import annotations

from collections import Counter

import pytest

from skills.expert import FUEL_ITEMS, PICKAXE_TIERS, ExpertPlanner, min_pickaxe, recipes_for
from skills.vocabulary import game_data

DATA = game_data()
DROPS = {"stone": "cobblestone", "coal_ore": "coal", "iron_ore": "raw_iron", "diamond_ore": "diamond",
         "lapis_ore": "lapis_lazuli", "oak_log": "oak_log", "birch_log": "birch_log", "sugar_cane": "sugar_cane",
         "obsidian": "obsidian", "sand": "sand"}
ORE_XP = {"coal_ore": 1, "diamond_ore": 5, "lapis_ore": 3}


class PaperWorld:
    def __init__(self) -> None:
        self.inv: Counter = Counter()
        self.y = 64.0
        self.xp = 0
        self.placed: Counter = Counter()
        self.enchanted: dict = {}
        self.food = 20

    def near(self) -> dict[str, int]:
        n = Counter(self.placed)
        if self.y >= 55:
            n.update({"oak_log": 20, "birch_log": 5, "sugar_cane": 6, "water": 30, "grass_block": 100, "sand": 10})
        n.update({"stone": 500, "coal_ore": 10})
        if self.y <= 40:
            n["iron_ore"] += 8
        if self.y <= -30:
            n.update({"diamond_ore": 9, "lapis_ore": 6, "lava": 4})
        return {k: v for k, v in n.items() if v > 0}

    def state(self) -> dict:
        return {"inventory": {k: v for k, v in self.inv.items() if v > 0}, "position": {"x": 0, "y": self.y, "z": 0},
                "nearby_blocks": {"radius": 16, "counts": self.near(), "nearest": {}}, "food": self.food,
                "xp": {"level": self.xp // 10, "points": self.xp, "progress": 0}, "enchanted": self.enchanted,
                "nearby_entities": [{"name": "cow", "kind": "animal"}] if self.y >= 55 else []}

    def has_tier(self, pickaxe: str | None) -> bool:
        return pickaxe is None or any(self.inv[p] for p in PICKAXE_TIERS[PICKAXE_TIERS.index(pickaxe):])

    def apply(self, token: str, args: dict) -> tuple[bool, str]:
        verb, _, target = token.partition(":")
        n = args.get("count", 1)
        if verb == "mine":
            if self.near().get(target, 0) <= 0:
                return False, "not_found"
            if not self.has_tier(min_pickaxe(target)):
                return False, "missing_tool"
            take = min(n, self.near()[target])
            self.inv[DROPS[target]] += take * (4 if target == "lapis_ore" else 1)
            self.xp += ORE_XP.get(target, 0) * take
            if target in self.placed:
                self.placed[target] -= take
            return True, ""
        if verb == "craft":
            for _ in range(-(-n // recipes_for(target, DATA)[0].count)):
                ok = [r for r in recipes_for(target, DATA) if all(self.inv[i] >= c for i, c in r.ingredients.items())]
                if not ok:
                    return False, "missing_items"
                r = ok[0]
                if r.needs_table and not (self.placed["crafting_table"] or self.inv["crafting_table"]):
                    return False, "missing_items: table"
                if r.needs_table and not self.placed["crafting_table"]:
                    self.inv["crafting_table"] -= 1
                    self.placed["crafting_table"] += 1
                self.inv.subtract(r.ingredients)
                self.inv[target] += r.count
            return True, ""
        if verb == "smelt":
            src = {"iron_ingot": "raw_iron"}[target]
            need = float(n)  # the skill's rule: enough fuel for every item, burning the cheapest first
            fuel = {f: self.inv[f] for f in sorted(FUEL_ITEMS, key=FUEL_ITEMS.get) if self.inv[f] > 0}
            if self.inv[src] < n or sum(c * FUEL_ITEMS[f] for f, c in fuel.items()) < need or \
                    not (self.placed["furnace"] or self.inv["furnace"]):
                return False, "missing_items"
            if not self.placed["furnace"]:
                self.inv["furnace"] -= 1
                self.placed["furnace"] += 1
            for f in fuel:
                while need > 0 and self.inv[f] > 0:
                    self.inv[f] -= 1
                    need -= FUEL_ITEMS[f]
            self.inv[src] -= n
            self.inv[target] += n
            return True, ""
        if verb == "kill":
            if self.y < 55:
                return False, "not_found"
            self.inv.update({"leather": 1, "beef": 2})
            return True, ""
        if verb == "dig_down":
            if not self.has_tier("wooden_pickaxe"):
                return False, "missing_tool"
            self.y = min(self.y, float(target))
            return True, ""
        if verb == "surface":
            self.y = 64.0
            return True, ""
        if verb == "fill_bucket":
            if not self.inv["bucket"] or "water" not in self.near():
                return False, "not_found"
            self.inv["bucket"] -= 1
            self.inv["water_bucket"] += 1
            return True, ""
        if verb == "make_obsidian":
            if not self.inv["water_bucket"] or "lava" not in self.near():
                return False, "not_found"
            self.placed["obsidian"] += 1
            return True, ""
        if verb == "enchant":
            if not (self.inv[target] and self.inv["lapis_lazuli"] and self.xp >= 10 and
                    (self.placed["enchanting_table"] or self.inv["enchanting_table"])):
                return False, "missing_items"
            self.inv["lapis_lazuli"] -= 1
            self.enchanted[target] = [[{"name": "sharpness", "level": 1}]]
            return True, ""
        if verb == "eat":
            self.inv[target] -= 1
            self.food = 20
            return True, ""
        if verb == "explore":
            return True, ""
        raise AssertionError(f"unexpected token {token}")


def play(planner: ExpertPlanner, world: PaperWorld, steps: int = 200) -> list[tuple[str, bool]]:
    log = []
    for _ in range(steps):
        action = planner.next_action(world.state())
        if action is None:
            return log
        token, args = action
        ok, why = world.apply(token, args)
        planner.record(token, {"ok": ok, "error": None if ok else {"kind": why}})
        log.append((token, ok))
    raise AssertionError(f"no enchanted sword after {steps} steps; last: {log[-10:]}")


def test_reaches_the_enchanted_diamond_sword_on_paper() -> None:
    world = PaperWorld()
    log = play(ExpertPlanner("diamond_sword", enchant=True), world)
    assert world.enchanted.get("diamond_sword")
    failures = [t for t, ok in log if not ok]
    assert len(failures) <= 2, failures
    tokens = [t for t, _ in log]
    # The chain goes through the tiers in order.
    order = [tokens.index(t) for t in ("craft:wooden_pickaxe", "craft:stone_pickaxe", "craft:iron_pickaxe", "craft:diamond_pickaxe", "craft:diamond_sword", "enchant:diamond_sword")]
    assert order == sorted(order)
    assert "fill_bucket:water" in tokens and "make_obsidian" in tokens


@pytest.mark.parametrize("target", ["wooden_sword", "stone_sword", "iron_sword", "diamond_sword"])
def test_reaches_each_tier_without_enchanting(target: str) -> None:
    world = PaperWorld()
    play(ExpertPlanner(target, enchant=False), world)
    assert world.inv[target] >= 1


@pytest.mark.parametrize("target,pickaxes", [
    ("wooden_sword", []), ("stone_sword", ["wooden_pickaxe"]), ("stone_pickaxe", ["wooden_pickaxe", "stone_pickaxe"]),
    ("iron_sword", ["wooden_pickaxe", "stone_pickaxe"]), ("diamond_sword", ["wooden_pickaxe", "stone_pickaxe", "iron_pickaxe"]),
])
def test_makes_only_the_pickaxes_the_targets_materials_need(target: str, pickaxes: list[str]) -> None:
    world = PaperWorld()
    log = play(ExpertPlanner(target, enchant=False), world)
    crafted = sorted({t.split(":")[1] for t, ok in log if ok and t.startswith("craft:") and t.endswith("_pickaxe")})
    assert crafted == sorted(pickaxes), log


def test_recovers_after_losing_everything() -> None:
    world = PaperWorld()
    planner = ExpertPlanner("diamond_sword", enchant=True)
    for _ in range(25):  # some progress, then a death drops the inventory
        token, args = planner.next_action(world.state())
        world.apply(token, args)
    assert sum(world.inv.values()) > 0
    world.inv.clear()
    world.y = 64.0
    play(planner, world)
    assert world.enchanted.get("diamond_sword")


def test_changes_strategy_when_a_mine_keeps_failing() -> None:
    planner = ExpertPlanner("wooden_pickaxe", enchant=False)
    state = PaperWorld().state()
    token, _ = planner.next_action(state)
    assert token.startswith("mine:") and token.endswith("_log")
    planner.record(token, {"ok": False})
    planner.record(token, {"ok": False})
    assert planner.next_action(state)[0] == "explore"


def test_eats_when_hungry() -> None:
    world = PaperWorld()
    world.inv["beef"] = 2
    world.food = 5
    assert ExpertPlanner().next_action(world.state()) == ("eat:beef", {})


def test_smelts_only_what_its_fuel_allows() -> None:
    """Seen on seed 4: 3 raw iron and fuel for 2.5 items (1 planks, 2 sticks) must not loop on a failing smelt."""
    world = PaperWorld()
    world.inv.update({"raw_iron": 3, "oak_planks": 1, "stick": 2, "stone_pickaxe": 1, "furnace": 1, "book": 1,
                      "crafting_table": 2})
    world.y = -23
    token, args = ExpertPlanner("iron_pickaxe", enchant=False).next_action(world.state())
    assert (token, args) == ("smelt:iron_ingot", {"count": 2})


def test_drops_piled_up_stone() -> None:
    world = PaperWorld()
    world.inv.update({"cobblestone": 300, "cobbled_deepslate": 100, "stone_pickaxe": 1})
    assert ExpertPlanner().next_action(world.state()) == ("drop:cobblestone", {"keep": 64})


def test_looks_for_lava_underground_when_make_obsidian_keeps_failing() -> None:
    world = PaperWorld()
    world.inv.update({"water_bucket": 1, "diamond_pickaxe": 1, "stone_pickaxe": 1, "book": 1, "lapis_lazuli": 3})
    world.y = -54
    planner = ExpertPlanner()
    assert planner.next_action(world.state())[0] == "make_obsidian"
    planner.record("make_obsidian", {"ok": False})
    planner.record("make_obsidian", {"ok": False})
    assert planner.next_action(world.state())[0] == "explore"


def test_the_expert_digs_only_to_levels_the_vocabulary_can_say() -> None:
    from skills.expert import MINED, _deeper
    from skills.vocabulary import DIG_LEVELS, token_index

    assert all(band in DIG_LEVELS for _, band in MINED.values() if band is not None)
    for y in range(-64, 120):
        for at_least in (8, 12):
            level = _deeper({"position": {"x": 0, "y": y, "z": 0}}, at_least)
            assert f"dig_down:{level}" in token_index() and (level <= y - at_least or level == DIG_LEVELS[-1])
