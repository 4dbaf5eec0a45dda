"""Did domain pretraining teach anything? Recipe questions, before and after, on held-out and trained items.

The question is the corpus's own question form, "Q: What do I need to craft a stone pickaxe?\\nA:", asked two ways:
- multiple choice (the main figure): the model's mean log-likelihood per token of each candidate answer
  after the question; the right ingredient list competes with distractors taken from other items' recipes,
  chosen to be hard: one from the same kind of item in another material (3 iron ingots and 2 sticks), one
  from the same material in another kind (2 cobblestone and 1 stick), one from any other recipe. A
  distractor equal to any variant of the right recipe is never used. Chance is 1 / number of choices.
- greedy answer: the model writes up to a line; it is right when the ingredients and counts it names are
  exactly one variant of the recipe (order free). This one also needs the answer's format, which an
  untrained base model does not know, so "right after, wrong before" is partly format; the multiple-choice
  figure is the fair one.

Held-out items are those whose documents were removed from the training text (brain.data.knowledge.choose_held_out):
answering them needs generalisation (a pickaxe takes 3 of its material and 2 sticks; stone tools take
cobblestone), not recall. Trained items show recall.

Run alone: ``python -m brain.evaluation.knowledge_quiz [--backbone gemma-3-270m] [--checkpoint DIR] [--json]``.
"""
from __future__ import annotations

import json
import math
import random
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch

from brain.data import knowledge as K


@dataclass(frozen=True)
class Question:
    item: str
    prompt: str                   # ends with "A:"; each choice is appended after it
    choices: tuple[str, ...]      # " 3 cobblestone and 2 sticks." ...
    answer: int                   # index of the right choice
    truths: tuple[dict[str, int], ...]  # every recipe variant (for checking free answers)
    held_out: bool


def question_prompt(item: str) -> str:
    return f"Q: What do I need to craft {K.article(item)}?\nA:"


def _siblings(item: str) -> tuple[list[str], list[str]]:
    """(same kind other material, same material other kind) among the grid items."""
    grid = K.grid_items()
    material, _, kind = item.partition("_")
    same_kind = [g for g in grid if g != item and g.endswith("_" + kind) and g.partition("_")[2] == kind]
    same_material = [g for g in grid if g != item and g.partition("_")[0] == material]
    return same_kind, same_material


def recipe_question(item: str, held_out: bool, rng: random.Random, pool: Sequence[str], n_choices: int = 4) -> Question:
    """One multiple-choice question about the recipe of `item`; distractors from `pool` items' recipes."""
    r = K.recipe(item)
    truth_sets = [tuple(sorted(v.items())) for v in r.variants]
    same_kind, same_material = _siblings(item)
    others = [p for p in pool if p != item]
    rng.shuffle(same_kind)
    rng.shuffle(same_material)
    rng.shuffle(others)
    distractors: list[str] = []
    seen = set(truth_sets)
    for group, limit in ((same_kind, 1), (same_material, 1), (others, n_choices)):
        taken = 0
        for candidate in group:
            if taken == limit or len(distractors) == n_choices - 1:
                break
            counts = K.recipe(candidate).canonical
            key = tuple(sorted(counts.items()))
            if key not in seen:
                seen.add(key)
                distractors.append(K.counts_phrase(counts))
                taken += 1
    choices = [r.answer(), *distractors]
    order = list(range(len(choices)))
    rng.shuffle(order)
    shuffled = tuple(f" {choices[i]}." for i in order)
    return Question(item, question_prompt(item), shuffled, order.index(0), tuple(r.variants), held_out)


def build_questions(held_out: Sequence[str], trained: Sequence[str], seed: int = 0, n_choices: int = 4) -> list[Question]:
    rng = random.Random(seed)
    pool = K.scope_items("core")
    return ([recipe_question(i, True, rng, pool, n_choices) for i in held_out]
            + [recipe_question(i, False, rng, pool, n_choices) for i in trained])


def trained_sample(held_out: Sequence[str], n: int = 12, seed: int = 0) -> list[str]:
    """Trained items to quiz: grid items not held out plus tech-tree items, deterministic."""
    from skills.vocabulary import craft_closure
    rng = random.Random(seed + 7)
    grid = [g for g in K.grid_items() if g not in held_out and K.name(g) == g.replace("_", " ")]
    tree = [i for i in craft_closure() if i not in held_out and i not in grid and not i.endswith("_planks")]
    rng.shuffle(grid)
    rng.shuffle(tree)
    half = n // 2
    return grid[:half] + tree[: n - half]


# ------------------------------------------------------------------------------------------ scoring

def _device_of(model: Any) -> torch.device:
    return next(model.parameters()).device


