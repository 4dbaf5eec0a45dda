"""LARM's prompt: the task and a compact description of the state, as token ids around the vision and skill slots.

Speed is bounded by prompt length (one backbone forward per decision), so the prompt is written from the
state and the last skill results themselves (``describe``), not from the text people read: the facts a
decision needs first (status, depth, hand, inventory, the last skills with their outcomes and error kinds,
repeats counted), then what is in sight (the blocks the skills work on, nearest first; mobs; items on the
ground). Underscores are spelled as spaces. The task is never cut; the description is cut line by line
from the end (least useful lines last) to fit ``max_tokens``.

Layout of one prompt (the model splices embeddings into the two slots):

    <bos>Task: {task}\\n{description}\\nView: [vision tokens] Next skill: [skill token]
    `--------------- before ---------------'                '-- after --'
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from bridge.messages import normalize_enchanted, state_dict

MAX_BLOCKS = 8
MAX_MOBS = 4
MAX_GROUND = 3
MAX_LAST = 5          # the last skills' outcomes, repeats collapsed
MAX_GAINS = 2


def _n(value: Any) -> str:
    return str(int(round(float(value))))


def _time(time_of_day: Any) -> str:
    t = int(time_of_day or 0) % 24000
    return "dawn" if t < 1000 or t >= 23000 else "day" if t < 11000 else "dusk" if t < 13000 else "night"


def _status(s: Mapping[str, Any]) -> str:
    xp = (s.get("xp") or {}).get("level", 0)
    out = f"hp {_n(s.get('health', 0))} food {_n(s.get('food', 0))} xp {xp}"
    out += f" y {_n((s.get('position') or {}).get('y', 0))} {_time(s.get('time_of_day'))}"
    if s.get("dimension", "overworld") != "overworld":
        out += f" {s['dimension']}"
    if s.get("in_water"):
        out += " in water"
    if not s.get("alive", True):
        out += " dead"
    return out


def _inventory(s: Mapping[str, Any]) -> str:
    items = sorted((i, n) for i, n in (s.get("inventory") or {}).items() if n > 0)
    return "inv: " + (", ".join(f"{n} {i}" for i, n in items) or "empty")


def _enchanted(s: Mapping[str, Any]) -> str | None:
    enchanted = normalize_enchanted(s.get("enchanted"))
    if not enchanted:
        return None
    return "ench: " + ", ".join(f"{item} " + " ".join(f"{e.get('name')} {e.get('level', '')}".strip() for e in enchs)
                                for item, per_item in sorted(enchanted.items()) for enchs in per_item)


def _outcome(result: Mapping[str, Any]) -> str:
    token = str(result.get("token", "?"))
    if result.get("ok"):
        delta = result.get("inventory_delta") or {}
        gains = [f"+{n} {i}" for i, n in sorted(delta.items(), key=lambda kv: -kv[1]) if n > 0][:MAX_GAINS]
        return f"{token} ok" + (" " + " ".join(gains) if gains else "")
    return f"{token} failed {(result.get('error') or {}).get('kind', 'failed')}"


def _last(recent: Sequence[Mapping[str, Any]]) -> str | None:
    """The last skills' outcomes, oldest first; a run of the same outcome is written once with its count."""
    runs: list[list[Any]] = []
    for result in recent:
        text = _outcome(result)
        if runs and runs[-1][0] == text:
            runs[-1][1] += 1
        else:
            runs.append([text, 1])
    if not runs:
        return None
    return "last: " + "; ".join(text + (f" x{count}" if count > 1 else "") for text, count in runs[-MAX_LAST:])


@functools.lru_cache(maxsize=1)
def _worked_on() -> frozenset[str]:
    """The blocks some skill works on: mine targets (with their ore variants), stations, fluids."""
    from skills.vocabulary import FLUIDS, STATIONS, vocabulary

    blocks = {v for t in vocabulary() if t.verb == "mine" for v in (t.variants or (t.target,))}
    return frozenset(blocks | set(STATIONS) | set(FLUIDS))


