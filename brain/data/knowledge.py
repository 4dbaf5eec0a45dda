"""Minecraft knowledge text for domain pretraining, generated from minecraft-data (pc 1.21.4).

LARM pretrained its LoRA on Minecraft Wiki pages; offline we write the same kind of knowledge as short
documents generated from the game data the skill vocabulary already loads (skills.vocabulary):
- recipes: ingredients with counts (shaped and shapeless), how many items one craft yields, whether the
  3x3 grid of a crafting table is needed, which ingredients have alternatives (other planks, cobbled
  deepslate...), what each ingredient is used for;
- mining: the weakest pickaxe (or other tool) that harvests a block, and what the block drops;
- mobs' drops, foods' hunger points, furnace smelting (skills.vocabulary.SMELTING) and fuels;
- enchanting: the enchanting table (lapis lazuli, experience levels, bookshelves) and which kinds of items
  take which enchantments (enchantments.json categories).

Every fact is written several ways (statements and question/answer pairs), so the model learns the fact
rather than one template. Every document is tagged with all the items it names (``Document.items``), so a
set of items can be held out: ``split_held_out`` drops every document that names one of them, and the
held-out items' names then never appear in the training text (tests check this).

``choose_held_out`` picks which items to hold out so that generalisation is possible: cells of the
material x kind grids of tools (wooden/stone/iron/golden/diamond x pickaxe/axe/shovel/sword/hoe) and armour
(leather/iron/golden/diamond x helmet/chestplate/leggings/boots), at most one per material row and one per
kind column, so for a held-out stone pickaxe the stone sword/axe/shovel/hoe and the wooden/iron/golden/
diamond pickaxes all stay in the training text. The stone pickaxe is always held out (it is the headline
question of issue 4).

A user corpus (``load_user_corpus``: .txt/.md files or folders of them) is split into paragraph chunks and
mixed in untagged. Everything is deterministic for a given seed.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from skills import vocabulary as V
from world.vanilla import COOK_TICKS, fuel_ticks

# ------------------------------------------------------------------------------------------ the grids

TOOL_MATERIALS = ("wooden", "stone", "iron", "golden", "diamond")
TOOL_KINDS = ("pickaxe", "axe", "shovel", "sword", "hoe")
ARMOR_MATERIALS = ("leather", "iron", "golden", "diamond")
ARMOR_KINDS = ("helmet", "chestplate", "leggings", "boots")
ALWAYS_HELD_OUT = ("stone_pickaxe",)

# Items worth knowing besides the tech tree's craft closure and the grids (scope "core").
EXTRA_ITEMS = ("chest", "ladder", "bowl", "shield", "bow", "arrow", "shears", "flint_and_steel", "compass",
               "clock", "bread", "bookshelf", "glass_pane", "iron_bars", "rail", "minecart", "oak_boat",
               "anvil", "smoker", "blast_furnace", "campfire", "lantern", "iron_block", "diamond_block",
               "coal_block", "lapis_block", "gold_block", "iron_nugget", "gold_nugget", "oak_door",
               "oak_fence", "oak_slab", "oak_stairs", "cobblestone_slab", "cobblestone_stairs", "stone_bricks",
               "redstone_torch", "lever", "sandstone", "white_bed", "white_wool", "fishing_rod", "crossbow",
               "golden_apple", "cake", "cookie", "mushroom_stew", "sugar", "glass_bottle", "cauldron", "hopper",
               "spyglass", "lead", "painting", "item_frame", "barrel", "stonecutter", "grindstone",
               "smithing_table", "cartography_table", "fletching_table", "loom", "composter", "jukebox",
               "note_block", "piston", "dispenser", "dropper", "observer", "repeater", "comparator", "tnt")
EXTRA_BLOCKS = ("deepslate_coal_ore", "deepslate_iron_ore", "deepslate_gold_ore", "deepslate_lapis_ore",
                "deepslate_redstone_ore", "deepslate_diamond_ore", "copper_ore", "emerald_ore",
                "ancient_debris", "cobblestone", "sandstone", "clay", "grass_block", "oak_leaves", "glowstone",
                "netherrack", "end_stone", "crying_obsidian", "snow_block", "ice", "bookshelf",
                "crafting_table", "furnace", "chest")
EXTRA_MOBS = ("zombie", "skeleton", "spider", "creeper", "enderman", "rabbit", "squid", "blaze")
# Materials preferred when a recipe has variants (the canonical answer of a question).
PREFERRED = ("cobblestone", "coal", "oak_planks", "oak_log", "iron_ingot")
# enchantments.json category -> the kinds of item that take it (vanilla 1.21 item tags).
ENCHANT_CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "armor": ARMOR_KINDS, "head_armor": ("helmet",), "leg_armor": ("leggings",), "foot_armor": ("boots",),
    "weapon": ("sword", "axe", "mace"), "sharp_weapon": ("sword", "axe"), "sword": ("sword",),
    "fire_aspect": ("sword", "mace"), "mining": ("pickaxe", "axe", "shovel", "hoe"),
    "mining_loot": ("pickaxe", "axe", "shovel", "hoe"), "durability": ("tool", "weapon", "armour piece"),
    "bow": ("bow",), "crossbow": ("crossbow",), "trident": ("trident",), "fishing": ("fishing rod",),
    "mace": ("mace",), "equippable": ("armour piece",), "vanishing": ("tool", "weapon", "armour piece"),
}
UNCOUNTABLE = {"cobblestone", "cobbled deepslate", "blackstone", "stone", "sand", "red sand", "gravel", "dirt",
               "glass", "obsidian", "leather", "paper", "sugar", "string", "gunpowder", "lapis lazuli",
               "redstone dust", "bone meal", "wheat", "coal", "charcoal", "clay", "snow", "sugar cane", "flint",
               "raw iron", "raw gold", "raw copper", "beef", "porkchop", "mutton", "chicken", "netherrack",
               "glowstone dust", "slime", "cooked beef", "cooked porkchop", "cooked mutton", "cooked chicken",
               "honeycomb", "wool", "white wool", "deepslate", "netherite scrap", "blaze powder", "cocoa beans"}
ROMAN = ("", "I", "II", "III", "IV", "V")


@dataclass(frozen=True)
class Document:
    """One short text about one fact, tagged with every item (or block, mob) it names."""

    text: str
    items: tuple[str, ...]
    kind: str             # recipe, use, harvest, drop, mob, smelt, fuel, food, enchant, user
    source: str = "minecraft-data"

    def mentions(self, names: Iterable[str]) -> bool:
        return any(n in self.items for n in names)


class KnowledgeError(ValueError):
    """Bad knowledge input: a missing or empty corpus file, an unknown item, an unknown scope."""


# ----------------------------------------------------------------------------------------- wording

def name(item: str) -> str:
    """Display name in lower case ('stone_pickaxe' -> 'stone pickaxe')."""
    return V.display(item)


def plural(item: str, n: int = 2) -> str:
    """'stick' -> 'sticks' for n != 1; materials stay uncountable ('3 cobblestone')."""
    text = name(item)
    if n == 1 or text in UNCOUNTABLE or text.endswith(("s", " wool", " dust")):
        return text
    if text.endswith(("ch", "sh", "x")):
        return text + "es"
    return text + "s"


def article(item: str) -> str:
    text = name(item)
    if text in UNCOUNTABLE or text.endswith("s"):
        return text
    return ("an " if text[0] in "aeiou" else "a ") + text


def join_words(parts: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    parts = list(parts)
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def counts_phrase(counts: Mapping[str, int]) -> str:
    """{'cobblestone': 3, 'stick': 2} -> '3 cobblestone and 2 sticks' (the recipe's own order)."""
    return join_words([f"{n} {plural(i, n)}" for i, n in counts.items()])


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ticks_seconds(ticks: int) -> str:
    s = ticks / 20
    return f"{s:g}"


# -------------------------------------------------------------------------------------------- recipes

@dataclass(frozen=True)
class Recipe:
    item: str
    variants: tuple[dict[str, int], ...]   # ingredient counts per variant, the canonical one first
    needs_table: bool
    makes: int

    @property
    def canonical(self) -> dict[str, int]:
        return self.variants[0]

    def answer(self) -> str:
        """The canonical answer text of 'what do I need to craft X' ('3 cobblestone and 2 sticks')."""
        return counts_phrase(self.canonical)

    def answers(self) -> list[str]:
        """Every acceptable answer text (one per variant)."""
        return list(dict.fromkeys(counts_phrase(v) for v in self.variants))


def _canon_key(counts: Mapping[str, int]) -> tuple:
    def rank(i: str) -> tuple:
        return (PREFERRED.index(i), i) if i in PREFERRED else (len(PREFERRED), *V._preference(i))
    return tuple(sorted(rank(i) for i in counts))


def recipe(item: str) -> Recipe:
    """The crafting recipe of an item, variants deduplicated, canonical (oak, cobblestone, coal) first."""
    data = V.game_data()
    if item not in data.recipes:
        raise KnowledgeError(f"{item!r} has no crafting recipe in minecraft-data {V.MINECRAFT_VERSION}")
    pairs: list[tuple[dict[str, int], bool]] = []
    for counts, wide in zip(data.recipes[item], data.recipe_3x3[item]):
        if all(counts != c for c, _ in pairs):
            pairs.append((counts, wide))
    pairs.sort(key=lambda p: _canon_key(p[0]))
    return Recipe(item, tuple(c for c, _ in pairs), all(w for _, w in pairs), data.recipe_yield.get(item, 1))


def grid_items() -> list[str]:
    """The tool and armour grid cells that exist in minecraft-data."""
    items = V.game_data().items
    cells = [f"{m}_{k}" for m in TOOL_MATERIALS for k in TOOL_KINDS]
    cells += [f"{m}_{k}" for m in ARMOR_MATERIALS for k in ARMOR_KINDS]
    return [c for c in cells if c in items]


def scope_items(scope: str = "core") -> list[str]:
    """Items whose recipes are written: 'core' (the tech tree, the grids, common items), 'tree' (every item
    obtainable from the tech tree's blocks and mobs), or 'all' (every recipe in minecraft-data)."""
    data = V.game_data()
    if scope == "all":
        return sorted(data.recipes)
    if scope == "tree":
        return [i for i in sorted(V._obtainable(data)) if i in data.recipes]
    if scope != "core":
        raise KnowledgeError(f"unknown knowledge scope {scope!r} (core, tree or all)")
    items = list(V.craft_closure()) + grid_items() + list(EXTRA_ITEMS)
    return [i for i in dict.fromkeys(items) if i in data.recipes]


def _alternatives_note(r: Recipe) -> str | None:
    """'Cobbled deepslate or blackstone can replace the cobblestone.' for variants that swap one item."""
    first = r.canonical
    swaps: dict[str, list[str]] = {}
    for other in r.variants[1:]:
        gone = [i for i in first if i not in other]
        new = [i for i in other if i not in first]
        if len(gone) == 1 and len(new) == 1 and first[gone[0]] == other[new[0]]:
            swaps.setdefault(gone[0], []).append(new[0])
    notes = []
    for item, alts in swaps.items():
        if len(alts) > 3 and name(item).endswith("planks"):
            notes.append("Any kind of planks works, not only oak planks.")
        elif len(alts) > 3:
            notes.append(f"Other kinds of {plural(item)} work too.")
        else:
            notes.append(f"{_cap(join_words([plural(a) for a in alts]))} can replace the {plural(item)}.")
    return " ".join(notes) or None


def _pick(rng: random.Random, *options: str) -> str:
    return options[rng.randrange(len(options))]


def recipe_documents(r: Recipe, rng: random.Random) -> list[Document]:
    """Several phrasings of one recipe, plus one 'what is X used for' document per ingredient."""
    x, a, ans = name(r.item), article(r.item), r.answer()
    where = "at a crafting table" if r.needs_table else "in the 2x2 crafting grid of the inventory"
    table = ("You need a crafting table: the recipe uses the 3x3 grid." if r.needs_table
             else "No crafting table is needed: it fits in the inventory's 2x2 grid.")
    makes = f"One craft makes {r.makes} {plural(r.item, r.makes)}."
    alt = _alternatives_note(r)
    tags = tuple(dict.fromkeys([r.item, *(i for v in r.variants for i in v), *(["crafting_table"] if r.needs_table else [])]))
    need = _pick(rng, "you need", "it takes", "you will need")
    texts = [
        f"Q: What do I need to craft {a}?\nA: {ans}.",
        f"To craft {a}, {need} {ans}, {where}." + (f" {alt}" if alt else ""),
        f"Q: How do I make {a} in Minecraft?\nA: Put {ans} in the crafting grid {where}. {makes}",
        f"{_cap(x)} recipe: {ans}. {table} {makes}",
        f"Q: Can I craft {a} without a crafting table?\nA: "
        + (f"No. {_cap(a)} needs {ans} in the 3x3 grid of a crafting table." if r.needs_table
           else f"Yes. {ans} in the inventory's 2x2 grid make {r.makes} {plural(r.item, r.makes)}."),
        f"Q: What is the recipe for {a}?\nA: {_cap(ans)}." + (f" {alt}" if alt else ""),
    ]
    docs = [Document(t, tags, "recipe") for t in texts]
    for ingredient, n in r.canonical.items():
        are = "is" if plural(ingredient) == name(ingredient) else "are"
        use = _pick(rng, f"{_cap(plural(ingredient))} {are} used to craft {a}: it takes {n}.",
                    f"Q: What can I make with {plural(ingredient)}?\nA: For one thing, {a}, from {ans}.")
        docs.append(Document(use, tuple(dict.fromkeys([ingredient, r.item, *r.canonical])), "use"))
    return docs


# --------------------------------------------------------------------------------------------- mining

def harvest_documents(block: str, rng: random.Random) -> list[Document]:
    data = V.game_data()
    b = data.blocks[block]
    tier = V.harvest_tier(block)
    drops = [d for d in data.block_loot.get(block, []) if d in data.items]
    x = name(block)
    material = str(b.get("material", ""))
    kind = material.split("/", 1)[1] if material.startswith("mineable/") else None
    docs: list[Document] = []
    if tier:
        tool = tier[:-1]
        tags = (block, tool, *drops)
        docs += [
            Document(f"Q: What pickaxe do I need to mine {x}?\nA: {_cap(article(tool))} or better." if tool.endswith("pickaxe")
                     else f"Q: What tool do I need to mine {x}?\nA: {_cap(article(tool))} or better.", tags, "harvest"),
            Document(f"{_cap(x)} must be mined with {article(tool)} or a better one; with a weaker tool "
                     f"it breaks without dropping anything.", tags, "harvest"),
            Document(f"{_cap(article(tool))} is the weakest tool that can mine {x}.", tags, "harvest"),
        ]
    elif kind:
        docs.append(Document(f"{_cap(x)} can be mined by hand, but {article(f'wooden_{kind}')} or better is faster.",
                             (block, f"wooden_{kind}"), "harvest"))
    if drops:
        what = join_words([article(d) if d != block else name(d) for d in drops])
        tags = (block, *drops)
        docs += [Document(_pick(rng, f"Mining {x} drops {what}.", f"When you break {x}, it drops {what}."), tags, "drop"),
                 Document(f"Q: What does {x} drop?\nA: {_cap(what)}.", tags, "drop")]
        for d in drops:
            if d != block:
                docs.append(Document(f"Q: Where do I get {plural(d)}?\nA: Mine {x}"
                                     + (f" with {article(tier[:-1])} or better." if tier else "."), (d, block, *([tier[:-1]] if tier else [])), "drop"))
    return docs


def mob_documents(mob: str, rng: random.Random) -> list[Document]:
    loot = V.game_data().entity_loot.get(mob, [])
    if not loot:
        return []
    what = join_words([plural(i) for i in loot])
    m = mob.replace("_", " ")
    tags = (mob, *loot)
    return [Document(_pick(rng, f"Killing a {m} drops {what}.", f"A {m} drops {what} when it dies."), tags, "mob"),
            Document(f"Q: What does a {m} drop?\nA: {_cap(what)}.", tags, "mob")]


def food_documents(food: str, rng: random.Random) -> list[Document]:
    f = V.game_data().foods[food]
    points, sat = f["foodPoints"], f["saturation"]
    tags = (food,)
    return [Document(f"Eating {article(food)} restores {points} hunger points ({points / 2:g} drumsticks) and "
                     f"{sat:g} saturation.", tags, "food"),
            Document(f"Q: How much hunger does {article(food)} restore?\nA: {points} hunger points.", tags, "food")]


# --------------------------------------------------------------------------------- furnace and fuels

def smelting_documents(output: str, inputs: Sequence[str], rng: random.Random) -> list[Document]:
    docs = []
    for source in inputs:
        if source not in V.game_data().items:
            continue
        tags = (output, source, "furnace")
        docs += [
            Document(_pick(rng, f"Smelting {name(source)} in a furnace gives {article(output)}.",
                           f"Put {name(source)} in a furnace with fuel and you get {article(output)}."), tags, "smelt"),
            Document(f"Q: What do I get from smelting {name(source)}?\nA: {_cap(article(output))}.", tags, "smelt"),
        ]
    first = [s for s in inputs if s in V.game_data().items][:2]
    if first:
        docs.append(Document(f"Q: How do I get {plural(output)}?\nA: Smelt {join_words([name(s) for s in first])} "
                             f"in a furnace.", (output, *first, "furnace"), "smelt"))
    return docs


def fuel_table(items: Iterable[str]) -> dict[str, int]:
    """Vanilla burn times in ticks of the fuels among `items`."""
    return {i: fuel_ticks(i) for i in items if fuel_ticks(i)}


def fuel_documents(fuel: str, ticks: int, rng: random.Random) -> list[Document]:
    n = ticks / COOK_TICKS
    tags = (fuel, "furnace")
    return [Document(f"{_cap(article(fuel))} burns for {_ticks_seconds(ticks)} seconds in a furnace, "
                     f"enough to smelt {n:g} items.", tags, "fuel"),
            Document(f"Q: How many items does one {name(fuel)} smelt in a furnace?\nA: {n:g}.", tags, "fuel")]


# ------------------------------------------------------------------------------------------ enchanting

def enchanting_documents(rng: random.Random) -> list[Document]:
    tags = ("enchanting_table", "lapis_lazuli", "bookshelf", "book")
    docs = [Document(t, tags, "enchant") for t in (
        "An enchanting table offers three enchantments for the item you put in it. Each costs 1, 2 or 3 lapis "
        "lazuli and as many experience levels, and the strongest offers need experience level 30.",
        "Q: What do I need to enchant an item?\nA: An enchanting table, lapis lazuli and experience levels.",
        "Q: How many bookshelves does an enchanting table need for level 30 enchantments?\nA: 15 bookshelves, "
        "one block away from the table with nothing in between.",
        "Q: What does an enchanting table use besides experience?\nA: Lapis lazuli, 1 to 3 per enchantment.",
        "Books can be enchanted at an enchanting table too; an enchanted book is then applied with an anvil.",
    )]
    for e in V._load_json("enchantments"):
        ench = str(e["displayName"]).lower()
        kinds = ENCHANT_CATEGORY_KINDS.get(str(e["category"]), ())
        if not kinds:
            continue
        on = join_words([("an " if k[0] in "aeiou" else "a ") + k for k in kinds])
        level = ROMAN[int(e["maxLevel"])] if int(e["maxLevel"]) < len(ROMAN) else str(e["maxLevel"])
        etags = (f"enchantment:{e['name']}",)
        docs.append(Document(f"{_cap(ench)} can be put on {on}; its highest level is {level}.", etags, "enchant"))
        docs.append(Document(f"Q: What items can get {ench}?\nA: {_cap(on)}.", etags, "enchant"))
        if e.get("treasureOnly"):
            docs.append(Document(f"{_cap(ench)} is a treasure enchantment: an enchanting table never offers it.",
                                 etags, "enchant"))
        if e.get("exclude"):
            other = join_words([x.replace("_", " ") for x in e["exclude"]])
            docs.append(Document(f"{_cap(ench)} cannot be combined with {other}.", etags, "enchant"))
    for item in V.ENCHANT_TARGETS:
        if item in V.game_data().items:
            docs.append(Document(f"{_cap(article(item))} can be enchanted at an enchanting table with lapis lazuli.",
                                 (item, "enchanting_table", "lapis_lazuli"), "enchant"))
    return docs


# ------------------------------------------------------------------------------------------- corpus

def knowledge_documents(seed: int = 0, scope: str = "core") -> list[Document]:
    """The whole generated corpus, shuffled deterministically by `seed`."""
    rng = random.Random(seed)
    data = V.game_data()
    docs: list[Document] = []
    items = scope_items(scope)
    for item in items:
        docs += recipe_documents(recipe(item), rng)
    blocks = list(dict.fromkeys([*(b for block in V.MINE_BLOCKS for b in V.ore_variants(block)), *EXTRA_BLOCKS]))
    if scope != "core":
        blocks += sorted(b for b in data.blocks if data.blocks[b].get("harvestTools") and b not in blocks)
    for block in blocks:
        if block in data.blocks:
            docs += harvest_documents(block, rng)
    for mob in (*V.MOBS, *EXTRA_MOBS):
        docs += mob_documents(mob, rng)
    for food in sorted(data.foods):
        if scope != "core" or food in items or food in V.SMELTING or any(food in data.entity_loot.get(m, []) for m in V.MOBS):
            docs += food_documents(food, rng)
    for output, inputs in V.SMELTING.items():
        docs += smelting_documents(output, inputs, rng)
    for fuel, ticks in fuel_table([*V.FUELS, *items, *blocks]).items():
        docs += fuel_documents(fuel, ticks, rng)
    docs += enchanting_documents(rng)
    rng.shuffle(docs)
    return docs


def choose_held_out(fraction: float = 0.2, seed: int = 0) -> list[str]:
    """Grid items to hold out: about `fraction` of the tool and armour grids, at most one per material and
    one per kind in each grid (so every held-out item's material and kind are both still taught by other
    items), the stone pickaxe always among them."""
    if not 0 <= fraction < 1:
        raise KnowledgeError(f"held-out fraction must be in [0, 1), got {fraction}")
    rng = random.Random(seed)
    # Only items named '<material> <kind>' (not the leather cap/tunic/pants) can be inferred from the grid.
    present = {i for i in grid_items() if name(i) == i.replace("_", " ")}
    chosen: list[str] = []
    for materials, kinds in ((TOOL_MATERIALS, TOOL_KINDS), (ARMOR_MATERIALS, ARMOR_KINDS)):
        cells = [(m, k) for m in materials for k in kinds if f"{m}_{k}" in present]
        quota = min(round(fraction * len(cells)), min(len(materials), len(kinds)))
        used_m: set[str] = set()
        used_k: set[str] = set()
        picked: list[str] = []
        forced = [(m, k) for m, k in cells if f"{m}_{k}" in ALWAYS_HELD_OUT]
        rng.shuffle(cells)
        for m, k in forced + cells:
            if len(picked) >= max(quota, len(forced)) or m in used_m or k in used_k:
                continue
            picked.append(f"{m}_{k}")
            used_m.add(m)
            used_k.add(k)
        chosen += picked
    return chosen


def split_held_out(docs: Sequence[Document], held_out: Iterable[str]) -> tuple[list[Document], list[Document]]:
    """(training documents: those naming no held-out item, the held-out items' documents)."""
    held = set(held_out)
    train = [d for d in docs if not d.mentions(held)]
    return train, [d for d in docs if d.mentions(held)]


def check_items(names: Iterable[str]) -> list[str]:
    items = V.game_data().items
    out = [n.strip() for n in names if n.strip()]
    unknown = [n for n in out if n not in items]
    if unknown:
        raise KnowledgeError(f"unknown items {unknown} (minecraft-data item names, e.g. stone_pickaxe)")
    return out


# --------------------------------------------------------------------------------------- user corpus

CORPUS_SUFFIXES = (".txt", ".md")


def _corpus_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in CORPUS_SUFFIXES)
            if not found:
                raise KnowledgeError(f"corpus folder {p} holds no {'/'.join(CORPUS_SUFFIXES)} files")
            files += found
        elif p.is_file():
            if p.suffix.lower() not in CORPUS_SUFFIXES:
                raise KnowledgeError(f"corpus file {p}: only plain text ({', '.join(CORPUS_SUFFIXES)}) is read")
            files.append(p)
        else:
            raise KnowledgeError(f"corpus path {p} does not exist")
    return files


