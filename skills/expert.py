"""The scripted expert: picks the next skill token toward a target item from the observed state.

It plans over minecraft-data's recipe graph (what to craft from what, which pickaxe mines what) plus a
little world knowledge (where things are: logs and sugar cane on the surface, iron around y 16, diamonds
and lava deep down, water on the surface). It keeps no plan between decisions: every decision is made
again from the state, so a failed skill, a death or a lost item simply leads to a different next token.
What it remembers are failures, to change strategy when a skill keeps failing: every skill kind has a
ladder of other things to do first, chosen by the skill and the error it last failed with (gather what a
missing_items names, search elsewhere for what was not found, move to open ground or dig out when boxed
in), climbed one rung per further failure and started again from the bottom when it runs out, so the same
failing decision is never repeated more than RETRIES times in a row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from skills.vocabulary import DIG_LEVELS, JUNK, TREES, GameData, game_data, harvest_tier, token_index
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
EDIBLE = [food for food in ("cooked_beef", "cooked_porkchop", "cooked_mutton", "cooked_chicken", "beef", "porkchop", "mutton")
          if f"eat:{food}" in token_index()]  # best first; only foods the vocabulary can say
SURFACE_Y = 55  # at or above: on (or near) the surface
HUNGRY = 8
KIT_STICKS = 4  # sticks kept for two pickaxes made underground
RETRIES = 2  # failures of one token in a row before the expert changes strategy for it
SKIP_DECISIONS = 10  # a chore (eat, drop) that keeps failing is left alone for this many decisions
STATION_VERBS = ("craft", "smelt", "enchant", "place")  # skills that use (and may place) a work station

# What a skill's error message names as missing (skills/verbs/*.js, skills/lib/stations.js).
MISSING_INGREDIENT = re.compile(r"(\d+) ([a-z0-9_]+) \(have (\d+), need (\d+)\)")  # craft
MISSING_STATION = re.compile(r"no ([a-z_]+) within \d+ blocks and none in the inventory")  # ensureStation
SMELT_INPUT = re.compile(r"smelting (\d+) [a-z_]+ needs")  # smelt: too little input
NONE_HELD = re.compile(r"no ([a-z_]+) (?:left )?in the inventory")  # place, enchant, eat


@dataclass
class ExpertMemory:
    failures: Counter = field(default_factory=Counter)  # consecutive failures per token
    attempts: Counter = field(default_factory=Counter)
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)  # last error (kind, message) per token
    recoveries: Counter = field(default_factory=Counter)  # changes of strategy per token since it last worked
    failed_at: dict[str, int] = field(default_factory=dict)  # decision number of each token's last failure
    drops: dict[str, tuple[int, tuple[float, float, float]]] = field(default_factory=dict)  # item: (decision, where)
    decisions: int = 0
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
        """The next (token, args), or None when the target is reached. Only tokens of the skill vocabulary:
        whatever the expert says, a learned policy can learn to say."""
        action = self._decide(state)
        if action is not None and action[0] not in token_index():
            raise ValueError(f"the expert chose {action[0]!r}, which is not in the skill vocabulary")
        return action

    def _decide(self, state: dict[str, Any]) -> Action | None:
        if self.done(state):
            return None
        self.memory.decisions += 1
        inv = Counter(state.get("inventory", {}))
        junk = max(JUNK, key=lambda name: inv[name])
        # digging piles up stone: free the slots before the inventory fills
        if inv[junk] > 3 * 64 and not self._skipping(f"drop:{junk}") and not self._came_back(junk, state):
            self.memory.drops[junk] = (self.memory.decisions, _xyz(state))
            return (f"drop:{junk}", {"keep": 64})
        if state.get("food", 20) <= HUNGRY:
            food = next((f for f in EDIBLE if inv[f] and not self._skipping(f"eat:{f}")), None)
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
        memory = self.memory
        memory.attempts[token] += 1
        useless = _no_effect(token, result)
        if result.get("ok") and not useless:
            memory.failures[token] = 0
            memory.recoveries[token] = 0
            memory.errors.pop(token, None)
            return
        memory.failures[token] += 1
        error = result.get("error") or {"kind": "failed", "message": useless}
        memory.errors[token] = (str(error.get("kind") or "failed"), str(error.get("message") or ""))
        memory.failed_at[token] = memory.decisions

    # ---- stages of the tech tree ----------------------------------------------------------------------
    def _stages(self) -> list["Stage"]:
        has = lambda *names: (lambda s, inv: any(inv[n] for n in names) or self.done(s))  # noqa: E731
        table_near = lambda s, inv: inv["enchanting_table"] > 0 or _near(s, "enchanting_table") or self.done(s)  # noqa: E731
        pickaxes = _pickaxes_needed(self.target, self.enchant)
        stages = []
        if pickaxes >= 1:
            # No pickaxe left (worn out deep down): a stone one from the kit beats going back for wood.
            stages.append(Stage("wooden pickaxe", lambda s, inv: has(*PICKAXE_TIERS)(s, inv) or _stone_pickaxe_at_hand(s, inv),
                                lambda s, inv: self.obtain("wooden_pickaxe", 1, s, inv)))
        if pickaxes >= 2:
            stages.append(Stage("stone pickaxe", has(*PICKAXE_TIERS[1:]), lambda s, inv: self.obtain("stone_pickaxe", 1, s, inv)))
        if self.enchant:
            stages.append(Stage("book", lambda s, inv: has("book")(s, inv) or table_near(s, inv),
                                lambda s, inv: self.obtain("book", 1, s, inv)))
        if pickaxes >= 3:
            # What the deep part of the tree needs from the surface, gathered before each descent: sticks and a
            # crafting table, so that a pickaxe worn out underground is replaced there from the cobblestone dug.
            stages.append(Stage("supplies", lambda s, inv: _y(s) < SURFACE_Y - 10
                                or (inv["stick"] >= KIT_STICKS and inv["crafting_table"] >= 1 and has(*PICKAXE_TIERS[2:])(s, inv))
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
        if pickaxes >= 4:
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
    def _skipping(self, token: str) -> bool:
        """A chore that failed RETRIES times in a row rests for SKIP_DECISIONS decisions: the tree goes on."""
        m = self.memory
        return m.failures[token] >= RETRIES and m.decisions - m.failed_at.get(token, 0) < SKIP_DECISIONS

    def _came_back(self, item: str, state: dict) -> bool:
        """Whether `item`, dropped here within the last two decisions, is back in the inventory: a bot boxed in
        picks its own drop up again (held-out seed 1 000 219 dropped the same cobblestone every other decision).
        The drop then counts as failed and rests like any failing chore."""
        m, token = self.memory, f"drop:{item}"
        decision, where = m.drops.get(item, (-99, (0.0, 0.0, 0.0)))
        if m.decisions - decision > 2 or math.dist(where, _xyz(state)) > 3:
            return False
        del m.drops[item]
        m.failures[token] = RETRIES
        m.failed_at[token] = m.decisions
        m.errors[token] = ("failed", f"the {item} dropped came back into the inventory")
        return True

    def _unstick(self, action: Action, state: dict) -> Action:
        """`action`, or, when its token failed RETRIES times in a row, the next rung of its recovery ladder.

        After a change of strategy the token gets one more try; if that fails too, the next rung comes. A rung
        whose own token keeps failing is passed over; when the ladder is climbed, it starts again (each rung
        moves the bot or changes its inventory, so the state the token fails in is never the same for long).
        """
        token = action[0]
        memory = self.memory
        if memory.failures[token] < RETRIES:
            return action
        kind, message = memory.errors.get(token, ("failed", ""))
        ladder: list[Action] = []
        for way in self._recoveries(token, kind, message, state):
            if way is None or way[0] == token:
                continue
            if memory.failures[way[0]] < RETRIES:
                ladder.append(way)
                continue
            # a way out that keeps failing itself (an explore boxed in): its own ways out instead
            way_kind, way_message = memory.errors.get(way[0], ("failed", ""))
            ladder += [a for a in self._recoveries(way[0], way_kind, way_message, state)
                       if a is not None and a[0] not in (token, way[0]) and memory.failures[a[0]] < RETRIES
                       and a not in ladder]
        if not ladder:  # every way out failed too: move anyhow rather than repeat the failing token
            ladder = [a for a in self._moves(state) if a[0] != token] or [action]
        rung = memory.recoveries[token] % len(ladder)
        memory.recoveries[token] += 1
        memory.failures[token] = RETRIES - 1
        return ladder[rung]

    def _recoveries(self, token: str, kind: str, message: str, state: dict) -> list[Action | None]:
        """What to do instead of `token` after it failed with (kind, message), first choice first."""
        verb, _, target = token.partition(":")
        inv = Counter(state.get("inventory", {}))
        moves = self._moves(state)
        if kind in ("missing_items", "missing_tool") or (verb == "enchant" and "XP level" in message):
            return [self._gather_missing(verb, target, message, state, inv), *moves]
        if verb in ("mine", "kill", "collect", "fill_bucket"):
            return [*self._search_elsewhere(verb, target, state), *moves]
        if verb == "make_obsidian":  # lava lies deep: look around down there, never on the surface
            if _y(state) > -40:
                return [("dig_down:-54", {}), *moves]
            deeper = [(f"dig_down:{_deeper(state)}", {})] if _y(state) > -56 else []
            return [("explore", {"distance": 32}), *deeper, ("surface", {}), ("explore", {"distance": 48})]
        if verb == "explore":  # blocked in every direction: dig out, up or down
            return [*self._dig_out(state), ("explore", {"distance": 16})]
        if verb == "dig_down":  # a staircase elsewhere may get past what stopped this one
            return [("explore", {"distance": 32}), *moves[1:]]
        if verb == "surface":
            return [("explore", {"distance": 32}), *self._dig_out(state)]
        if verb in STATION_VERBS:
            # No room for the station, or it cannot be reached or used: open ground, then a fresh station.
            station = {"craft": "crafting_table", "smelt": "furnace", "enchant": "enchanting_table"}.get(verb)
            fresh = self.obtain(station, inv[station] + 1, state, Counter(inv)) if station and station != "enchanting_table" else None
            return [moves[0], fresh, *moves[1:]]
        return moves

    def _moves(self, state: dict) -> list[Action]:
        """Going somewhere else: a short walk to open ground, a long one, and out from underground."""
        moves: list[Action] = [("explore", {"distance": 16}), ("explore", {"distance": 48})]
        if _y(state) < SURFACE_Y - 10:
            moves.append(("surface", {}))
        return moves

    def _dig_out(self, state: dict) -> list[Action]:
        """Out of a place the bot cannot walk away from: climb to the sky (a pit or a cave near the surface
        too: `surface` ends at once under the open sky), or a staircase down and away."""
        out: list[Action] = [("surface", {})]
        # near the bottom a staircase to the last dig levels still leads away (held-out seed 1 000 219, boxed in at y -53)
        deeper = _deeper(state, 8 if _y(state) > -50 else 3)
        if deeper <= _y(state) - 3 and _has_tier(Counter(state.get("inventory", {})), "wooden_pickaxe"):
            out.append((f"dig_down:{deeper}", {}))
        return out

    def _search_elsewhere(self, verb: str, target: str, state: dict) -> list[Action]:
        """Where else a thing that was not found (or not reached) may be: deeper for ores, up for the rest."""
        band = next((b for _, (blk, b) in MINED.items() if blk == target), None) if verb == "mine" else None
        out: list[Action] = []
        if band is not None and _y(state) > -50:
            out.append((f"dig_down:{_deeper(state)}", {}))
        if band is None and _y(state) < SURFACE_Y - 10:  # logs, sugar cane, cows and water live up there
            out.append(("surface", {}))
        out.append(("explore", {"distance": 48}))
        return out

    def _gather_missing(self, verb: str, target: str, message: str, state: dict, inv: Counter) -> Action | None:
        """Gather what the error says is missing, beyond what the observed inventory suggests (it was wrong)."""
        wants: list[tuple[str, int]] = []
        for name, have, need in ((m[2], int(m[3]), int(m[4])) for m in MISSING_INGREDIENT.finditer(message)):
            wants.append((name, inv[name] + max(1, need - have)))
        if station := MISSING_STATION.search(message):
            wants.append((station[1], inv[station[1]] + 1))
        if verb == "smelt" and "fuel" in message:
            for ore in ("coal_ore", "deepslate_coal_ore"):
                if _near(state, ore):
                    return self.mine_block(ore, 2, state, inv)
            planks = self._planks_kind(state, inv)
            wants.append((planks, inv[planks] + 4))
        elif verb == "smelt" and (smelt := SMELT_INPUT.search(message)) and target in SMELTED:
            wants.append((SMELTED[target], inv[SMELTED[target]] + int(smelt[1])))
        if verb == "enchant" and ("lapis" in message or "XP level" in message):
            for ore in ("lapis_ore", "deepslate_lapis_ore", "coal_ore", "deepslate_coal_ore", "redstone_ore", "deepslate_redstone_ore"):
                if _near(state, ore):  # mining ores gives the XP an enchantment costs
                    return self.mine_block(ore, 1, state, inv)
            wants.append(("lapis_lazuli", inv["lapis_lazuli"] + 3))
        if verb == "fill_bucket" and "bucket" in message:
            wants.append(("bucket", inv["bucket"] + 1))
        if verb in ("mine", "dig_down") and _names_a_tool(message):
            pickaxe = min_pickaxe(target) if verb == "mine" else None
            pickaxe = pickaxe or "wooden_pickaxe"
            wants.append((pickaxe, inv[pickaxe] + 1))
        if verb in ("place", "enchant") and (held := NONE_HELD.search(message)) and held[1] != "lapis_lazuli":
            wants.append((held[1], inv[held[1]] + 1))
        for item, count in wants:
            if item in self.data.recipes or item in MINED or item in SMELTED or item in KILLED or item in LOGS:
                action = self.obtain(item, count, state, Counter(inv))
                if action:
                    return action
        return None


@dataclass
class Stage:
    name: str
    satisfied: Callable[[dict, Counter], bool]
    act: Callable[[dict, Counter], Action | None]


def _no_effect(token: str, result: dict[str, Any]) -> str | None:
    """Why a skill that succeeded did not do what the expert asks it for, or None. A `surface` under the open
    sky ends at once, where it started: at the bottom of a ravine that is still far below the surface, and
    asking again changes nothing (held-out seed 1 000 264 asked 40 times)."""
    detail = result.get("detail") or {}
    start, end = detail.get("from_y"), detail.get("to_y")
    if token == "surface" and result.get("ok") and start is not None and start == end and start < SURFACE_Y:
        return f"already under the open sky at y {start}, below the surface (a ravine or a pit)"
    return None


def _y(state: dict) -> float:
    return float(state.get("position", {}).get("y", 64))


def _xyz(state: dict) -> tuple[float, float, float]:
    p = state.get("position", {})
    return (float(p.get("x", 0)), float(p.get("y", 64)), float(p.get("z", 0)))


def _count(state: dict, block: str) -> int:
    return int(state.get("nearby_blocks", {}).get("counts", {}).get(block, 0))


def _near(state: dict, block: str) -> bool:
    return _count(state, block) > 0


def _pickaxes_needed(target: str, enchant: bool) -> int:
    """The pickaxe tiers (of PICKAXE_TIERS, in order) the target's materials need: none for a wooden tool, the
    wooden pickaxe for stone, up to the iron one for diamonds; the enchanting table's obsidian needs the diamond
    pickaxe. An unknown material walks the whole tree, as the expert always did."""
    if enchant:
        return 4
    return {"wooden": 0, "stone": 1, "iron": 2, "diamond": 3}.get(target.split("_")[0], 4)


def _spare_pickaxes(state: dict) -> int:
    """Stone pickaxes to carry: two for the long way down, one once down there."""
    return 2 if _y(state) > 0 else 1


def _fuel_capacity(inv: Counter) -> float:
    """How many items the fuel in the inventory smelts."""
    return sum(inv[name] * per for name, per in FUEL_ITEMS.items())


def _stone_pickaxe_at_hand(state: dict, inv: Counter) -> bool:
    """Whether a stone pickaxe can be crafted here and now: cobblestone, sticks and a table (carried or near)."""
    stone = inv["cobblestone"] + inv["cobbled_deepslate"]
    return stone >= 3 and inv["stick"] >= 2 and (inv["crafting_table"] > 0 or _near(state, "crafting_table"))


def _deeper(state: dict, at_least: int = 12) -> int:
    """The first dig level at least `at_least` blocks further down (ores are richer deeper), not below bedrock."""
    return next((level for level in DIG_LEVELS if level <= _y(state) - at_least), DIG_LEVELS[-1])


def _names_a_tool(message: str) -> bool:
    """A missing_tool message: the block needs a pickaxe (or a better one)."""
    return "pickaxe" in message or "needs one of" in message


def _has_tier(inv: Counter, pickaxe: str) -> bool:
    return any(inv[p] for p in PICKAXE_TIERS[PICKAXE_TIERS.index(pickaxe):])
