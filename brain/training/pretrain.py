"""Training phase "pretrain": next-token training of the backbone's LoRA on Minecraft knowledge text.

    python run_agent.py train --phase pretrain --out ckpt/pretrain [--corpus notes.md ...] \
        --steps 300 --batch-size 4 --lr 1e-3 [--set seq_len=128] [--set lora_rank=16] ...

The text is brain/data/knowledge.py's generated corpus (recipes, drops, harvest tools, smelting, fuels, enchanting)
minus the documents of the held-out items (``eval_fraction`` of the tool/armour grids, the stone pickaxe
always; ``--set held_out=a,b`` to name them), plus any user corpus (``--corpus``: .txt/.md files or folders).
Documents are packed whole (a document longer than a row is cut) into rows of ``seq_len`` tokens, each
starting with BOS and ending with EOS; padding is not trained on. Only the LoRA trains (AdamW, linear warm-up
then cosine decay, gradient clipping at 1).

The loss's softmax: Gemma's output head has 262k rows, which costs more than the whole transformer body on a
CPU. ``--set softmax=corpus`` (the default on a CPU) takes the softmax over the tokens that occur in the
training text plus ``negatives`` (2048) other tokens drawn afresh each step, a sampled softmax: the body
and LoRA get the same kind of gradient, at a third of the cost. ``softmax=full`` (the default on CUDA) is the
exact loss. The evaluation always uses the full softmax.

Report: the knowledge quiz (brain/evaluation/knowledge_quiz.py) before and after training, on held-out and trained
items, and the mean next-token loss (full softmax) on the held-out items' own documents before and after.

Checkpoint (brain/model/checkpoint.py): part "lora", ``configs["lora"] = asdict(LoraSettings)``, a history entry
``{"phase": "pretrain", "steps", "final_loss", "held_out_items", ...}``; every ``save_every`` steps and at
the end. With ``--init`` its LoRA is loaded first (with its settings) and its other parts, configs and
history are copied through.

Measured (Gemma 3 270M, this 2-core CPU shared with other jobs, OMP_NUM_THREADS=1, which was ~8x faster than
two threads under that load): ``--steps 150 --batch-size 4 --lr 2e-3 --set seq_len=128 --set kinds=recipe``
(66k tokens, ~2.7 epochs of the recipe documents, ~8-10 min at 110-140 tokens/s); loss 1.56 -> 0.24. Quiz,
4 choices, before -> after: held-out items (8) choice 0.38 -> 1.00, greedy 0.00 -> 0.88; trained items (12)
choice 0.25 -> 1.00, greedy 0.00 -> 0.92; held-out documents' loss 4.14 -> 2.61 (seed 0). Seed 1 (other
held-out items): 0.50 -> 1.00 / 0.00 -> 0.88 held-out, 0.25 -> 1.00 / 0.00 -> 0.92 trained. With 80 steps
the trained items were learned (choice 0.83) but the held-out ones were not yet (0.38).

Phase-specific settings (``--set KEY=VALUE``): seq_len (128), lora_rank (16), lora_alpha (2 x rank),
lora_dropout (0.05), scope (core | tree | all), held_out (comma-separated items), softmax (auto | full |
corpus), negatives (2048), amp (bf16 | fp32), warmup (10), save_every (100; 0 = only at the end),
eval (1 | 0), eval_before (1 | 0: skip the quiz before training), eval_generate (1 | 0), eval_trained (12),
max_docs (0 = all; for quick tests), kinds (comma-separated document kinds to keep, e.g. recipe,use; default all).
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import torch
import torch.nn.functional as F

from brain.data import knowledge as K
from brain.evaluation import knowledge_quiz as KE
from brain.model.checkpoint import CheckpointError, CheckpointMeta, load_checkpoint, save_phase
from brain.model.lora import LoraSettings, add_lora, load_lora_state, lora_state
from brain.model.device import resolve_device
from brain.training.options import TrainOptions, parse_settings

Progress = Callable[[str], None]


@dataclass
class PretrainSettings:
    """The pretrain phase's --set settings."""
    seq_len: int = 128
    """tokens per packed training sequence (at least 16)"""
    lora_rank: int = 16
    """LoRA rank"""
    lora_alpha: int | None = None
    """LoRA alpha (none: 2 x rank)"""
    lora_dropout: float = 0.05
    """LoRA dropout"""
    scope: str = "core"
    """which items the corpus covers: core | tree | all"""
    held_out: str = ""
    """comma-separated items held out of the training text (default: one per material and tool kind)"""
    softmax: str = "auto"
    """auto (full on CUDA, sampled on CPU) | full | corpus (corpus tokens + `negatives` others)"""
    negatives: int = 2048
    """sampled-softmax negatives"""
    amp: str = "bf16"
    """bf16 | fp32"""
    warmup: int = 10
    """learning-rate warm-up steps"""
    save_every: int = 100
    """write the checkpoint every N steps (0: only at the end)"""
    eval: int = 1
    """1: quiz after training; 0: no quiz"""
    eval_before: int = 1
    """1: quiz before training too"""
    eval_generate: int = 1
    """1: also check greedy written answers"""
    eval_trained: int = 12
    """trained items quizzed beside the held-out ones"""
    max_docs: int = 0
    """0: every document; N: the first N (quick tests)"""
    kinds: str = ""
    """comma-separated document kinds to keep (e.g. recipe,use; default all)"""

    def __post_init__(self) -> None:
        if self.seq_len < 16:
            raise ValueError("--set seq_len must be at least 16")
        if self.softmax not in ("auto", "full", "corpus"):
            raise ValueError("--set softmax must be auto, full or corpus")
        if self.amp not in ("bf16", "fp32"):
            raise ValueError("--set amp must be bf16 or fp32")

    def lora(self) -> LoraSettings:
        return LoraSettings(rank=self.lora_rank, alpha=self.lora_alpha or 2 * self.lora_rank, dropout=self.lora_dropout)