def chunk_text(text: str, max_chars: int = 800) -> list[str]:
    """Paragraphs (blank-line separated) merged up to max_chars; a longer paragraph is cut at sentence ends."""
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        while len(para) > max_chars:
            cut = para.rfind(". ", 0, max_chars)
            cut = cut + 1 if cut > max_chars // 2 else max_chars
            pieces.append(para[:cut].strip())
            para = para[cut:].strip()
        if para:
            pieces.append(para)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 2 + len(piece) <= max_chars:
            chunks[-1] += "\n\n" + piece
        else:
            chunks.append(piece)
    return chunks


def load_user_corpus(paths: Sequence[Path], max_chars: int = 800) -> list[Document]:
    """Plain-text files (or folders of .txt/.md files) as untagged documents of at most max_chars each."""
    docs: list[Document] = []
    for f in _corpus_files(paths):
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise KnowledgeError(f"corpus file {f} is not UTF-8 text: {exc}") from exc
        chunks = chunk_text(text, max_chars)
        if not chunks:
            raise KnowledgeError(f"corpus file {f} is empty")
        docs += [Document(c, (), "user", str(f)) for c in chunks]
    return docs


@dataclass
class Corpus:
    """The training text of one pretraining run and what was held out of it."""

    train: list[Document]
    held_out_items: list[str]
    held_out_docs: list[Document] = field(default_factory=list)

    def stats(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for d in self.train:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return {"documents": len(self.train), "held_out_documents": len(self.held_out_docs),
                "characters": sum(len(d.text) for d in self.train), **{f"kind_{k}": v for k, v in sorted(kinds.items())}}


def build_corpus(seed: int = 0, held_out: Sequence[str] | None = None, user_paths: Sequence[Path] = (),
                 scope: str = "core", fraction: float = 0.2) -> Corpus:
    """Generated knowledge minus the held-out items' documents, plus the user's corpus, shuffled by seed."""
    held = check_items(held_out) if held_out is not None else choose_held_out(fraction, seed)
    train, held_docs = split_held_out(knowledge_documents(seed, scope), held)
    user = load_user_corpus(list(user_paths)) if user_paths else []
    mixed = train + user
    random.Random(seed + 1).shuffle(mixed)
    return Corpus(mixed, held, held_docs)


def main() -> int:
    """`python -m brain.data.knowledge [--scope core] [--seed 0]`: print the corpus (for a look)."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--scope", default="core")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stats", action="store_true")
    args = ap.parse_args()
    corpus = build_corpus(args.seed, scope=args.scope)
    if args.stats:
        print({"held_out": corpus.held_out_items, **corpus.stats()})
    else:
        for d in corpus.train:
            print(d.text, end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
