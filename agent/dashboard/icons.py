"""Item icons from the 1.21.4 textures the npm package minecraft-assets already ships (the renderer's own
textures, bridge/bot/render/assets.js): nothing is downloaded.

An item's icon is its item texture (items/NAME.png); a block item's is the block's front or side face, else
the texture minecraft-assets names for the item. Animated textures are vertical strips: the page shows the
top square.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from world.node_runtime import NODE_MODULES

MINECRAFT_VERSION = "1.21.4"
NAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")


def assets_dir() -> Path:
    return NODE_MODULES / "minecraft-assets" / "minecraft-assets" / "data" / MINECRAFT_VERSION


@functools.lru_cache(maxsize=1)
def _named_textures() -> dict[str, str]:
    """item name -> texture path relative to the assets folder (from items_textures.json)."""
    path = assets_dir() / "items_textures.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for row in rows:
        texture = str(row.get("texture") or "")
        if texture.startswith("minecraft:"):
            folder, _, name = texture.removeprefix("minecraft:").partition("/")
            out[str(row.get("name"))] = f"{'items' if folder.startswith('item') else 'blocks'}/{name}.png"
    return out


@functools.lru_cache(maxsize=2048)
def icon_path(item: str) -> Path | None:
    """The PNG that stands for `item`, or None (the page then shows the name)."""
    if not NAME_RE.match(item):
        return None
    base = assets_dir()
    candidates = [f"items/{item}.png", f"blocks/{item}_front.png", f"blocks/{item}.png", f"blocks/{item}_side.png"]
    named = _named_textures().get(item)
    if named:
        candidates.append(named)
    for rel in candidates:
        path = base / rel
        if path.is_file():
            return path
    return None