def lm_parts(model: Any) -> tuple[Any, Any, float | None]:
    """(decoder giving the final normed hidden states, output head, final logit soft-cap) of a causal LM,
    LoRA-wrapped or not: scoring a few positions through the head is far cheaper than full logits
    (Gemma's head has 262k rows)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = base.get_decoder() if hasattr(base, "get_decoder") else None
    head = base.get_output_embeddings()
    if decoder is None or head is None:
        raise ValueError(f"{type(base).__name__} has no decoder/output head to score with")
    return decoder, head, getattr(base.config, "final_logit_softcapping", None)


def head_logits(head: Any, softcap: float | None, hidden: torch.Tensor) -> torch.Tensor:
    logits = head(hidden)
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return logits


@torch.no_grad()
def choice_scores(model: Any, tokenizer: Any, questions: Sequence[Question], batch_size: int = 16) -> list[list[float]]:
    """Mean log-probability per token of each choice given its question (full vocabulary softmax)."""
    rows: list[tuple[list[int], int]] = []   # token ids, number of prompt tokens
    for q in questions:
        prompt_ids = _encode(tokenizer, q.prompt, bos=True)
        for choice in q.choices:
            rows.append((prompt_ids + _encode(tokenizer, choice, bos=False), len(prompt_ids)))
    device = _device_of(model)
    decoder, head, softcap = lm_parts(model)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    flat: list[float] = []
    was_training = model.training
    model.eval()
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for r, (seq, _) in enumerate(chunk):
            ids[r, :len(seq)] = torch.tensor(seq)
            mask[r, :len(seq)] = 1
        hidden = decoder(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
        for r, (seq, n_prompt) in enumerate(chunk):
            # positions n_prompt-1 .. len-2 predict the choice's tokens
            logits = head_logits(head, softcap, hidden[r, n_prompt - 1:len(seq) - 1]).float()
            target = torch.tensor(seq[n_prompt:], device=device)
            lp = torch.log_softmax(logits, dim=-1).gather(-1, target.unsqueeze(-1))
            flat.append(lp.mean().item())
    model.train(was_training)
    out, k = [], 0
    for q in questions:
        out.append(flat[k:k + len(q.choices)])
        k += len(q.choices)
    return out


def _encode(tokenizer: Any, text: str, bos: bool) -> list[int]:
    ids = tokenizer(text, add_special_tokens=False).input_ids
    if bos and tokenizer.bos_token_id is not None:
        ids = [tokenizer.bos_token_id] + ids
    return list(ids)


@torch.no_grad()
def greedy_answers(model: Any, tokenizer: Any, questions: Sequence[Question], max_new_tokens: int = 16,
                   batch_size: int = 10) -> list[str]:
    """Greedy continuation of each question, cut at the end of the line (batched, left-padded generate)."""
    device = _device_of(model)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    was_training = model.training
    model.eval()
    answers: list[str] = []
    for start in range(0, len(questions), batch_size):
        prompts = [_encode(tokenizer, q.prompt, bos=True) for q in questions[start:start + batch_size]]
        width = max(map(len, prompts))
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=pad, eos_token_id=tokenizer.eos_token_id)
        for row in out[:, width:]:
            text = tokenizer.decode([t for t in row.tolist() if t != pad], skip_special_tokens=True)
            answers.append(text.split("\n")[0].strip())
    model.train(was_training)
    return answers


_PAIR = re.compile(r"(\d+)\s+([a-z][a-z' ]*?)(?=,|\band\b|\.|;|$)")


def parse_counts(text: str) -> dict[str, int]:
    """'3 cobblestone and 2 sticks.' -> {'cobblestone': 3, 'sticks': 2} (names as written)."""
    return {m.group(2).strip(): int(m.group(1)) for m in _PAIR.finditer(text.lower())}


def answer_is_right(text: str, truths: Sequence[dict[str, int]]) -> bool:
    """The named ingredients and counts are exactly one recipe variant (singular or plural names)."""
    said = parse_counts(text)
    for variant in truths:
        want = {i: n for i, n in variant.items()}
        if len(said) != len(want):
            continue
        if all(any(said.get(form) == n for form in (K.name(i), K.plural(i, n), K.plural(i, 2))) for i, n in want.items()):
            return True
    return False


@dataclass
class GroupScore:
    n: int
    choice_accuracy: float          # multiple choice, chance = 1 / choices
    greedy_accuracy: float | None   # exact free answers (None when not generated)
    chance: float


@dataclass
class KnowledgeReport:
    held_out: GroupScore
    trained: GroupScore
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        def one(g: GroupScore) -> str:
            greedy = "" if g.greedy_accuracy is None else f", greedy {g.greedy_accuracy:.2f}"
            return f"choice {g.choice_accuracy:.2f} (chance {g.chance:.2f}){greedy}, n={g.n}"
        return f"held-out items: {one(self.held_out)}; trained items: {one(self.trained)}"


def evaluate(model: Any, tokenizer: Any, questions: Sequence[Question], generate: bool = True,
             n_examples: int = 4) -> KnowledgeReport:
    """Score the questions; `model` is any causal LM (the LoRA-wrapped backbone or the bare one)."""
    if not questions:
        raise ValueError("no questions to evaluate")
    scores = choice_scores(model, tokenizer, questions)
    picked = [max(range(len(s)), key=s.__getitem__) for s in scores]
    free = greedy_answers(model, tokenizer, questions) if generate else [None] * len(questions)

    def group(held: bool) -> GroupScore:
        idx = [i for i, q in enumerate(questions) if q.held_out == held]
        if not idx:
            return GroupScore(0, math.nan, None, math.nan)
        acc = sum(picked[i] == questions[i].answer for i in idx) / len(idx)
        greedy = (sum(answer_is_right(free[i], questions[i].truths) for i in idx) / len(idx)) if generate else None
        chance = sum(1 / len(questions[i].choices) for i in idx) / len(idx)
        return GroupScore(len(idx), acc, greedy, chance)

    examples = []
    for held, limit in ((True, n_examples), (False, max(1, n_examples // 2))):
        for i in [i for i, q in enumerate(questions) if q.held_out == held][:limit]:
            q = questions[i]
            examples.append({"item": q.item, "held_out": held, "question": q.prompt.replace("\nA:", ""),
                             "right": q.choices[q.answer].strip(), "picked": q.choices[picked[i]].strip(),
                             "greedy": free[i], "scores": [round(s, 3) for s in scores[i]]})
    return KnowledgeReport(group(True), group(False), examples)


def evaluate_items(model: Any, tokenizer: Any, held_out: Sequence[str], seed: int = 0, n_trained: int = 12,
                   generate: bool = True) -> KnowledgeReport:
    """The standard quiz: every held-out item and n_trained trained items."""
    questions = build_questions(held_out, trained_sample(held_out, n_trained, seed), seed)
    return evaluate(model, tokenizer, questions, generate)


# ------------------------------------------------------------------------------------------- CLI

def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from brain.model.backbone import DEFAULT_BACKBONE, BackboneError, load_backbone
    from brain.model.checkpoint import CheckpointError, load_checkpoint
    from brain.model.lora import LoraSettings, add_lora, load_lora_state

    ap = argparse.ArgumentParser(description="Recipe quiz on held-out and trained items (before/after pretraining).")
    ap.add_argument("--backbone", default=None, help="backbone spec (default: the checkpoint's, else gemma-3-270m)")
    ap.add_argument("--checkpoint", type=Path, default=None, help="a pretrain checkpoint (its LoRA is loaded)")
    ap.add_argument("--held-out", default=None, help="comma-separated items (default: the checkpoint's, else chosen)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-generate", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        held: list[str] | None = K.check_items(args.held_out.split(",")) if args.held_out else None
        parts, meta = ({}, None)
        if args.checkpoint:
            parts, meta = load_checkpoint(args.checkpoint)
            if "lora" not in parts:
                raise CheckpointError(f"{args.checkpoint} has no lora part")
            if held is None:
                held = next((h["held_out_items"] for h in reversed(meta.history) if h.get("phase") == "pretrain"), None)
        spec = args.backbone or (meta.backbone if meta else DEFAULT_BACKBONE)
        backbone = load_backbone(spec)
        model = backbone.model
        if meta is not None:
            if meta.backbone_fingerprint != backbone.fingerprint:
                raise CheckpointError(f"{args.checkpoint} was trained on another backbone ({meta.backbone})")
            cfg = dict(meta.configs.get("lora", {}))
            cfg["targets"] = tuple(cfg.get("targets", LoraSettings().targets))
            model = add_lora(model, LoraSettings(**cfg))
            load_lora_state(model, parts["lora"])
        model.to(args.device)
        held = held if held is not None else K.choose_held_out(0.2, args.seed)
        report = evaluate_items(model, backbone.tokenizer, held, args.seed, generate=not args.no_generate)
    except (K.KnowledgeError, CheckpointError, BackboneError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"held_out_items": held, **report.to_dict()}, indent=1))
    else:
        print(report.line())
        for ex in report.examples:
            print(f"  {'held-out' if ex['held_out'] else 'trained'}: {ex['question']} right: {ex['right']} | picked: {ex['picked']} | greedy: {ex['greedy']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
