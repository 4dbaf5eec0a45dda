"""world/vanilla/: JavaScript (the server's furnace, the smelt skill) and Python (the vocabulary, the knowledge
corpus) read the same vanilla facts, so neither side can drift from the other."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from skills import vocabulary as V
from world import vanilla
from world.node_runtime import REPO_ROOT

# What the JavaScript side sees, as JSON: the server's tables, its version and the tree family.
DUMP_JS = r"""
const smelting = require('larm-world/vanilla/smelting')
const { FAMILIES } = require('larm-world/vanilla/families')
const { VERSION } = require('larm-world/embedded_server')
console.log(JSON.stringify({
  smelting: [...smelting.SMELTING].map(([input, r]) => [input, r.result, r.xp]),
  fuel: [...smelting.FUEL],
  cookTicks: smelting.COOK_TICKS,
  trees: FAMILIES.tree,
  version: VERSION
}))
"""


@pytest.fixture(scope="module")
def js_tables(node: Path) -> dict[str, Any]:
    out = subprocess.run([str(node), "-e", DUMP_JS], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_python_reads_the_furnace_tables_the_server_uses(js_tables: dict[str, Any]) -> None:
    assert {i: (r, xp) for i, r, xp in js_tables["smelting"]} == {i: tuple(s) for i, s in vanilla.SMELTING.items()}
    assert dict(js_tables["fuel"]) == vanilla.FUEL_TICKS
    assert js_tables["cookTicks"] == vanilla.COOK_TICKS == 200


def test_the_vocabulary_smelts_and_burns_what_the_server_does(js_tables: dict[str, Any]) -> None:
    inputs: dict[str, list[str]] = {}
    for item, result, _ in js_tables["smelting"]:
        inputs.setdefault(result, []).append(item)
    assert {out: list(items) for out, items in V.SMELTING.items()} == {out: inputs[out] for out in V.SMELTING}
    fuel = dict(js_tables["fuel"])
    tree_items = {t.target for t in V.vocabulary() if t.target} | {i for t in V.vocabulary() for i in t.produces}
    for item in sorted(tree_items | set(fuel) | {"crimson_planks", "warped_stem"}):
        assert vanilla.fuel_ticks(item) == fuel.get(item, 0), item


def test_one_tree_list_and_one_minecraft_version(js_tables: dict[str, Any]) -> None:
    assert list(V.TREES) == js_tables["trees"] == list(vanilla.OVERWORLD_TREES)
    assert {f"mine:{t}_log" for t in V.TREES} <= set(V.token_index())
    assert js_tables["version"] == vanilla.MINECRAFT_VERSION == V.MINECRAFT_VERSION
