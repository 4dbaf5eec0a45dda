"""The text observation: a compact, model-readable rendering of the bot's state and its last skills.

ASCII only (names outside ASCII, e.g. in chat, are replaced), one fact group per line, stable order, so
that the same state always renders to the same text. ``observation_text`` is the one builder of what the
policy reads, at play time (agent/env.py) and in training data alike.
"""
from __future__ import annotations

import string
from typing import Any, Iterable, Mapping, Sequence

# The characters and length of the env's text observation space (agent/env.py).
TEXT_CHARSET = frozenset(string.printable)
MAX_TEXT = 8192

# Blocks always worth listing first when they are in sight.
NOTABLE_BLOCKS = (
    "diamond_ore", "deepslate_diamond_ore", "lapis_ore", "deepslate_lapis_ore", "redstone_ore", "deepslate_redstone_ore",
    "gold_ore", "deepslate_gold_ore", "iron_ore", "deepslate_iron_ore", "coal_ore", "deepslate_coal_ore",
    "obsidian", "lava", "water", "crafting_table", "furnace", "enchanting_table", "sugar_cane", "sand", "gravel",
)
MAX_BLOCKS = 14
MAX_ENTITIES = 6
MAX_DROPPED = 6
MAX_RECENT = 5
ARMOR = ("head", "chest", "legs", "feet")


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def _n(value: Any) -> str:
    """A number without a useless fraction."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(round(f))) if abs(f - round(f)) < 0.05 else f"{f:.1f}"


def time_label(time_of_day: int) -> str:
    t = int(time_of_day) % 24000
    if t < 1000 or t >= 23000:
        return "dawn"
    if t < 11000:
        return "day"
    if t < 13000:
        return "dusk"
    return "night"


def _is_notable(name: str) -> bool:
    return name in NOTABLE_BLOCKS or name.endswith("_log")


def _result_line(r: Mapping[str, Any]) -> str:
    token = r.get("token", "?")
    if r.get("ok"):
        delta = r.get("inventory_delta") or {}
        gains = ", ".join(f"{'+' if n > 0 else ''}{n} {i}" for i, n in sorted(delta.items()) if n)
        return f"{token} ok" + (f" ({gains})" if gains else "")
    error = r.get("error") or {}
    message = str(error.get("message", ""))
    if len(message) > 80:
        message = message[:77] + "..."
    return f"{token} FAILED {error.get('kind', 'failed')}" + (f": {message}" if message else "")


def _as_dict(r: Any) -> Mapping[str, Any]:
    if isinstance(r, Mapping):
        return r
    to_dict = getattr(r, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"expected a skill result dict or SkillResult, got {type(r).__name__}")


def render_state_text(state: Any, recent: Sequence[Any] = (), task: str | None = None) -> str:
    """Render a state (Observation or protocol state dict) and the last skill results (dicts or SkillResult)."""
    from bridge.messages import normalize_enchanted, state_dict

    s = state_dict(state)
    lines: list[str] = []
    if task:
        lines.append(f"task: {task}")
    xp = s.get("xp") or {}
    pos = s.get("position") or {}
    status = [
        f"health {_n(s.get('health', 0))}/20", f"food {_n(s.get('food', 0))}/20", f"xp level {xp.get('level', 0)}",
    ]
    if not s.get("alive", True):
        status.append("DEAD")
    lines.append(" ".join(status))
    where = f"at x={_n(pos.get('x', 0))} y={_n(pos.get('y', 0))} z={_n(pos.get('z', 0))}"
    where += f" in {s.get('biome', '?')} ({s.get('dimension', 'overworld')})"
    tod = int(s.get("time_of_day", 0))
    where += f", {time_label(tod)} (time {tod % 24000})"
    if s.get("in_water"):
        where += ", in water"
    lines.append(where)
    equipment = s.get("equipment") or {}
    hand = equipment.get("hand") or "nothing"
    armor = [str(equipment[slot]) for slot in ARMOR if equipment.get(slot)]
    eq = f"holding {hand}"
    if equipment.get("offhand"):
        eq += f", offhand {equipment['offhand']}"
    eq += "; wearing " + (", ".join(armor) if armor else "no armor")
    lines.append(eq)
    inventory = s.get("inventory") or {}
    items = ", ".join(f"{n} {i}" for i, n in sorted(inventory.items()) if n > 0)
    lines.append("inventory: " + (items or "empty"))
    enchanted = normalize_enchanted(s.get("enchanted"))
    if enchanted:
        parts = []
        for item, per_item in sorted(enchanted.items()):
            for enchs in per_item:
                parts.append(item + " (" + ", ".join(f"{e.get('name')} {e.get('level', '')}".strip() for e in enchs) + ")")
        lines.append("enchanted: " + "; ".join(parts))
    nearby = s.get("nearby_blocks") or {}
    counts: Mapping[str, int] = nearby.get("counts") or {}
    nearest: Mapping[str, Any] = nearby.get("nearest") or {}
    names = sorted((b for b, n in counts.items() if n > 0), key=lambda b: (not _is_notable(b), -counts[b], b))
    blocks = []
    for b in names[:MAX_BLOCKS]:
        entry = f"{b} {counts[b]}"
        near = nearest.get(b)
        if isinstance(near, Mapping) and near.get("distance") is not None:
            entry += f" (nearest {_n(near['distance'])}m)"
        blocks.append(entry)
    lines.append(f"blocks within {nearby.get('radius', '?')}: " + (", ".join(blocks) or "none"))
    entities = sorted(s.get("nearby_entities") or [], key=lambda e: float(e.get("distance", 0)))
    ents = [f"{e.get('name')} {_n(e.get('distance', 0))}m" for e in entities[:MAX_ENTITIES]]
    lines.append("entities: " + (", ".join(ents) or "none"))
    dropped = sorted(s.get("dropped_items") or [], key=lambda e: float(e.get("distance", 0)))
    if dropped:
        lines.append("on the ground: " + ", ".join(
            f"{d.get('count', 1)} {d.get('item')} {_n(d.get('distance', 0))}m" for d in dropped[:MAX_DROPPED]))
    recent_dicts = [_as_dict(r) for r in list(recent)[-MAX_RECENT:]]
    if recent_dicts:
        lines.append("last skills: " + " | ".join(_result_line(r) for r in recent_dicts))
    return _ascii("\n".join(lines))


def render_events(events: Iterable[Mapping[str, Any]]) -> str:
    """One line for notable events (death, damage, chat, disconnect...), '' when there are none."""
    parts = []
    for e in events:
        name = e.get("event")
        data = e.get("data") or {}
        if name == "damage":
            parts.append(f"took {_n(data.get('amount', '?'))} damage")
        elif name == "chat":
            parts.append(f"chat <{data.get('username', '?')}> {str(data.get('message', ''))[:60]}")
        elif name in ("death", "respawn", "disconnect", "reconnected", "kicked", "bridge_closed"):
            parts.append(str(name))
    return _ascii("events: " + "; ".join(parts)) if parts else ""


def observation_text(state: Any, recent: Sequence[Any] = (), task: str | None = None,
                     events: Iterable[Mapping[str, Any]] = ()) -> str:
    """What the policy reads: the state with its last skills (render_state_text) and the step's events
    (render_events), within the observation space (TEXT_CHARSET, at most MAX_TEXT characters)."""
    text = render_state_text(state, recent, task=task)
    extra = render_events(events)
    if extra:
        text += "\n" + extra
    return "".join(c if c in TEXT_CHARSET else "?" for c in text[:MAX_TEXT])
