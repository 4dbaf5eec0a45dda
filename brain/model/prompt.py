"""LARM's prompt: the task and a compact text observation, as token ids around the vision and skill slots.

Speed is bounded by prompt length (one backbone forward per decision), so the recorded observation text
(agent/observation_text.py, written for people and logs) is rewritten compactly: the facts a decision needs
(status, depth, hand, inventory, last skills, notable blocks in sight) first, the rest after, distances
rounded, repeated mobs counted, underscores spelled as spaces. The task is never cut; the observation is cut line by line from the end
(least useful lines last) to fit ``max_tokens``.

Layout of one prompt (the model splices embeddings into the two slots):

    <bos>Task: {task}\\n{compact observation}\\nView: [vision tokens] Next skill: [skill token]
    `----------------- before ---------------------'                '-- after --'
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

MAX_BLOCKS = 6
MAX_LAST = 3          # the last skills' outcomes (the inventory already shows what they gained)
MAX_LINE_CHARS = 320

_STATUS = re.compile(r"^health (\S+)/20 food (\S+)/20 xp level (\d+)(.*)$")
_WHERE = re.compile(r"^at x=\S+ y=(\S+) z=\S+ in (\S+) \(([^)]*)\), (\w+)")
_BLOCK = re.compile(r"^(\S+) (\d+)(?: \(nearest (\S+)m\))?$")
_ENTITY = re.compile(r"^(\S+) \S+m$")
_FAILED = re.compile(r"^(\S+) FAILED ([^:\s]+)")


def _status(line: str) -> str:
    m = _STATUS.match(line)
    if not m:
        return line
    return f"hp {m.group(1)} food {m.group(2)} xp {m.group(3)}{m.group(4)}"


def _where(line: str) -> str:
    m = _WHERE.match(line)
    if not m:
        return line
    y, biome, dimension, time = m.groups()
    out = f"y {y} {biome} {time}"
    if dimension != "overworld":
        out += f" {dimension}"
    return out + (" in water" if line.endswith("in water") else "")


def _equipment(line: str) -> str:
    return line.replace("holding ", "hand ").replace("; wearing no armor", "").replace("; wearing ", "; armor ")


def _blocks(body: str) -> str:
    entries = []
    for raw in body.split(", ")[:MAX_BLOCKS]:
        m = _BLOCK.match(raw.strip())
        if not m:
            entries.append(raw.strip())
            continue
        name, _count, near = m.groups()
        entries.append(f"{name} {round(float(near))}m" if near else name)
    return ", ".join(entries)


def _entities(body: str) -> str:
    names = []
    for raw in body.split(", "):
        m = _ENTITY.match(raw.strip())
        names.append(m.group(1) if m else raw.strip())
    return ", ".join(f"{n} x{c}" if c > 1 else n for n, c in Counter(names).items())


def _last_skills(body: str) -> str:
    parts = []
    for raw in body.split(" | ")[-MAX_LAST:]:
        raw = raw.strip()
        failed = _FAILED.match(raw)
        if failed:
            parts.append(f"{failed.group(1)} failed {failed.group(2)}")  # the kind, not the message
        else:
            parts.append(raw.split(" ", 1)[0] + " ok")
    return "; ".join(parts)


def compact_observation(text: str) -> str:
    """The recorded observation text rewritten compactly, most decision-relevant lines first."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the observation text is empty")
    first: list[str] = []
    later: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("task:"):
            continue  # the task is given separately
        if line.startswith("health "):
            first.append(_status(line))
        elif line.startswith("at x="):
            first.append(_where(line))
        elif line.startswith("holding "):
            first.append(_equipment(line))
        elif line.startswith("inventory: "):
            first.append("inv: " + line[len("inventory: "):])
        elif line.startswith("enchanted: "):
            first.append("ench: " + line[len("enchanted: "):])
        elif line.startswith("last skills: "):
            first.append("last: " + _last_skills(line[len("last skills: "):]))
        elif line.startswith("events: "):
            first.append(line)
        elif line.startswith("blocks within"):
            later.append("see: " + _blocks(line.split(": ", 1)[1] if ": " in line else ""))
        elif line.startswith("entities: "):
            later.append("mobs: " + _entities(line[len("entities: "):]))
        elif line.startswith("on the ground: "):
            later.append("ground: " + re.sub(r" [0-9.]+m(?=,|$)", "", line[len("on the ground: "):]))
        else:
            later.append(line)
    # Underscores become spaces: "iron pickaxe" is two familiar tokens to a pretrained LM, "iron_pickaxe" four.
    return "\n".join(line[:MAX_LINE_CHARS].replace("_", " ") for line in first + later)


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

    def build(self, task: str, text: str) -> PromptIds:
        if not task or not task.strip():
            raise ValueError("the decision has no task text")
        head = self.bos + self._ids(f"Task: {task.strip()}")
        budget = self.max_tokens - (len(head) + len(self.view) + self.vision_tokens + len(self.after) + 1)
        if budget < 0:
            raise ValueError(f"the task alone takes {len(head)} tokens, over the prompt budget {self.max_tokens}")
        body: list[int] = []
        for line in compact_observation(text).splitlines():
            ids = self._ids("\n" + line)
            room = budget - len(body)
            if room <= 0:
                break
            body.extend(ids[:room])  # a line that does not fit whole is cut at the budget
        return PromptIds(before=head + body + self.view, after=list(self.after))

    def text(self, task: str, text: str) -> str:
        """The prompt as text (vision and skill slots shown as markers), for reading and debugging."""
        ids = self.build(task, text)
        return (self.tokenizer.decode(ids.before) + " <vision>" * self.vision_tokens
                + self.tokenizer.decode(ids.after) + " <skill>")
