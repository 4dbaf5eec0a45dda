"""The skill vocabulary for the enchanted-diamond tech tree, generated from minecraft-data (Minecraft 1.21.4).

A skill token is one decision of the policy: ``verb`` or ``verb:target`` (the verbs of the skill runtime in
skills/verbs/). Each token carries a one-line natural-language description (LARM's skill embeddings) and
machine-checkable preconditions (``Preconditions``), which ``action_mask`` evaluates against a state to mask
impossible actions. The order of ``vocabulary()`` is deterministic: it indexes the policy's output, so it
only changes when this file or the game data changes (``vocabulary_fingerprint`` identifies it).

What is generated, and from where:
- mine:<block>: the tech tree's blocks (listed below); drops from blocks.json (+ blockLoot), the harvest
  tools from blocks.json ``harvestTools`` (the harvest tier: "stone_pickaxe+" and so on). One token per
  ore family: the skill runtime's mine:iron_ore also digs deepslate_iron_ore (SkillToken.variants);
- craft:<item>: the closure of the ingredients of the tech tree's target items over recipes.json, using only
  recipes whose ingredients can be obtained in the world (mined, dropped by the passive mobs, smelted,
  crafted) and that are simpler than the item itself (no iron_ingot from an iron_block);
- smelt:<output>: the vanilla furnace recipes and fuels the tree uses (minecraft-data has none: they come
  from world/vanilla/, the tables the embedded server reads too);
- place, equip, kill, eat (foods.json), collect, explore, dig_down, fill_bucket, make_obsidian, enchant.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from world.node_runtime import NODE_MODULES
from world.vanilla import MINECRAFT_VERSION, OVERWORLD_TREES, fuel_ticks, smelting_inputs

_DATA_ROOT = NODE_MODULES / "minecraft-data" / "minecraft-data" / "data"

# ------------------------------------------------------------------------------ the tech tree, by hand

TREES = OVERWORLD_TREES
# Blocks worth mining on the way to enchanted diamond gear, in tech-tree order.
MINE_BLOCKS: tuple[str, ...] = (
    *(f"{t}_log" for t in TREES),
    "dirt", "sand", "gravel", "sugar_cane", "stone", "deepslate",
    "coal_ore", "iron_ore", "gold_ore", "lapis_ore", "redstone_ore", "diamond_ore", "obsidian",
)
# Items the tree is for; craft tokens are these plus everything their recipes need.
CRAFT_TARGETS: tuple[str, ...] = (
    "crafting_table", "stick",
    *(f"{m}_{t}" for m in ("wooden", "stone", "iron", "diamond") for t in ("pickaxe", "sword", "axe", "shovel")),
    "furnace", "torch", "bucket", "paper", "book", "enchanting_table",
    *(f"{m}_{p}" for m in ("iron", "diamond") for p in ("helmet", "chestplate", "leggings", "boots")),
)
# Vanilla furnace recipes used here: output -> inputs (any one of them).
SMELTING: dict[str, tuple[str, ...]] = {
    out: smelting_inputs(out) for out in ("iron_ingot", "gold_ingot", "charcoal", "glass", "stone", "cooked_beef",
                                          "cooked_porkchop", "cooked_chicken", "cooked_mutton")
}
SMELT_OUTPUTS: tuple[str, ...] = ("iron_ingot", "gold_ingot", "charcoal", "glass", "cooked_beef", "cooked_porkchop",
                                  "cooked_chicken", "cooked_mutton")
# Fuels the knowledge corpus describes besides the tree's own items (burn times: world.vanilla.fuel_ticks).
FUELS: tuple[str, ...] = ("lava_bucket", "coal_block", "coal", "charcoal", "crafting_table", "stick")
STATIONS: tuple[str, ...] = ("crafting_table", "furnace", "enchanting_table")
MOBS: tuple[str, ...] = ("cow", "sheep", "pig", "chicken")
# Levels dig_down goes to: a step every 16 blocks from the surface down to bedrock, and the ore bands
# (iron 16, lapis -30, diamonds and lava -54).
DIG_LEVELS: tuple[int, ...] = (48, 32, 16, 0, -16, -30, -42, -54, -58)
FLUIDS: tuple[str, ...] = ("water", "lava")
ENCHANT_TARGETS: tuple[str, ...] = (
    "diamond_sword", "diamond_pickaxe", "diamond_axe", "diamond_shovel",
    "diamond_helmet", "diamond_chestplate", "diamond_leggings", "diamond_boots",
    "iron_sword", "iron_pickaxe", "book",
)
EQUIP_SUFFIXES = ("_pickaxe", "_sword", "_axe", "_shovel", "_helmet", "_chestplate", "_leggings", "_boots")
ARMOR_SLOTS = {"_helmet": "head", "_chestplate": "chest", "_leggings": "legs", "_boots": "feet"}
VERB_ORDER = ("explore", "mine", "collect", "craft", "smelt", "place", "equip", "kill", "eat", "dig_down",
              "surface", "fill_bucket", "make_obsidian", "enchant", "drop")
# What digging piles up: drop tokens free inventory space (keeping a stack for building and crafting).
JUNK: tuple[str, ...] = ("cobblestone", "cobbled_deepslate", "dirt", "gravel", "sand", "raw_copper", "tuff",
                         "andesite", "diorite", "granite", "flint")
DROP_KEEP = 64
# The one argument a verb takes, and the values a policy chooses it from (an argument head's classes).
# A wanted amount between two values is rounded up to the next (one more item is cheap, one short fails).
VERB_ARGUMENTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "mine": ("count", (1, 2, 3, 4, 6, 8, 12, 16)),
    "collect": ("count", (1, 2, 3, 4, 6, 8, 12, 16)),
    "craft": ("count", (1, 2, 3, 4, 6, 8, 12, 16)),
    "smelt": ("count", (1, 2, 3, 4, 6, 8, 12, 16)),
    "explore": ("distance", (16, 32, 48)),
    "drop": ("keep", (DROP_KEEP,)),
}
# Pickaxe tiers, weakest first (golden mines like wood).
TOOL_TIERS = ("wooden", "golden", "stone", "iron", "diamond", "netherite")


# ------------------------------------------------------------------------------------- game data

class VocabularyDataError(RuntimeError):
    """minecraft-data is missing or not what this module expects."""


@dataclass(frozen=True)
class GameData:
    """The parts of minecraft-data (pc 1.21.4) the vocabulary reads."""

    items: dict[str, dict[str, Any]]         # name -> item
    items_by_id: dict[int, str]
    blocks: dict[str, dict[str, Any]]        # name -> block
    recipes: dict[str, list[dict[str, int]]]  # result name -> [ingredient counts per recipe variant]
    recipe_yield: dict[str, int]            # result name -> items per craft (first recipe)
    recipe_3x3: dict[str, list[bool]]       # result name -> per variant: needs the 3x3 grid of a crafting table
    foods: dict[str, dict[str, Any]]
    block_loot: dict[str, list[str]]        # block -> items it drops without silk touch
    entity_loot: dict[str, list[str]]       # mob -> items it drops
    entities: dict[str, dict[str, Any]]


def _load_json(kind: str, root: Path = _DATA_ROOT) -> Any:
    paths_file = root / "dataPaths.json"
    if not paths_file.is_file():
        raise VocabularyDataError(
            f"minecraft-data is not installed ({paths_file} is missing): run `npm ci` at the repository root")
    paths = json.loads(paths_file.read_text())["pc"][MINECRAFT_VERSION]
    if kind not in paths:
        raise VocabularyDataError(f"minecraft-data has no {kind} for pc {MINECRAFT_VERSION}")
    return json.loads((root / paths[kind] / f"{kind}.json").read_text())


@functools.lru_cache(maxsize=1)
def game_data() -> GameData:
    items_list = _load_json("items")
    items = {i["name"]: i for i in items_list}
    items_by_id = {int(i["id"]): i["name"] for i in items_list}
    blocks = {b["name"]: b for b in _load_json("blocks")}
    recipes: dict[str, list[dict[str, int]]] = {}
    recipe_yield: dict[str, int] = {}
    recipe_3x3: dict[str, list[bool]] = {}
    for result_id, variants in sorted(_load_json("recipes").items(), key=lambda kv: int(kv[0])):
        name = items_by_id.get(int(result_id))
        if name is None:
            continue
        for variant in variants:
            counts: dict[str, int] = {}
            if "inShape" in variant:
                rows = variant["inShape"]
                cells = [c for row in rows for c in row]
                wide = max(len(row) for row in rows) > 2 or len(rows) > 2
            else:
                cells = list(variant.get("ingredients", []))
                wide = len(cells) > 4
            for cell in cells:
                if cell is None:
                    continue
                ingredient = items_by_id.get(int(cell))
                if ingredient is None:
                    raise VocabularyDataError(f"recipe for {name} uses unknown item id {cell}")
                counts[ingredient] = counts.get(ingredient, 0) + 1
            if not counts:
                continue
            recipes.setdefault(name, []).append(counts)
            recipe_3x3.setdefault(name, []).append(wide)
            recipe_yield.setdefault(name, int(variant["result"].get("count", 1)))
    foods = {f["name"]: f for f in _load_json("foods")}
    block_loot: dict[str, list[str]] = {}
    for name, block in blocks.items():
        drops = [items_by_id[i] for i in block.get("drops", []) if i in items_by_id]
        block_loot[name] = drops
    for entry in _load_json("blockLoot"):
        extra = [d["item"] for d in entry.get("drops", []) if not d.get("silkTouch") and d["item"] in items]
        if entry["block"] in block_loot:
            block_loot[entry["block"]] = list(dict.fromkeys(block_loot[entry["block"]] + extra))
    entity_loot = {e["entity"]: [d["item"] for d in e.get("drops", []) if d["item"] in items]
                   for e in _load_json("entityLoot")}
    entities = {e["name"]: e for e in _load_json("entities")}
    return GameData(items, items_by_id, blocks, recipes, recipe_yield, recipe_3x3, foods, block_loot, entity_loot,
                    entities)


def display(name: str) -> str:
    """'oak_planks' -> 'oak planks' (minecraft-data's display name, lower case)."""
    item = game_data().items.get(name)
    if item is None:
        block = game_data().blocks.get(name)
        return (block["displayName"] if block else name.replace("_", " ")).lower()
    return str(item["displayName"]).lower()


# ------------------------------------------------------------------------------------ harvest tiers

def _tier_index(tool: str) -> int:
    material = tool.split("_", 1)[0]
    return TOOL_TIERS.index(material) if material in TOOL_TIERS else len(TOOL_TIERS)


def harvest_tools(block: str) -> tuple[str, ...]:
    """The tools that make `block` drop its items (blocks.json harvestTools), weakest first; () = any or none."""
    data = game_data()
    b = data.blocks.get(block)
    if b is None:
        raise KeyError(f"unknown block {block!r}")
    tools = [data.items_by_id[int(i)] for i in (b.get("harvestTools") or {})]
    return tuple(sorted(tools, key=lambda t: (_tier_index(t), t)))


def harvest_tier(block: str) -> str | None:
    """The weakest tool that harvests the block, as '<tool>+' (e.g. 'stone_pickaxe+'); None if a hand does."""
    tools = [t for t in harvest_tools(block) if not t.startswith("golden_")]
    return f"{tools[0]}+" if tools else None


def can_harvest(block: str, held: Iterable[str]) -> bool:
    """True if one of `held` (item names) makes the block drop its items."""
    tools = harvest_tools(block)
    return not tools or any(h in tools for h in held)


# ----------------------------------------------------------------------------------- preconditions

ItemCounts = Mapping[str, int]


@dataclass(frozen=True)
class Preconditions:
    """What must hold for a skill to be possible; every field is data, checked by ``unmet``.

    items:         every item with at least that count in the inventory.
    any_of_items:  groups; in each group, at least one alternative (a set of item counts) is in the inventory
                   (recipe variants, smelting inputs, fuels).
    tool:          one of these items is in the inventory or held; tool_label says it in words ('stone_pickaxe+').
    near:          a station block nearby (nearby_blocks.counts) or its item in the inventory (placeable).
    xp_level:      at least this XP level.
    hungry:        food below 20.
    above_y:       the bot stands above this y (dig_down).
    dropped:       an item of this kind lies nearby (dropped_items).
    unenchanted:   an item of this kind in the inventory that is not enchanted yet (enchant).
    visible_blocks / visible_entity: soft conditions, checked only with strict=True (the skill itself
                   searches further than the observation's radius).
    """

    items: Mapping[str, int] = field(default_factory=dict)
    any_of_items: tuple[tuple[Mapping[str, int], ...], ...] = ()
    tool: tuple[str, ...] = ()
    tool_label: str | None = None
    near: str | None = None
    xp_level: int = 0
    hungry: bool = False
    above_y: int | None = None
    dropped: str | None = None
    unenchanted: str | None = None
    visible_blocks: tuple[str, ...] = ()
    visible_entity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The non-empty conditions as JSON-ready data."""
        out: dict[str, Any] = {}
        if self.items:
            out["items"] = dict(self.items)
        if self.any_of_items:
            out["any_of_items"] = [[dict(alt) for alt in group] for group in self.any_of_items]
        if self.tool:
            out["tool"] = self.tool_label or "+".join(self.tool)
            out["tool_items"] = list(self.tool)
        for name in ("near", "above_y", "dropped", "unenchanted", "visible_entity"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.xp_level:
            out["xp_level"] = self.xp_level
        if self.hungry:
            out["hungry"] = True
        if self.visible_blocks:
            out["visible_blocks"] = list(self.visible_blocks)
        return out

    def unmet(self, state: Mapping[str, Any], strict: bool = False) -> list[str]:
        """The conditions `state` (a protocol state dict) does not meet, in words; [] when all hold."""
        inventory: Mapping[str, int] = state.get("inventory") or {}
        equipment: Mapping[str, Any] = state.get("equipment") or {}
        missing: list[str] = []
        for item, n in self.items.items():
            if inventory.get(item, 0) < n:
                missing.append(f"needs {n} {item} (has {inventory.get(item, 0)})")
        for group in self.any_of_items:
            if not any(all(inventory.get(i, 0) >= n for i, n in alt.items()) for alt in group):
                missing.append("needs one of " + " | ".join(
                    ", ".join(f"{n} {i}" for i, n in alt.items()) for alt in group[:4]) + (" | ..." if len(group) > 4 else ""))
        if self.tool:
            held = {equipment.get("hand"), equipment.get("offhand")}
            if not any(inventory.get(t, 0) > 0 or t in held for t in self.tool):
                missing.append(f"needs a tool: {self.tool_label or ' or '.join(self.tool)}")
        if self.near:
            counts = (state.get("nearby_blocks") or {}).get("counts") or {}
            if counts.get(self.near, 0) <= 0 and inventory.get(self.near, 0) <= 0:
                missing.append(f"needs a {self.near} nearby or in the inventory")
        if self.xp_level:
            level = int((state.get("xp") or {}).get("level", 0))
            if level < self.xp_level:
                missing.append(f"needs XP level {self.xp_level} (has {level})")
        if self.hungry and float(state.get("food", 20)) >= 20:
            missing.append("not hungry (food is full)")
        if self.above_y is not None:
            y = float((state.get("position") or {}).get("y", 0))
            if y <= self.above_y + 1:
                missing.append(f"already at or below y={self.above_y} (y={y:.0f})")
        if self.dropped is not None:
            if not any(d.get("item") == self.dropped for d in state.get("dropped_items") or []):
                missing.append(f"no {self.dropped} lies nearby")
        if self.unenchanted is not None:
            from bridge.messages import normalize_enchanted

            have = inventory.get(self.unenchanted, 0)
            enchanted = len(normalize_enchanted(state.get("enchanted")).get(self.unenchanted, []))
            if have - enchanted <= 0:
                missing.append(f"needs an unenchanted {self.unenchanted}")
        if strict:
            counts = (state.get("nearby_blocks") or {}).get("counts") or {}
            if self.visible_blocks and not any(counts.get(b, 0) > 0 for b in self.visible_blocks):
                missing.append(f"no {' or '.join(self.visible_blocks)} in sight")
            if self.visible_entity and not any(e.get("name") == self.visible_entity
                                               for e in state.get("nearby_entities") or []):
                missing.append(f"no {self.visible_entity} in sight")
        return missing

    def satisfied(self, state: Mapping[str, Any], strict: bool = False) -> bool:
        return not self.unmet(state, strict)


@dataclass(frozen=True)
class SkillToken:
    """One entry of the vocabulary."""

    token: str
    verb: str
    target: str | None
    description: str
    preconditions: Preconditions
    variants: tuple[str, ...] = ()  # mine: the blocks the token digs (iron_ore: iron_ore, deepslate_iron_ore)
    produces: tuple[str, ...] = ()  # items this skill is expected to add to the inventory

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"token": self.token, "verb": self.verb, "target": self.target,
                               "description": self.description, "preconditions": self.preconditions.to_dict()}
        if self.variants:
            out["variants"] = list(self.variants)
        if self.produces:
            out["produces"] = list(self.produces)
        return out


# -------------------------------------------------------------------------------------- generation

def _obtainable(data: GameData) -> dict[str, int]:
    """Every item the world yields, with its depth: 0 for mined/dropped, +1 per crafting or smelting step."""
    depth: dict[str, int] = {}
    for block in MINE_BLOCKS:
        for item in data.block_loot.get(block, []):
            depth.setdefault(item, 0)
    for mob in MOBS:
        for item in data.entity_loot.get(mob, []):
            depth.setdefault(item, 0)
    level = 0
    while True:
        level += 1
        new: dict[str, int] = {}
        if "bucket" in depth:
            new.update({"water_bucket": level, "lava_bucket": level})
        for out, inputs in SMELTING.items():
            if any(i in depth for i in inputs):
                new.setdefault(out, level)
        for out, variants in data.recipes.items():
            if any(all(i in depth for i in v) for v in variants):
                new.setdefault(out, level)
        added = {k: v for k, v in new.items() if k not in depth}
        if not added:
            return depth
        depth.update(added)


def _usable_variants(item: str, data: GameData, depth: Mapping[str, int]) -> list[tuple[dict[str, int], bool]]:
    """Recipe variants of `item` whose ingredients are all obtainable and simpler than the item."""
    out = []
    for counts, wide in zip(data.recipes.get(item, []), data.recipe_3x3.get(item, [])):
        if all(i in depth and depth[i] < depth.get(item, 0) for i in counts):
            if (counts, wide) not in out:
                out.append((counts, wide))
    return out


def _preference(name: str) -> tuple[int, str]:
    """Sort key for alternatives: oak first, then the listed trees; cobblestone before deepslate."""
    for rank, tree in enumerate(TREES):
        if name.startswith(tree + "_"):
            return (rank, name)
    return (-1 if name == "cobblestone" else len(TREES), name)


def craft_closure(data: GameData | None = None) -> dict[str, list[tuple[dict[str, int], bool]]]:
    """Items to craft on the way to CRAFT_TARGETS -> their usable recipe variants (ingredients, needs 3x3).

    The order is tech-tree order: a depth-first walk from CRAFT_TARGETS, ingredients before the items
    that need them (oak planks, crafting table, stick, wooden pickaxe, ...).
    """
    data = data or game_data()
    return _walk(data)[0]


def _walk(data: GameData) -> tuple[dict[str, list[tuple[dict[str, int], bool]]], list[str]]:
    """(craft closure, every item of the tree in walk order: ingredients first)."""
    depth = _obtainable(data)
    for target in CRAFT_TARGETS:
        if target not in depth:
            raise VocabularyDataError(f"{target} cannot be obtained from the tech tree's blocks and mobs")
    closure: dict[str, list[tuple[dict[str, int], bool]]] = {}
    order: list[str] = []
    seen: set[str] = set()

    def visit(item: str) -> None:
        if item in seen:
            return
        seen.add(item)
        if item in SMELTING and any(i in depth and depth[i] < depth[item] for i in SMELTING[item]):
            for source in SMELTING[item]:
                if source in depth and depth[source] < depth[item]:
                    visit(source)
        else:
            variants = _usable_variants(item, data, depth)
            variants.sort(key=lambda v: sorted(_preference(i) for i in v[0]))
            for counts, _ in variants:
                for ingredient in sorted(counts, key=_preference):
                    visit(ingredient)
            if variants:
                closure[item] = variants
        order.append(item)

    for target in CRAFT_TARGETS:
        visit(target)
    return closure, order


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _phrase(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {display(i)}" for i, n in counts.items())


def _alternatives_phrase(variants: Sequence[Mapping[str, int]]) -> str:
    """'3 cobblestone or cobbled deepslate, 2 stick': the first variant, with the swapped item's alternatives."""
    first = variants[0]
    swaps: dict[str, list[str]] = {}
    for other in variants[1:]:
        gone = [i for i in first if i not in other]
        new = [i for i in other if i not in first]
        if len(gone) == 1 and len(new) == 1:
            swaps.setdefault(gone[0], []).append(new[0])
    parts = []
    for item, n in first.items():
        alts = swaps.get(item, [])
        if len(alts) > 2:
            kind = display(item).split(" ")[-1]
            parts.append(f"{n} {kind} of one kind")
        elif alts:
            parts.append(f"{n} {display(item)} or {' or '.join(display(a) for a in alts)}")
        else:
            parts.append(f"{n} {display(item)}")
    return ", ".join(parts)


def ore_variants(block: str) -> tuple[str, ...]:
    """The blocks one mine token covers: an ore and its deepslate variant (vanilla generates the latter below y=0)."""
    deep = f"deepslate_{block}"
    return (block, deep) if block.endswith("_ore") and deep in game_data().blocks else (block,)


def _fuels(items: Iterable[str]) -> tuple[dict[str, int], ...]:
    names = [i for i in items if fuel_ticks(i)]
    names = sorted(set(names), key=lambda i: (-fuel_ticks(i), _preference(i)))
    return tuple({i: 1} for i in names)


def _build() -> list[SkillToken]:
    data = game_data()
    for block in MINE_BLOCKS:
        if block not in data.blocks:
            raise VocabularyDataError(f"MINE_BLOCKS names an unknown block {block!r}")
    depth = _obtainable(data)
    closure, walk = _walk(data)
    tokens: dict[str, list[SkillToken]] = {verb: [] for verb in VERB_ORDER}

    tokens["explore"].append(SkillToken(
        "explore", "explore", None, "walk 32 to 64 blocks in a new direction to find new blocks, trees and animals",
        Preconditions()))

    mined_items: list[str] = []
    for block in MINE_BLOCKS:
        variants = ore_variants(block)
        drops = tuple(dict.fromkeys(i for v in variants for i in data.block_loot.get(v, [])))
        tools = harvest_tools(block)
        if any(harvest_tools(v) != tools for v in variants):
            raise VocabularyDataError(f"the variants of {block} need different tools")
        label = harvest_tier(block)
        what = " or ".join(display(d) for d in drops) or "nothing"
        how = f" with {_article(label[:-1].replace('_', ' '))} or better" if label else ""
        also = f" (or {display(variants[1])})" if len(variants) > 1 else ""
        tokens["mine"].append(SkillToken(
            f"mine:{block}", "mine", block,
            f"find the nearest {display(block)}{also}, walk to it and dig it{how}, picking up the {what} it drops",
            Preconditions(tool=tools, tool_label=label, visible_blocks=variants),
            variants=variants, produces=drops))
        mined_items.extend(drops)

    # Raw materials (mined or dropped by mobs) can be picked up from the ground: collect tokens.
    mob_loot = [i for mob in MOBS for i in data.entity_loot.get(mob, [])]
    raw_items = list(dict.fromkeys(mined_items + mob_loot))
    for item in raw_items:
        tokens["collect"].append(SkillToken(
            f"collect:{item}", "collect", item, f"pick up the {display(item)} lying on the ground nearby",
            Preconditions(dropped=item), produces=(item,)))

    # Every item of the tree in a stable, tech-tree order (ingredients first).
    order = list(dict.fromkeys(walk + raw_items + [o for o in SMELT_OUTPUTS if o in depth]
                               + ["water_bucket", "lava_bucket"]))
    tree_items = set(order)

    for item in order:
        if item not in closure:
            continue
        recipes = closure[item]
        needs_table = all(wide for _, wide in recipes)
        groups = tuple(dict(c) for c, _ in recipes)
        pre = Preconditions(items=dict(groups[0]) if len(groups) == 1 else {},
                            any_of_items=(groups,) if len(groups) > 1 else (),
                            near="crafting_table" if needs_table else None)
        n = data.recipe_yield.get(item, 1)
        where = " at a crafting table" if needs_table else ""
        tokens["craft"].append(SkillToken(
            f"craft:{item}", "craft", item,
            f"craft {n} {display(item)} from {_alternatives_phrase(groups)}{where}", pre, produces=(item,)))

    fuels = _fuels(order)
    for out in SMELT_OUTPUTS:
        # What the world yields as is (mined, dropped): crafted forms such as oak wood smelt too, but the tree
        # never makes them for the furnace.
        inputs = tuple(i for i in SMELTING[out] if depth.get(i) == 0)
        if not inputs:
            continue
        pre = Preconditions(any_of_items=(tuple({i: 1} for i in inputs), fuels), near="furnace")
        source = " or ".join(display(i) for i in inputs[:3]) + (" or other logs" if len(inputs) > 3 else "")
        tokens["smelt"].append(SkillToken(
            f"smelt:{out}", "smelt", out, f"smelt {source} into {display(out)} in a furnace, burning fuel", pre,
            produces=(out,)))

    for station in STATIONS:
        tokens["place"].append(SkillToken(
            f"place:{station}", "place", station, f"place {_article(display(station))} from the inventory next to the bot",
            Preconditions(items={station: 1})))

    for item in order:
        if item in closure and item.endswith(EQUIP_SUFFIXES):
            slot = next((s for suffix, s in ARMOR_SLOTS.items() if item.endswith(suffix)), None)
            how = f"wear the {display(item)}" if slot else f"hold the {display(item)} in the main hand"
            tokens["equip"].append(SkillToken(f"equip:{item}", "equip", item, how, Preconditions(items={item: 1})))

    for mob in MOBS:
        loot = tuple(data.entity_loot.get(mob, []))
        tokens["kill"].append(SkillToken(
            f"kill:{mob}", "kill", mob,
            f"find {_article(mob)}, chase and attack it with the best weapon until it dies, and pick up its "
            f"{' and '.join(display(i) for i in loot) or 'drops'}",
            Preconditions(visible_entity=mob), produces=loot))

    for item in order:
        if item in data.foods:
            points = data.foods[item].get("foodPoints")
            tokens["eat"].append(SkillToken(
                f"eat:{item}", "eat", item, f"eat {_article(display(item))} to restore {points} hunger points",
                Preconditions(items={item: 1}, hungry=True)))

    pickaxes = tuple(t for t in harvest_tools("stone"))
    for y in DIG_LEVELS:
        tokens["dig_down"].append(SkillToken(
            f"dig_down:{y}", "dig_down", str(y),
            f"dig a safe staircase down to y={y}, collecting the blocks dug through",
            Preconditions(tool=pickaxes, tool_label=harvest_tier("stone"), above_y=y)))

    for fluid in FLUIDS:
        tokens["fill_bucket"].append(SkillToken(
            f"fill_bucket:{fluid}", "fill_bucket", fluid,
            f"find the nearest {fluid} source and fill an empty bucket with it",
            Preconditions(items={"bucket": 1}, visible_blocks=(fluid,)), produces=(f"{fluid}_bucket",)))

    tokens["surface"].append(SkillToken(
        "surface", "surface", None,
        "climb back up to the surface, under the open sky, digging and building steps as needed",
        Preconditions()))

    tokens["make_obsidian"].append(SkillToken(
        "make_obsidian", "make_obsidian", None,
        "find a lava source and pour water from a water bucket next to it to turn the lava into obsidian",
        Preconditions(items={"water_bucket": 1}, visible_blocks=("lava",))))

    for item in ENCHANT_TARGETS:
        if item not in tree_items and item not in closure:
            continue
        tokens["enchant"].append(SkillToken(
            f"enchant:{item}", "enchant", item,
            f"enchant the {display(item)} at an enchanting table with lapis lazuli, spending XP levels on the best offer",
            Preconditions(items={item: 1, "lapis_lazuli": 1}, xp_level=1, near="enchanting_table", unenchanted=item)))

    for item in JUNK:
        if item not in data.items:
            raise VocabularyDataError(f"JUNK names an unknown item {item!r}")
        tokens["drop"].append(SkillToken(
            f"drop:{item}", "drop", item, f"throw away the {display(item)} beyond one stack, to free inventory space",
            Preconditions(items={item: DROP_KEEP + 1})))

    result = [t for verb in VERB_ORDER for t in tokens[verb]]
    names = [t.token for t in result]
    if len(names) != len(set(names)):
        raise VocabularyDataError("the vocabulary has duplicate tokens")
    return result


@functools.lru_cache(maxsize=1)
def _vocabulary() -> tuple[SkillToken, ...]:
    return tuple(_build())


def vocabulary() -> list[SkillToken]:
    """The skill vocabulary, in its fixed order (the policy's output indexes it)."""
    return list(_vocabulary())


@functools.lru_cache(maxsize=1)
def token_index() -> dict[str, int]:
    """token -> its index in vocabulary()."""
    return {t.token: i for i, t in enumerate(_vocabulary())}


def argument_values() -> tuple[int, ...]:
    """Every value an argument can take, sorted: the classes of a policy's argument head."""
    return tuple(sorted({v for _, values in VERB_ARGUMENTS.values() for v in values}))


def _verb(token: str) -> str:
    return token.split(":", 1)[0]


def argument_class(token: str, args: Mapping[str, Any] | None) -> int | None:
    """The index in argument_values() of a decision's argument (rounded up to the verb's next value, capped at
    its largest), or None when the verb takes no argument or the decision gave none."""
    spec = VERB_ARGUMENTS.get(_verb(token))
    if spec is None or not args or args.get(spec[0]) is None:
        return None
    name, values = spec
    wanted = float(args[name])
    value = next((v for v in values if v >= wanted), values[-1])
    return argument_values().index(value)


def argument_mask(token: str) -> np.ndarray:
    """Boolean mask over argument_values(): the values `token`'s verb takes (all False: it takes none)."""
    spec = VERB_ARGUMENTS.get(_verb(token))
    allowed = set(spec[1]) if spec else set()
    return np.array([v in allowed for v in argument_values()], dtype=bool)


def arguments_of(token: str, value_class: int | None) -> dict[str, int]:
    """The args dict a policy sends for `token` with argument class `value_class` ({} for a verb without one)."""
    spec = VERB_ARGUMENTS.get(_verb(token))
    if spec is None or value_class is None:
        return {}
    value = argument_values()[value_class]
    if value not in spec[1]:
        raise ValueError(f"{token}: {spec[0]}={value} is not one of {spec[1]}")
    return {spec[0]: value}


def vocabulary_fingerprint(vocab: Sequence[SkillToken] | None = None) -> str:
    """A short hash of the token list (order included): store it with a checkpoint, compare when loading."""
    names = "\n".join(t.token for t in (vocab if vocab is not None else _vocabulary()))
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def action_mask(vocab: Sequence[SkillToken], state: Any, strict: bool = False) -> np.ndarray:
    """Boolean mask over `vocab`: True where the token's preconditions hold in `state`.

    `state` is an Observation (bridge.messages) or a protocol state dict. strict=True also requires the
    block or mob to be in sight (the observation's radius), which the skills themselves do not need.
    """
    from bridge.messages import state_dict

    s = state_dict(state)
    return np.fromiter((t.preconditions.satisfied(s, strict) for t in vocab), dtype=bool, count=len(vocab))


def explain_mask(vocab: Sequence[SkillToken], state: Any, strict: bool = False) -> dict[str, list[str]]:
    """token -> unmet conditions, for the masked-out tokens."""
    from bridge.messages import state_dict

    s = state_dict(state)
    out = {}
    for t in vocab:
        unmet = t.preconditions.unmet(s, strict)
        if unmet:
            out[t.token] = unmet
    return out
