"""The scripted expert: picks the next skill token toward a target item from the observed state.

It plans over minecraft-data's recipe graph (what to craft from what, which pickaxe mines what) plus a
little world knowledge (where things are: logs and sugar cane on the surface, iron around y 16, diamonds
and lava deep down, water on the surface). It keeps no plan between decisions: every decision is made
again from the state, so a failed skill, a death or a lost item simply leads to a different next token.
What it remembers are failures, to change strategy (explore, dig deeper, go back up) when a skill keeps
failing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from skills.vocabulary import JUNK, TREES, GameData, game_data, harvest_tier
from world.vanilla import COOK_TICKS, fuel_ticks

Action = tuple[str, dict[str, int]]  # (token, args)
PICKAXE_TIERS = ["wooden_pickaxe", "stone_pickaxe", "iron_pickaxe", "diamond_pickaxe", "netherite_pickaxe"]


@dataclass(frozen=True)
class Recipe:
    """One crafting recipe variant: ingredient counts by item name, items made per craft, needs a table."""

    result: str
    count: int
    ingredients: dict[str, int]
    needs_table: bool


def recipes_for(item: str, data: GameData) -> list[Recipe]:
    return [Recipe(item, data.recipe_yield[item], counts, wide)
            for counts, wide in zip(data.recipes.get(item, []), data.recipe_3x3.get(item, []))]


def min_pickaxe(block: str) -> str | None:
    """The weakest pickaxe that harvests `block` (None: a hand will do)."""
    tier = harvest_tier(block)
    return tier[:-1] if tier and tier[:-1] in PICKAXE_TIERS else None

# Where mined things come from: item -> (block to mine, depth band (y) where it is common or None: surface).
MINED: dict[str, tuple[str, int | None]] = {
    "cobblestone": ("stone", None),
    "cobbled_deepslate": ("deepslate", None),
    "coal": ("coal_ore", None),
    "raw_iron": ("iron_ore", 16),
    "lapis_lazuli": ("lapis_ore", -30),
    "diamond": ("diamond_ore", -54),
    "sugar_cane": ("sugar_cane", None),
    "sand": ("sand", None),
    "obsidian": ("obsidian", -54),
}
# The embedded world grows oak and birch; a user's world may have the other kinds nearby.
WORLD_LOGS = ["oak_log", "birch_log"]
LOGS = [f"{t}_log" for t in TREES]
SMELTED = {"iron_ingot": "raw_iron", "gold_ingot": "raw_gold", "glass": "sand", "charcoal": "oak_log", "cooked_beef": "beef"}
KILLED = {"leather": "cow", "beef": "cow"}
# Items smelted per fuel item (vanilla burn time / cook time), for the fuels the smelt skill uses.
FUEL_ITEMS = {name: fuel_ticks(name) / COOK_TICKS
              for name in ("coal", "charcoal", "stick", *(f"{t}_{kind}" for kind in ("planks", "log") for t in TREES))}
EDIBLE = ["cooked_beef", "cooked_porkchop", "bread", "cooked_mutton", "beef", "porkchop", "mutton", "apple", "carrot", "baked_potato"]
SURFACE_Y = 55  # at or above: on (or near) the surface
HUNGRY = 8


@dataclass
class ExpertMemory:
    failures: Counter = field(default_factory=Counter)  # consecutive failures per token
    attempts: Counter = field(default_factory=Counter)
    explored: int = 0


class ExpertPlanner:
    """Chooses skill tokens to obtain `target` (enchanted when `enchant`)."""

    def __init__(self, target: str = "diamond_sword", enchant: bool = True, data: GameData | None = None) -> None:
        self.data = data or game_data()
        self.target = target
        self.enchant = enchant
        self.memory = ExpertMemory()

    # ---- the decision -------------------------------------------------------------------------------
    def next_action(self, state: dict[str, Any]) -> Action | None:
        """The next (token, args), or None when the target is reached."""
        if self.done(state):
            return None
        inv = Counter(state.get("inventory", {}))
        junk = max(JUNK, key=lambda name: inv[name])
        if inv[junk] > 3 * 64:  # digging piles up stone: free the slots before the inventory fills
            return (f"drop:{junk}", {"keep": 64})
        if state.get("food", 20) <= HUNGRY:
            food = next((f for f in EDIBLE if inv[f]), None)
            if food:
                return (f"eat:{food}", {})
        for stage in self._stages():
            if stage.satisfied(state, inv):
                continue
            action = stage.act(state, Counter(inv))
            if action:
                return self._unstick(action, state)
        return None

    def done(self, state: dict[str, Any]) -> bool:
        if self.enchant:
            return bool(state.get("enchanted", {}).get(self.target))
        return state.get("inventory", {}).get(self.target, 0) > 0

    def record(self, token: str, result: dict[str, Any]) -> None:
        """Learn from a skill's result: consecutive failures per token change the strategy."""
        self.memory.attempts[token] += 1
        if result.get("ok"):
            self.memory.failures[token] = 0
        else:
            self.memory.failures[token] += 1

    # ---- stages of the tech tree ----------------------------------------------------------------------
    def _stages(self) -> list["Stage"]:
        has = lambda *names: (lambda s, inv: any(inv[n] for n in names) or self.done(s))  # noqa: E731
        table_near = lambda s, inv: inv["enchanting_table"] > 0 or _near(s, "enchanting_table") or self.done(s)  # noqa: E731
        stages = [
            Stage("wooden pickaxe", has(*PICKAXE_TIERS), lambda s, inv: self.obtain("wooden_pickaxe", 1, s, inv)),
            Stage("stone pickaxe", has(*PICKAXE_TIERS[1:]), lambda s, inv: self.obtain("stone_pickaxe", 1, s, inv)),
        ]
        if self.enchant:
            stages.append(Stage("book", lambda s, inv: has("book")(s, inv) or table_near(s, inv),
                                lambda s, inv: self.obtain("book", 1, s, inv)))
        # What the deep part of the tree needs from the surface, gathered before the first descent.
        stages.append(Stage("supplies", lambda s, inv: _y(s) < SURFACE_Y - 10 or has(*PICKAXE_TIERS[2:])(s, inv)
                            or (inv["stick"] >= 12 and inv["crafting_table"] >= 2),
                            lambda s, inv: self.obtain("stick", 12, s, inv) or self.obtain("crafting_table", 2, s, inv)))
        stages += [
            Stage("iron pickaxe", has(*PICKAXE_TIERS[2:]), lambda s, inv: self.obtain("iron_pickaxe", 1, s, inv)),
            # Stone and deepslate are dug with the cheapest adequate pickaxe (the skills spare better ones):
            # keep a stone pickaxe, so the iron one lasts until the diamonds.
            # A staircase to y -54 digs ~350 blocks: more than one stone pickaxe lasts (131 uses).
            Stage("spare stone pickaxes", lambda s, inv: inv["stone_pickaxe"] >= _spare_pickaxes(s) or self.done(s)
                  or has(self.target)(s, inv),
                  lambda s, inv: self.obtain("stone_pickaxe", _spare_pickaxes(s), s, inv)),
        ]
        if self.enchant:
            stages += [
                Stage("water bucket", lambda s, inv: has("water_bucket")(s, inv) or inv["obsidian"] >= 4 or table_near(s, inv),
                      lambda s, inv: self.water_bucket(s, inv)),
            ]
        stages += [
            Stage("diamond pickaxe", has(*PICKAXE_TIERS[3:]), lambda s, inv: self.obtain("diamond_pickaxe", 1, s, inv)),
        ]
        if self.enchant:
            stages += [
                Stage("lapis", lambda s, inv: inv["lapis_lazuli"] >= 3 or self.done(s),
                      lambda s, inv: self.obtain("lapis_lazuli", 3, s, inv)),
                Stage("enchanting table", table_near, lambda s, inv: self.enchanting_table(s, inv)),
            ]
        stages.append(Stage(self.target, has(self.target), lambda s, inv: self.obtain(self.target, 1, s, inv)))
        if self.enchant:
            stages.append(Stage("enchanted " + self.target, lambda s, inv: self.done(s), lambda s, inv: self.enchant_target(s, inv)))
        return stages

    def water_bucket(self, state: dict, inv: Counter) -> Action | None:
        if not inv["bucket"]:
            return self.obtain("bucket", 1, state, inv)
        if _y(state) < SURFACE_Y and not _near(state, "water"):
            return ("surface", {})
        return ("fill_bucket:water", {})

    def enchanting_table(self, state: dict, inv: Counter) -> Action | None:
        if inv["obsidian"] < 4:
            if _near(state, "obsidian"):
                return self.mine_block("obsidian", 4 - inv["obsidian"], state, inv)
            if not inv["water_bucket"]:
                return self.water_bucket(state, inv)
            if _y(state) > -30:
                return ("dig_down:-54", {})
            return ("make_obsidian", {})
        return self.obtain("enchanting_table", 1, state, inv)

    def enchant_target(self, state: dict, inv: Counter) -> Action | None:
        if not inv["lapis_lazuli"]:
            return self.obtain("lapis_lazuli", 3, state, inv)
        if state.get("xp", {}).get("level", 0) < 3:
            for ore in ("lapis_ore", "deepslate_lapis_ore", "coal_ore", "deepslate_coal_ore", "redstone_ore", "deepslate_redstone_ore", "diamond_ore", "deepslate_diamond_ore"):
                if _near(state, ore):
                    return self.mine_block(ore, 1, state, inv)
            return self.obtain("lapis_lazuli", inv["lapis_lazuli"] + 3, state, inv)
        return (f"enchant:{self.target}", {})

    # ---- the recipe graph -----------------------------------------------------------------------------
    def obtain(self, item: str, count: int, state: dict, inv: Counter) -> Action | None:
        """The first action toward having `count` of `item`, consuming what `inv` already holds."""
        if inv[item] >= count:
            inv[item] -= count
            return None
        missing = count - inv[item]
        inv[item] = 0
        if item in LOGS:  # logs come in batches: every tier needs more wood
            return self.mine_block(self._log_to_mine(state, item), max(missing, 3), state, inv)
        if item in MINED:
            block, _ = MINED[item]
            return self.mine_block(block, missing, state, inv)
        if item in KILLED:
            return (f"kill:{KILLED[item]}", {})
        if item in SMELTED:
            return self.smelt(item, missing, state, inv)
        recipe = self._best_recipe(item, state, inv)
        if recipe is None:
            return ("explore", {})
        crafts = -(-missing // recipe.count)
        for ingredient, n in recipe.ingredients.items():
            action = self.obtain(ingredient, n * crafts, state, inv)
            if action:
                return action
        if recipe.needs_table and not (_near(state, "crafting_table") or inv["crafting_table"]):
            action = self.obtain("crafting_table", 1, state, inv)
            if action:
                return action
        return (f"craft:{item}", {"count": min(64, missing)})

    def smelt(self, item: str, count: int, state: dict, inv: Counter) -> Action | None:
        source = SMELTED[item]
        action = self.obtain(source, count, state, inv)
        if action:
            return action
        capacity = _fuel_capacity(inv)
        if capacity < 1:
            for ore in ("coal_ore", "deepslate_coal_ore"):
                if _near(state, ore):
                    return self.mine_block(ore, 1, state, inv)
            action = self.obtain(self._planks_kind(state, inv), 4, state, inv)
            if action:
                return action
            capacity = 6
        count = min(count, int(capacity))  # smelt what the fuel allows now; the rest comes next time
        if not (_near(state, "furnace") or inv["furnace"]):
            action = self.obtain("furnace", 1, state, inv)
            if action:
                return action
        return (f"smelt:{item}", {"count": min(64, count)})

    def mine_block(self, block: str, count: int, state: dict, inv: Counter) -> Action | None:
        pickaxe = min_pickaxe(block)
        if pickaxe and not _has_tier(inv, pickaxe):
            return self.obtain(pickaxe, 1, state, Counter(inv))
        band = next((b for item, (blk, b) in MINED.items() if blk == block), None)
        if band is not None and _y(state) > band + 24 and not _near(state, block) and not _near(state, "deepslate_" + block):
            return (f"dig_down:{band}", {})
        if band is None and block != "stone" and _y(state) < SURFACE_Y - 10 and not _near(state, block):
            return ("surface", {})
        return (f"mine:{block}", {"count": min(64, count)})

    def _best_recipe(self, item: str, state: dict, inv: Counter) -> Recipe | None:
        """The recipe variant closest to done: held ingredients first, then ones whose source is near."""
        recipes = recipes_for(item, self.data)
        if not recipes:
            return None

        def score(r: Recipe) -> tuple[float, float, int]:
            have = sum(min(inv[i] + self._potential(i, inv), n) for i, n in r.ingredients.items())
            near = sum(self._source_near(i, state) for i in r.ingredients)
            return (have / sum(r.ingredients.values()), near / len(r.ingredients), -len(r.ingredients))

        usable = [r for r in recipes if all(self._obtainable(i) for i in r.ingredients)]
        return max(usable or recipes, key=score)

    def _source_near(self, item: str, state: dict) -> bool:
        if item in MINED:
            return _near(state, MINED[item][0])
        if item.endswith("_planks"):
            return _near(state, item.replace("_planks", "_log"))
        return item in KILLED or item in SMELTED or bool(self.data.recipes.get(item))

    def _potential(self, item: str, inv: Counter) -> int:
        """Planks that the logs in the inventory would make (so a recipe variant follows the logs we hold)."""
        if item.endswith("_planks"):
            return 4 * inv[item.replace("_planks", "_log")]
        return 0

    def _obtainable(self, item: str, depth: int = 0) -> bool:
        """Whether this world can provide `item`: mined, killed, smelted, or crafted from such things."""
        if item in MINED or item in KILLED or item in SMELTED or item in WORLD_LOGS:
            return True
        if item.endswith("_log") or depth > 6:
            return False
        return any(all(self._obtainable(i, depth + 1) for i in r.ingredients) for r in recipes_for(item, self.data))

    def _planks_kind(self, state: dict, inv: Counter) -> str:
        log = max(LOGS, key=lambda name: (inv[name], _count(state, name)))
        return log.replace("_log", "_planks")

    def _log_to_mine(self, state: dict, wanted: str) -> str:
        return wanted if _near(state, wanted) or not any(_near(state, log) for log in LOGS) else max(LOGS, key=lambda n: _count(state, n))

    # ---- getting unstuck -----------------------------------------------------------------------------
    def _unstick(self, action: Action, state: dict) -> Action:
        token = action[0]
        fails = self.memory.failures[token]
        if fails < 2:
            return action
        # The same skill failed twice in a row: move somewhere else first.
        if token.startswith("mine:") or token.startswith("kill:") or token.startswith("fill_bucket") or token == "make_obsidian":
            block = token.split(":", 1)[-1]
            band = next((b for item, (blk, b) in MINED.items() if blk == block), None)
            if token == "make_obsidian":  # lava lies deep: look around down there, never on the surface
                self.memory.failures[token] = 0
                return ("dig_down:-54", {}) if _y(state) > -40 else ("explore", {"distance": 32})
            if band is not None and _y(state) > -50 and self.memory.failures[f"dig_down:{_deeper(state)}"] < 2:
                return (f"dig_down:{_deeper(state)}", {})
            if band is None and _y(state) < SURFACE_Y - 10 and self.memory.failures["surface"] < 2:
                return ("surface", {})
            self.memory.failures[token] = 0
            return ("explore", {"distance": 48})
        if token.startswith("dig_down") or token == "surface":
            self.memory.failures[token] = 0
            return ("explore", {"distance": 32})
        return action


@dataclass
class Stage:
    name: str
    satisfied: Callable[[dict, Counter], bool]
    act: Callable[[dict, Counter], Action | None]


def _y(state: dict) -> float:
    return float(state.get("position", {}).get("y", 64))


def _count(state: dict, block: str) -> int:
    return int(state.get("nearby_blocks", {}).get("counts", {}).get(block, 0))


def _near(state: dict, block: str) -> bool:
    return _count(state, block) > 0


def _spare_pickaxes(state: dict) -> int:
    """Stone pickaxes to carry: two for the long way down, one once down there."""
    return 2 if _y(state) > 0 else 1


def _fuel_capacity(inv: Counter) -> float:
    """How many items the fuel in the inventory smelts."""
    return sum(inv[name] * per for name, per in FUEL_ITEMS.items())


def _deeper(state: dict) -> int:
    """A level 16 blocks further down (ores are richer deeper), not below the bedrock layers."""
    return int(max(-58, _y(state) - 16))


def _has_tier(inv: Counter, pickaxe: str) -> bool:
    return any(inv[p] for p in PICKAXE_TIERS[PICKAXE_TIERS.index(pickaxe):])
