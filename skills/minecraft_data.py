"""minecraft-data 1.21.4, read from the bridge's npm package: items, blocks, recipes, harvest tools.

The Python side needs the same facts the server and the bot use (one source of truth: the npm package
`minecraft-data` pinned in bridge/package-lock.json), to build the skill vocabulary and to plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

VERSION = "1.21.4"
DATA_ROOT = Path(__file__).resolve().parent.parent / "bridge" / "node_modules" / "minecraft-data" / "minecraft-data" / "data"

# Pickaxe tiers, lowest first (golden pickaxes mine like wooden ones but break fast: never planned).
PICKAXE_TIERS = ["wooden_pickaxe", "stone_pickaxe", "iron_pickaxe", "diamond_pickaxe", "netherite_pickaxe"]


@dataclass(frozen=True)
class Recipe:
    """One crafting recipe: ingredient counts by item name, result count, and whether it needs a table."""

    result: str
    count: int
    ingredients: dict[str, int]
    needs_table: bool


@dataclass
class MinecraftData:
    items: dict[str, dict] = field(repr=False)
    blocks: dict[str, dict] = field(repr=False)
    recipes: dict[str, list[Recipe]] = field(repr=False)
    entities: dict[str, dict] = field(repr=False)
    foods: dict[str, dict] = field(repr=False)

    def min_pickaxe(self, block: str) -> str | None:
        """The lowest pickaxe that harvests `block` (None: the hand will do, or no pickaxe helps)."""
        tools = self.blocks[block].get("harvestTools")
        if not tools:
            return None
        names = {self.item_name(int(i)) for i in tools}
        for tier in PICKAXE_TIERS:
            if tier in names:
                return tier
        return None

    def item_name(self, item_id: int) -> str:
        return self._items_by_id[item_id]

    def __post_init__(self) -> None:
        self._items_by_id = {v["id"]: k for k, v in self.items.items()}


def data_dir(kind: str) -> Path:
    paths = json.loads((DATA_ROOT / "dataPaths.json").read_text())["pc"][VERSION]
    folder = DATA_ROOT / paths[kind]
    if not folder.exists():
        raise FileNotFoundError(f"minecraft-data is missing at {folder}: run ./larm once (it installs the bridge's npm packages)")
    return folder / f"{kind}.json"


def _load(kind: str) -> list | dict:
    return json.loads(data_dir(kind).read_text())


@lru_cache(maxsize=1)
def load() -> MinecraftData:
    items = {i["name"]: i for i in _load("items")}
    by_id = {i["id"]: i["name"] for i in items.values()}
    blocks = {b["name"]: b for b in _load("blocks")}
    recipes: dict[str, list[Recipe]] = {}
    for result_id, variants in _load("recipes").items():
        name = by_id[int(result_id)]
        for r in variants:
            recipes.setdefault(name, []).append(_recipe(name, r, by_id))
    entities = {e["name"]: e for e in _load("entities")}
    foods = {f["name"]: f for f in _load("foods")}
    return MinecraftData(items=items, blocks=blocks, recipes=recipes, entities=entities, foods=foods)


def _recipe(name: str, raw: dict, by_id: dict[int, str]) -> Recipe:
    counts: dict[str, int] = {}
    if "inShape" in raw:
        cells = [c for row in raw["inShape"] for c in row]
        rows, cols = len(raw["inShape"]), max(len(r) for r in raw["inShape"])
        needs_table = rows > 2 or cols > 2
    else:
        cells = raw["ingredients"]
        needs_table = len(cells) > 4
    for cell in cells:
        item_id = cell if isinstance(cell, int) else (cell.get("id") if isinstance(cell, dict) else None)
        if item_id is None or item_id < 0:
            continue
        counts[by_id[item_id]] = counts.get(by_id[item_id], 0) + 1
    return Recipe(result=name, count=int(raw["result"]["count"]), ingredients=counts, needs_table=needs_table)
