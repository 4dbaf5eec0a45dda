"""skills/vocabulary.py: tokens generated from minecraft-data, machine-checkable preconditions, the mask."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from skills.vocabulary import (
    Preconditions, action_mask, can_harvest, craft_closure, explain_mask, harvest_tier, harvest_tools, token_index,
    vocabulary, vocabulary_fingerprint,
)

VERBS = {"mine", "collect", "craft", "smelt", "place", "equip", "kill", "eat", "explore", "dig_down", "surface",
         "fill_bucket", "make_obsidian", "enchant", "drop"}


def state(inventory: dict[str, int] | None = None, blocks: dict[str, int] | None = None, level: int = 0,
          hand: str | None = None, food: float = 20, y: float = 64, **extra: object) -> dict:
    return {
        "username": "larm", "alive": True, "tick": 0, "time_of_day": 0, "dimension": "overworld", "biome": "plains",
        "position": {"x": 0, "y": y, "z": 0}, "facing": {"yaw": 0, "pitch": 0}, "health": 20, "food": food,
        "xp": {"level": level, "points": 0, "progress": 0}, "inventory": dict(inventory or {}),
        "equipment": {"hand": hand, "offhand": None, "head": None, "chest": None, "legs": None, "feet": None},
        "nearby_blocks": {"radius": 16, "counts": dict(blocks or {}), "nearest": {}},
        "nearby_entities": [], "dropped_items": [], **extra,
    }


def tok(name: str):
    return vocabulary()[token_index()[name]]


def mask_of(s: dict) -> dict[str, bool]:
    vocab = vocabulary()
    return dict(zip((t.token for t in vocab), action_mask(vocab, s).tolist()))


def test_tokens_use_only_the_runtime_verbs_and_are_unique() -> None:
    vocab = vocabulary()
    assert {t.verb for t in vocab} == VERBS
    names = [t.token for t in vocab]
    assert len(names) == len(set(names))
    for t in vocab:
        assert t.token == (t.verb if t.target is None else f"{t.verb}:{t.target}")
        assert t.description and "\n" not in t.description
        json.dumps(t.to_dict())  # preconditions are plain data


def test_expected_tokens_exist() -> None:
    names = set(token_index())
    for name in ["mine:oak_log", "mine:birch_log", "mine:stone", "mine:coal_ore", "mine:iron_ore", "mine:deepslate",
                 "mine:diamond_ore", "mine:gold_ore", "surface", "mine:lapis_ore", "mine:redstone_ore", "mine:obsidian",
                 "mine:sand", "mine:gravel", "mine:sugar_cane", "mine:dirt",
                 "craft:oak_planks", "craft:stick", "craft:crafting_table", "craft:wooden_pickaxe", "craft:stone_pickaxe",
                 "craft:iron_pickaxe", "craft:diamond_pickaxe", "craft:diamond_sword", "craft:furnace", "craft:bucket",
                 "craft:paper", "craft:book", "craft:enchanting_table", "craft:torch", "craft:diamond_chestplate",
                 "smelt:iron_ingot", "smelt:gold_ingot", "smelt:charcoal", "smelt:cooked_beef", "smelt:glass",
                 "place:crafting_table", "place:furnace", "place:enchanting_table", "equip:diamond_sword",
                 "equip:diamond_helmet", "kill:cow", "kill:sheep", "kill:pig", "kill:chicken", "eat:cooked_beef",
                 "collect:diamond", "explore", "dig_down:-58", "dig_down:16", "fill_bucket:water", "fill_bucket:lava",
                 "make_obsidian", "enchant:diamond_sword", "enchant:diamond_pickaxe"]:
        assert name in names, name
    # not on the way to enchanted diamond gear
    for name in ["craft:iron_block", "craft:iron_nugget", "craft:oak_wood", "craft:bamboo_planks", "craft:shield",
                 "mine:deepslate_iron_ore", "mine:deepslate_diamond_ore"]:  # one token per ore family
        assert name not in names, name


def test_order_is_deterministic_across_processes() -> None:
    code = "from skills.vocabulary import vocabulary_fingerprint as f, vocabulary as v; print(f(), len(v()))"
    outs = {subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(outs) == 1
    assert outs.pop().split()[0] == vocabulary_fingerprint()
    # the verb groups come in a fixed order, tech-tree order inside craft
    crafts = [t.target for t in vocabulary() if t.verb == "craft"]
    assert crafts.index("oak_planks") < crafts.index("crafting_table") < crafts.index("wooden_pickaxe") \
        < crafts.index("stone_pickaxe") < crafts.index("iron_pickaxe") < crafts.index("diamond_pickaxe")


def test_craft_stone_pickaxe_preconditions() -> None:
    pre = tok("craft:stone_pickaxe").preconditions
    d = pre.to_dict()
    assert d["near"] == "crafting_table"
    assert {"cobblestone": 3, "stick": 2} in d["any_of_items"][0]
    assert {"cobbled_deepslate": 3, "stick": 2} in d["any_of_items"][0]
    ok = state({"cobblestone": 3, "stick": 2}, blocks={"crafting_table": 1})
    assert pre.satisfied(ok)
    assert pre.satisfied(state({"cobblestone": 3, "stick": 2, "crafting_table": 1}))  # placeable from inventory
    assert not pre.satisfied(state({"cobblestone": 2, "stick": 2}, blocks={"crafting_table": 1}))
    assert not pre.satisfied(state({"cobblestone": 3, "stick": 1}, blocks={"crafting_table": 1}))
    assert not pre.satisfied(state({"cobblestone": 3, "stick": 2}))  # no table anywhere
    assert any("crafting_table" in u for u in pre.unmet(state({"cobblestone": 3, "stick": 2})))


def test_recipe_facts_from_minecraft_data() -> None:
    assert tok("craft:oak_planks").preconditions.items == {"oak_log": 1}
    assert tok("craft:oak_planks").preconditions.near is None  # 2x2 grid
    assert tok("craft:book").preconditions.items == {"paper": 3, "leather": 1}
    assert tok("craft:book").preconditions.near is None  # shapeless, 4 ingredients fit the 2x2 grid
    assert tok("craft:paper").preconditions.items == {"sugar_cane": 3}
    assert tok("craft:enchanting_table").preconditions.items == {"book": 1, "diamond": 2, "obsidian": 4}
    assert tok("craft:bucket").preconditions.items == {"iron_ingot": 3}
    assert tok("craft:diamond_sword").preconditions.items == {"diamond": 2, "stick": 1}
    closure = craft_closure()
    assert "iron_ingot" not in closure  # smelted, never crafted from a block
    assert "diamond" not in closure


def test_harvest_tiers() -> None:
    assert harvest_tier("oak_log") is None and harvest_tools("dirt") == ()
    assert harvest_tier("stone") == "wooden_pickaxe+"
    assert harvest_tier("iron_ore") == "stone_pickaxe+" and harvest_tier("lapis_ore") == "stone_pickaxe+"
    assert harvest_tier("diamond_ore") == "iron_pickaxe+" and harvest_tier("deepslate_redstone_ore") == "iron_pickaxe+"
    assert harvest_tier("obsidian") == "diamond_pickaxe+"
    assert not can_harvest("iron_ore", ["wooden_pickaxe"]) and can_harvest("iron_ore", ["stone_pickaxe"])
    assert tok("mine:iron_ore").variants == ("iron_ore", "deepslate_iron_ore")
    assert tok("mine:stone").variants == ("stone",)
    assert tok("mine:iron_ore").produces == ("raw_iron",)


def test_mask_on_crafted_states() -> None:
    empty = mask_of(state())
    assert empty["explore"] and empty["mine:oak_log"] and empty["kill:cow"]
    assert not empty["mine:stone"] and not empty["craft:oak_planks"] and not empty["place:crafting_table"]
    assert not empty["dig_down:-58"] and not empty["enchant:diamond_sword"] and not empty["collect:oak_log"]

    wood = mask_of(state({"oak_log": 2, "oak_planks": 4}))
    assert wood["craft:oak_planks"] and wood["craft:crafting_table"] and wood["craft:stick"]
    assert not wood["craft:birch_planks"] and not wood["craft:wooden_pickaxe"]  # no sticks, no table

    pick = mask_of(state({"wooden_pickaxe": 1}))
    assert pick["mine:stone"] and pick["mine:coal_ore"] and pick["dig_down:-58"] and pick["equip:wooden_pickaxe"]
    assert not pick["mine:iron_ore"] and not pick["mine:diamond_ore"]
    held = mask_of(state({}, hand="stone_pickaxe"))  # a held tool counts
    assert held["mine:iron_ore"] and not held["mine:diamond_ore"]
    assert mask_of(state({"iron_pickaxe": 1}))["mine:diamond_ore"]
    assert not mask_of(state({"iron_pickaxe": 1}))["mine:obsidian"]
    assert mask_of(state({"diamond_pickaxe": 1}))["mine:obsidian"]
    assert not mask_of(state({"wooden_pickaxe": 1}, y=-58))["dig_down:-58"]

    smelt = mask_of(state({"raw_iron": 1, "coal": 1}, blocks={"furnace": 1}))
    assert smelt["smelt:iron_ingot"] and not smelt["smelt:gold_ingot"]
    assert not mask_of(state({"raw_iron": 1}, blocks={"furnace": 1}))["smelt:iron_ingot"]  # no fuel
    assert not mask_of(state({"raw_iron": 1, "coal": 1}))["smelt:iron_ingot"]  # no furnace

    ench = state({"diamond_sword": 1, "lapis_lazuli": 2}, blocks={"enchanting_table": 1}, level=3)
    assert mask_of(ench)["enchant:diamond_sword"]
    assert not mask_of(dict(ench, xp={"level": 0, "points": 0, "progress": 0}))["enchant:diamond_sword"]
    assert not mask_of(dict(ench, enchanted={"diamond_sword": [[{"name": "sharpness", "level": 1}]]}))["enchant:diamond_sword"]
    two = dict(ench, inventory={"diamond_sword": 2, "lapis_lazuli": 2},
               enchanted={"diamond_sword": [[{"name": "sharpness", "level": 1}]]})
    assert mask_of(two)["enchant:diamond_sword"]  # the second sword is not enchanted yet

    assert mask_of(state({"cooked_beef": 1}, food=10))["eat:cooked_beef"]
    assert not mask_of(state({"cooked_beef": 1}, food=20))["eat:cooked_beef"]
    assert mask_of(state({"bucket": 1}))["fill_bucket:lava"] and mask_of(state({"water_bucket": 1}))["make_obsidian"]
    dropped = state(dropped_items=[{"item": "oak_log", "count": 1, "position": {"x": 1, "y": 64, "z": 0}, "distance": 1}])
    assert mask_of(dropped)["collect:oak_log"]


def test_strict_mask_needs_the_target_in_sight() -> None:
    vocab = vocabulary()
    i = token_index()
    s = state({"stone_pickaxe": 1})
    assert action_mask(vocab, s)[i["mine:iron_ore"]] and not action_mask(vocab, s, strict=True)[i["mine:iron_ore"]]
    s["nearby_blocks"]["counts"]["deepslate_iron_ore"] = 3  # the deepslate variant counts for the family
    assert action_mask(vocab, s, strict=True)[i["mine:iron_ore"]]
    assert "mine:diamond_ore" in explain_mask(vocab, s)


def test_mask_accepts_an_observation() -> None:
    from bridge.messages import Observation

    obs = Observation.from_dict(state({"oak_log": 1}))
    m = action_mask(vocabulary(), obs)
    assert m.dtype == np.bool_ and m.shape == (len(vocabulary()),) and m[token_index()["craft:oak_planks"]]


def test_preconditions_roundtrip_to_dict() -> None:
    pre = Preconditions(items={"a": 1}, tool=("x",), tool_label="x+", near="furnace", xp_level=2, hungry=True)
    assert pre.to_dict() == {"items": {"a": 1}, "tool": "x+", "tool_items": ["x"], "near": "furnace", "xp_level": 2,
                             "hungry": True}


def test_every_token_parses_in_the_skill_runtime(node, tmp_path) -> None:
    """The bridge's own parser (skills/runner.js parseSkill) accepts every token: no policy output is unknown."""
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps([t.token for t in vocabulary()]))
    script = (
        "const { parseSkill } = require('./skills/runner');"
        "const registry = require('minecraft-data')(require('larm-world/vanilla/versions.json').minecraft);"
        "const bad = [];"
        f"for (const t of require({json.dumps(str(tokens))})) {{ try {{ parseSkill(t, {{}}, registry) }} catch (e) {{ bad.push(t + ': ' + e.message) }} }}"
        "console.log(JSON.stringify(bad));"
    )
    out = subprocess.run([str(node), "-e", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_arguments_round_up_to_the_verbs_values_and_back() -> None:
    from skills.vocabulary import argument_class, argument_mask, argument_values, arguments_of

    values = argument_values()
    assert values == tuple(sorted(set(values)))
    assert values[argument_class("mine:iron_ore", {"count": 3})] == 3
    assert values[argument_class("craft:stick", {"count": 7})] == 8       # one more is cheap, one short fails
    assert values[argument_class("mine:stone", {"count": 64})] == 16      # capped at the verb's largest
    assert values[argument_class("explore", {"distance": 40})] == 48
    assert argument_class("kill:cow", {}) is None and argument_class("mine:stone", None) is None
    assert argument_class("mine:stone", {"keep": 3}) is None              # not the verb's argument
    assert arguments_of("craft:stick", argument_class("craft:stick", {"count": 7})) == {"count": 8}
    assert arguments_of("drop:dirt", argument_class("drop:dirt", {"keep": 64})) == {"keep": 64}
    assert arguments_of("kill:cow", 3) == {} and not argument_mask("kill:cow").any()
    assert [v for v, ok in zip(values, argument_mask("explore")) if ok] == [16, 32, 48]
    with pytest.raises(ValueError, match="not one of"):
        arguments_of("explore", values.index(3))