# ------------------------------------------------------------------------------------------ packing

def tokenize_documents(tokenizer: Any, docs: Sequence[K.Document], seq_len: int) -> list[list[int]]:
    """Each document as BOS + text + EOS, cut into pieces of at most seq_len tokens."""
    out: list[list[int]] = []
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    for d in docs:
        ids = bos + list(tokenizer(d.text, add_special_tokens=False).input_ids) + eos
        out += [ids[i:i + seq_len] for i in range(0, len(ids), seq_len) if len(ids[i:i + seq_len]) > 1]
    return out


def pack(pieces: Sequence[list[int]], seq_len: int, pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy packing of whole pieces into rows: (ids R×seq_len, labels R×seq_len with -100 on padding)."""
    rows: list[list[int]] = []
    for p in pieces:
        if rows and len(rows[-1]) + len(p) <= seq_len:
            rows[-1] += p
        else:
            rows.append(list(p))
    ids = torch.full((len(rows), seq_len), pad, dtype=torch.long)
    labels = torch.full((len(rows), seq_len), -100, dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = torch.tensor(row)
        labels[r, :len(row)] = torch.tensor(row)
    return ids, labels


def batches(pieces: Sequence[list[int]], seq_len: int, pad: int, batch_size: int, seed: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless batches; every epoch reshuffles the documents and packs them again."""
    rng = random.Random(seed)
    order = list(pieces)
    while True:
        rng.shuffle(order)
        ids, labels = pack(order, seq_len, pad)
        perm = torch.randperm(len(ids), generator=torch.Generator().manual_seed(rng.randrange(1 << 30)))
        for start in range(0, len(ids) - batch_size + 1 if len(ids) >= batch_size else 1, batch_size):
            pick = perm[start:start + batch_size]
            yield ids[pick], labels[pick]


# --------------------------------------------------------------------------------------------- loss

class TokenLoss:
    """Next-token cross-entropy through the decoder and (part of) the output head."""

    def __init__(self, model: Any, corpus_tokens: torch.Tensor | None, negatives: int, device: str, seed: int):
        self.decoder, self.head, self.softcap = KE.lm_parts(model)
        self.vocab = int(self.head.weight.shape[0])
        self.device = device
        self.gen = torch.Generator().manual_seed(seed)
        self.negatives = negatives
        self.subset = corpus_tokens
        if corpus_tokens is not None:
            lookup = torch.full((self.vocab,), -1, dtype=torch.long)
            lookup[corpus_tokens] = torch.arange(len(corpus_tokens))
            self.lookup = lookup.to(device)
            outside = torch.ones(self.vocab, dtype=torch.bool)
            outside[corpus_tokens] = False
            self.outside = torch.nonzero(outside).squeeze(1)

    def __call__(self, ids: torch.Tensor, labels: torch.Tensor, full: bool = False) -> tuple[torch.Tensor, int]:
        """(mean loss, number of predicted tokens) for a batch (ids/labels on self.device)."""
        mask = (labels != -100).long()
        hidden = self.decoder(input_ids=ids, attention_mask=mask).last_hidden_state
        target = labels[:, 1:]
        keep = target != -100
        h = hidden[:, :-1][keep]
        t = target[keep]
        if full or self.subset is None:
            logits = KE.head_logits(self.head, self.softcap, h)
            return F.cross_entropy(logits.float(), t), int(t.numel())
        k = min(self.negatives, len(self.outside))
        neg = self.outside[torch.randperm(len(self.outside), generator=self.gen)[:k]]
        rows = torch.cat([self.subset, neg]).to(self.device)
        weight = self.head.weight[rows]
        logits = h @ weight.T.to(h.dtype)
        if getattr(self.head, "bias", None) is not None:
            logits = logits + self.head.bias[rows]
        if self.softcap:
            logits = torch.tanh(logits / self.softcap) * self.softcap
        return F.cross_entropy(logits.float(), self.lookup[t]), int(t.numel())


@torch.no_grad()
def document_loss(loss: TokenLoss, pieces: Sequence[list[int]], seq_len: int, pad: int, device: str,
                  batch_size: int = 8) -> float:
    """Mean full-softmax next-token loss over documents (each in its own row, no packing)."""
    total, count = 0.0, 0
    for start in range(0, len(pieces), batch_size):
        chunk = pieces[start:start + batch_size]
        width = max(map(len, chunk))   # no packing here: pad to the longest document of the batch only
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        for r, p in enumerate(chunk):
            ids[r, :len(p)] = torch.tensor(p)
            labels[r, :len(p)] = torch.tensor(p)
        value, n = loss(ids.to(device), labels.to(device), full=True)
        total += float(value) * n
        count += n
    return total / max(count, 1)


# ---------------------------------------------------------------------------------------------- run

def _start(options: TrainOptions, settings: PretrainSettings, progress: Progress) -> tuple[Any, Any, LoraSettings, dict, CheckpointMeta | None]:
    """(backbone, LoRA-wrapped model, LoRA settings, init parts, init meta)."""
    from brain.model.backbone import load_backbone
    from skills.vocabulary import vocabulary_fingerprint

    backbone = load_backbone(options.backbone)
    parts: dict[str, dict[str, torch.Tensor]] = {}
    meta: CheckpointMeta | None = None
    lora = settings.lora()
    if options.init is not None:
        if not Path(options.init).is_dir():
            raise CheckpointError(f"--init {options.init}: no such checkpoint folder")
        parts, meta = load_checkpoint(options.init, backbone.fingerprint, vocabulary_fingerprint())
        if "lora" in meta.configs:
            cfg = dict(meta.configs["lora"])
            lora = LoraSettings(**{**cfg, "targets": tuple(cfg.get("targets", LoraSettings().targets))})
    torch.manual_seed(options.seed)
    model = add_lora(backbone.model, lora)
    if "lora" in parts:
        load_lora_state(model, parts["lora"])
        progress(f"LoRA loaded from {options.init} (phases {[h.get('phase') for h in meta.history]})")
    return backbone, model, lora, parts, meta


def _save(options: TrainOptions, backbone: Any, model: Any, lora: LoraSettings, parts: dict, meta: CheckpointMeta | None,
          entry: dict[str, Any]) -> Path:
    from skills.vocabulary import vocabulary_fingerprint

    state = {k: v.detach().float().cpu().clone() for k, v in lora_state(model).items()}
    if meta is None:
        meta = CheckpointMeta(backbone=options.backbone, backbone_fingerprint=backbone.fingerprint,
                              vocabulary_fingerprint=vocabulary_fingerprint())
    return save_phase(options.out, parts, meta, "lora", state, asdict(lora), entry)


def _quiz(model: Any, tokenizer: Any, held: Sequence[str], settings: PretrainSettings, seed: int,
          loss: TokenLoss, held_pieces: Sequence[list[int]], pad: int, device: str) -> dict[str, Any]:
    report = KE.evaluate_items(model, tokenizer, held, seed, settings.eval_trained, bool(settings.eval_generate))
    was = model.training
    model.eval()
    doc_loss = document_loss(loss, held_pieces, settings.seq_len, pad, device) if held_pieces else math.nan
    model.train(was)
    return {**report.to_dict(), "held_out_doc_loss": round(doc_loss, 4), "line": report.line()}


def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    (settings,) = parse_settings(options.extra, options.phase, PretrainSettings)
    device = resolve_device(options.device)
    t0 = time.time()
    held = K.check_items(settings.held_out.split(",")) if settings.held_out else K.choose_held_out(options.eval_fraction, options.seed)
    corpus = K.build_corpus(options.seed, held, options.corpus, settings.scope)
    train_docs = corpus.train
    if settings.kinds:
        keep = {k.strip() for k in settings.kinds.split(",")}
        train_docs = [d for d in train_docs if d.kind in keep]
    train_docs = train_docs[: settings.max_docs] if settings.max_docs else train_docs
    if not train_docs:
        raise ValueError("the pretraining corpus is empty")
    progress(f"corpus: {len(train_docs)} documents ({sum(len(d.text) for d in train_docs)} characters), "
             f"held out: {', '.join(held)} ({len(corpus.held_out_docs)} documents)")

    backbone, model, lora, init_parts, init_meta = _start(options, settings, progress)
    tokenizer = backbone.tokenizer
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.to(device)
    pieces = tokenize_documents(tokenizer, train_docs, settings.seq_len)
    held_pieces = tokenize_documents(tokenizer, corpus.held_out_docs[:48], settings.seq_len)
    softmax = settings.softmax if settings.softmax != "auto" else ("full" if device.startswith("cuda") else "corpus")
    corpus_tokens = torch.tensor(sorted({t for p in pieces for t in p})) if softmax == "corpus" else None
    loss_fn = TokenLoss(model, corpus_tokens, settings.negatives, device, options.seed)
    n_tokens = sum(len(p) for p in pieces)
    progress(f"{len(pieces)} pieces, {n_tokens} tokens, softmax {softmax}"
             + (f" over {len(corpus_tokens)} corpus tokens + {settings.negatives} negatives" if corpus_tokens is not None else "")
             + f", device {device}, amp {settings.amp}, LoRA rank {lora.rank}")

    before = None
    if settings.eval and settings.eval_before:
        te = time.time()
        before = _quiz(model, tokenizer, held, settings, options.seed, loss_fn, held_pieces, pad, device)
        progress(f"before: {before['line']}; held-out documents loss {before['held_out_doc_loss']} ({time.time() - te:.0f} s)")

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=options.lr, weight_decay=0.0)
    steps = options.steps

    def lr_at(step: int) -> float:
        if step < settings.warmup:
            return (step + 1) / settings.warmup
        frac = (step - settings.warmup) / max(1, steps - settings.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    amp = torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16,
                         enabled=settings.amp == "bf16")
    stream = batches(pieces, settings.seq_len, pad, options.batch_size, options.seed)
    model.train()
    losses: list[float] = []
    window_loss, window_tokens, window_start = 0.0, 0, time.time()
    trained_tokens, train_start = 0, time.time()
    first_loss = None

    def entry(step: int, final_loss: float | None, after: dict | None = None) -> dict[str, Any]:
        e: dict[str, Any] = {"phase": "pretrain", "steps": step, "final_loss": final_loss, "held_out_items": list(held),
                             "seed": options.seed, "seq_len": settings.seq_len, "scope": settings.scope,
                             "kinds": settings.kinds or "all",
                             "softmax": softmax, "lr": options.lr, "batch_size": options.batch_size,
                             "documents": len(train_docs), "user_corpus": [str(p) for p in options.corpus]}
        if before is not None and after is not None:
            e["quiz"] = {"before": _summary(before), "after": _summary(after)}
        return e

    for step in range(steps):
        ids, labels = next(stream)
        with amp:
            value, n = loss_fn(ids.to(device), labels.to(device))
        opt.zero_grad(set_to_none=True)
        value.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(value.item())
        window_loss += losses[-1]
        window_tokens += n
        trained_tokens += n
        if (step + 1) % options.log_every == 0 or step + 1 == steps:
            k = (step % options.log_every) + 1
            rate = window_tokens / max(1e-9, time.time() - window_start)
            mean = window_loss / k
            first_loss = mean if first_loss is None else first_loss
            progress(f"step {step + 1}/{steps} loss {mean:.4f} tokens/s {rate:.0f} lr {sched.get_last_lr()[0]:.2e}")
            window_loss, window_tokens, window_start = 0.0, 0, time.time()
        if settings.save_every and (step + 1) % settings.save_every == 0 and step + 1 < steps:
            _save(options, backbone, model, lora, init_parts, init_meta, entry(step + 1, losses[-1]))
            progress(f"checkpoint at step {step + 1}: {options.out}")
    train_seconds = time.time() - train_start
    tail = losses[-max(1, min(len(losses), options.log_every)):] if losses else []
    final_loss = round(sum(tail) / len(tail), 4) if tail else None

    after = None
    if settings.eval:
        te = time.time()
        after = _quiz(model, tokenizer, held, settings, options.seed, loss_fn, held_pieces, pad, device)
        progress(f"after: {after['line']}; held-out documents loss {after['held_out_doc_loss']} ({time.time() - te:.0f} s)")
    path = _save(options, backbone, model, lora, init_parts, init_meta, entry(steps, final_loss, after))
    progress(f"checkpoint: {path}")
    return {"phase": "pretrain", "checkpoint": str(path), "backbone": options.backbone, "device": device,
            "steps": steps, "tokens_trained": trained_tokens,
            "tokens_per_s": round(trained_tokens / max(train_seconds, 1e-9), 1),
            "train_seconds": round(train_seconds, 1), "seconds": round(time.time() - t0, 1),
            "loss_first": round(first_loss, 4) if first_loss is not None else None, "loss_final": final_loss,
            "softmax": softmax, "held_out_items": list(held), "corpus": corpus.stats(),
            "quiz_before": before, "quiz_after": after}


def _summary(quiz: dict[str, Any]) -> dict[str, Any]:
    return {"held_out_choice": quiz["held_out"]["choice_accuracy"], "held_out_greedy": quiz["held_out"]["greedy_accuracy"],
            "trained_choice": quiz["trained"]["choice_accuracy"], "trained_greedy": quiz["trained"]["greedy_accuracy"],
            "held_out_doc_loss": quiz["held_out_doc_loss"]}
