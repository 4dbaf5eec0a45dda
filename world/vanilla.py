"""The vanilla facts that minecraft-data lacks, read from the data files in world/vanilla/.

The embedded server and the skills read the same files from JavaScript (world/vanilla/smelting.js and
enchanting.js), so each fact is written once: the Minecraft version, the overworld trees, furnace recipes
(result and experience per input, cook time) and fuel burn times. Entries may name a family with a
placeholder ("{tree}_log": the log of every overworld tree); ``expand`` unfolds them as
world/vanilla/families.js does.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

TABLES_DIR = Path(__file__).resolve().parent / "vanilla"


def _load(name: str) -> Any:
    return json.loads((TABLES_DIR / name).read_text())


MINECRAFT_VERSION: str = _load("versions.json")["minecraft"]

_trees = _load("trees.json")
# Preferred first: the vocabulary lists logs, and the skills break ties, in this order.
OVERWORLD_TREES: tuple[str, ...] = tuple(_trees["overworld"])
FAMILIES: dict[str, tuple[str, ...]] = {
    "tree": OVERWORLD_TREES,
    "wood": OVERWORLD_TREES + tuple(_trees["wood_without_trees"]),  # bamboo: planks, doors... but no logs
    "color": tuple(_load("colors.json")),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def expand(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """`entry` once per member of the family its placeholder names (one placeholder per entry), or as is."""
    text = json.dumps(entry)
    match = _PLACEHOLDER.search(text)
    if match is None:
        return [entry]
    family = match.group(1)
    if family not in FAMILIES:
        raise KeyError(f"unknown family {{{family}}} in {text}")
    return [json.loads(text.replace(f"{{{family}}}", member)) for member in FAMILIES[family]]


class Smelt(NamedTuple):
    """What one furnace input gives."""

    result: str
    xp: float


def _smelting(table: dict[str, Any]) -> dict[str, Smelt]:
    out: dict[str, Smelt] = {}
    for recipe in (e for r in table["recipes"] for e in expand(r)):
        for item in recipe["inputs"]:
            out[item] = Smelt(recipe["result"], float(recipe["xp"]))
    return out


def _fuel_ticks(table: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for entry in (e for f in table["burn_ticks"] for e in expand(f)):
        for item in entry["items"]:
            if item not in entry.get("except", ()):
                out[item] = int(entry["ticks"])
    return out


_smelting_table = _load("smelting.json")
COOK_TICKS: int = int(_smelting_table["cook_ticks"])  # every furnace recipe takes 200 ticks (10 s)
SMELTING: dict[str, Smelt] = _smelting(_smelting_table)  # input -> what it smelts into
FUEL_TICKS: dict[str, int] = _fuel_ticks(_load("fuels.json"))  # fuel -> burn time in ticks


def smelting_inputs(output: str) -> tuple[str, ...]:
    """The items that smelt into `output`, in the table's order."""
    return tuple(item for item, smelt in SMELTING.items() if smelt.result == output)


def fuel_ticks(item: str) -> int:
    """Burn time of one `item` in a furnace, in ticks; 0 when it is no fuel."""
    return FUEL_TICKS.get(item, 0)