def _sight(s: Mapping[str, Any]) -> str:
    nearest: Mapping[str, Any] = (s.get("nearby_blocks") or {}).get("nearest") or {}
    seen = sorted((float(at["distance"]), name) for name, at in nearest.items()
                  if name in _worked_on() and isinstance(at, Mapping) and at.get("distance") is not None)
    return "see: " + (", ".join(f"{name} {_n(d)}m" for d, name in seen[:MAX_BLOCKS]) or "nothing useful")


def _mobs(s: Mapping[str, Any]) -> str | None:
    entities = sorted(s.get("nearby_entities") or [], key=lambda e: float(e.get("distance", 0)))
    if not entities:
        return None
    counts = Counter(str(e.get("name")) for e in entities)
    nearest: dict[str, float] = {}
    for e in entities:
        nearest.setdefault(str(e.get("name")), float(e.get("distance", 0)))
    names = list(nearest)[:MAX_MOBS]
    return "mobs: " + ", ".join(f"{n} {_n(nearest[n])}m" + (f" x{counts[n]}" if counts[n] > 1 else "") for n in names)


def _ground(s: Mapping[str, Any]) -> str | None:
    dropped = sorted(s.get("dropped_items") or [], key=lambda e: float(e.get("distance", 0)))
    if not dropped:
        return None
    return "ground: " + ", ".join(f"{d.get('count', 1)} {d.get('item')}" for d in dropped[:MAX_GROUND])


def describe(state: Any, recent: Sequence[Mapping[str, Any]] = ()) -> str:
    """The state and the last skill results as the prompt's lines, most decision-relevant first."""
    s = state_dict(state)
    hand = (s.get("equipment") or {}).get("hand") or "nothing"
    lines = [_status(s), f"hand {hand}", _inventory(s), _enchanted(s), _last(list(recent)[-MAX_LAST * 2:]),
             _sight(s), _mobs(s), _ground(s)]
    return "\n".join(line.replace("_", " ") for line in lines if line)


@dataclass
class PromptIds:
    before: list[int]      # bos, task, observation, "View:"  (the vision tokens follow)
    after: list[int]       # " Next skill:"                   (the skill token follows)

    def length(self, vision_tokens: int) -> int:
        """Sequence length with the vision tokens and the skill token."""
        return len(self.before) + vision_tokens + len(self.after) + 1


class PromptBuilder:
    """Token ids of LARM's prompt for one decision, within a token budget."""

    def __init__(self, tokenizer: Any, max_tokens: int, vision_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.max_tokens = int(max_tokens)
        self.vision_tokens = int(vision_tokens)
        bos = tokenizer.bos_token_id
        self.bos = [int(bos)] if bos is not None else []
        self.view = self._ids("\nView:") if vision_tokens else []
        self.after = self._ids(" Next skill:" if vision_tokens else "\nNext skill:")
        fixed = len(self.bos) + len(self.view) + self.vision_tokens + len(self.after) + 1
        if fixed + 8 > self.max_tokens:
            raise ValueError(f"max prompt tokens {self.max_tokens} leaves no room for the task and observation "
                             f"({fixed} tokens are fixed)")

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def build(self, task: str, state: Any, recent: Sequence[Mapping[str, Any]] = ()) -> PromptIds:
        if not task or not task.strip():
            raise ValueError("the decision has no task text")
        head = self.bos + self._ids(f"Task: {task.strip()}")
        budget = self.max_tokens - (len(head) + len(self.view) + self.vision_tokens + len(self.after) + 1)
        if budget < 0:
            raise ValueError(f"the task alone takes {len(head)} tokens, over the prompt budget {self.max_tokens}")
        body: list[int] = []
        for line in describe(state, recent).splitlines():
            ids = self._ids("\n" + line)
            room = budget - len(body)
            if room <= 0:
                break
            body.extend(ids[:room])  # a line that does not fit whole is cut at the budget
        return PromptIds(before=head + body + self.view, after=list(self.after))

    def text(self, task: str, state: Any, recent: Sequence[Mapping[str, Any]] = ()) -> str:
        """The prompt as text (vision and skill slots shown as markers), for reading and debugging."""
        ids = self.build(task, state, recent)
        return (self.tokenizer.decode(ids.before) + " <vision>" * self.vision_tokens
                + self.tokenizer.decode(ids.after) + " <skill>")
