"""What the three CoLA phases share (cola_idm.py, cola_bc.py, cola_rl.py): LARM loaded frozen from the init
checkpoint, the CoLA part read from and written to checkpoints, recorded decisions encoded once into LARM's
hidden states, and the offline evaluation.

Every phase starts from ``options.init`` (cola-idm: a LARM checkpoint, e.g. from bc; without one, a fresh
LARM on ``options.backbone``; cola-bc / cola-rl: the previous CoLA phase's checkpoint), writes the "cola"
part and ``configs["cola"]``, and copies every other part of the init checkpoint through unchanged.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from brain.data.decisions import input_key
from brain.model.checkpoint import CheckpointError, CheckpointMeta, save_phase
from brain.model.cola import Cola, ColaConfig, code_usage, cola_from_checkpoint
from brain.model.device import resolve_device
from brain.training.options import Progress, TrainOptions


@dataclass
class OfflineSettings:
    """The --set settings of the offline CoLA phases (cola-idm, cola-bc)."""
    batch: int = 64
    """minibatch of cached hidden states (cheap, so large; --batch-size is the encoding batch)"""

    def __post_init__(self) -> None:
        if self.batch < 1:
            raise ValueError(f"--set batch={self.batch}: must be at least 1")


# ------------------------------------------------------------------------------------------ LARM and checkpoints

@dataclass
class Start:
    larm: Any                                  # brain.model.larm.LarmModel, frozen
    parts: dict[str, dict[str, torch.Tensor]]  # the init checkpoint's parts (copied through on save)
    meta: CheckpointMeta | None                # None when LARM was created fresh


def load_start(options: TrainOptions, device: str, progress: Progress) -> Start:
    from brain.model.larm import LarmConfig, LarmModel

    if options.init is not None:
        if not Path(options.init).exists():
            raise CheckpointError(f"--init {options.init}: no such checkpoint folder")
        larm, parts, meta = LarmModel.from_checkpoint(options.init, device=device)
        progress(f"LARM from {options.init} (backbone {meta.backbone}, phases "
                 f"{[h.get('phase') for h in meta.history]})")
    else:
        larm = LarmModel.create(LarmConfig(backbone=options.backbone), device)
        parts, meta = larm.parts(), None
        progress(f"no --init: a fresh LARM on {options.backbone} (its skill head is untrained)")
    larm.eval()
    for p in larm.parameters():
        p.requires_grad_(False)
    return Start(larm, parts, meta)


def load_cola(options: TrainOptions, previous: str, progress: Progress) -> tuple[Start, Cola]:
    """LARM (frozen) and the CoLA part of the --init checkpoint, which an earlier phase (`previous`) wrote."""
    if options.init is None:
        raise ValueError(f"{options.phase} starts from a {previous} checkpoint: give --init")
    torch.manual_seed(options.seed)
    start = load_start(options, resolve_device(options.device), progress)
    cola = cola_from_checkpoint(start.parts, start.meta, str(options.init)).to(larm_device(start.larm))
    check_fits(cola, start.larm, str(options.init))
    return start, cola


def check_fits(cola: Cola, larm: Any, where: str) -> None:
    """The CoLA modules must match the LARM they sit on (hidden size, number of skills)."""
    if cola.config.hidden_size != int(larm.hidden_size) or cola.config.num_skills != len(larm.vocab):
        raise CheckpointError(f"{where}: the CoLA part was built for hidden size {cola.config.hidden_size} and "
                              f"{cola.config.num_skills} skills, the LARM has {larm.hidden_size} and {len(larm.vocab)}")


def save_cola(folder: Path, start: Start, cola: Cola, entry: dict[str, Any]) -> Path:
    """Write the cola part (+ configs["cola"]) next to the init's other parts, with a history entry."""
    state = {k: v.detach().cpu().clone() for k, v in cola.state_dict().items()}
    if start.meta is None:   # a fresh LARM: its own save writes its parts and configs next to ours
        return start.larm.save(folder, entry, extra_parts={"cola": state},
                               extra_configs={"cola": cola.config.to_dict()})
    return save_phase(folder, start.parts, start.meta, "cola", state, cola.config.to_dict(), entry)


# ------------------------------------------------------------------------------------------ cached hidden states

@dataclass
class Encoded:
    """The recorded decisions as LARM hidden states (computed once, no grad)."""
    h: torch.Tensor          # N×H, state at the decision
    h_next: torch.Tensor     # N×H, state after it (zeros where has_next is False)
    has_next: torch.Tensor   # N bool
    skill: torch.Tensor      # N long, the skill taken
    mask: torch.Tensor       # N×V bool, the skills allowed by the preconditions

    def __len__(self) -> int:
        return int(self.skill.shape[0])

    def take(self, index: torch.Tensor) -> "Encoded":
        index = index.to(self.h.device)
        return Encoded(self.h[index], self.h_next[index], self.has_next[index], self.skill[index], self.mask[index])

    def to(self, device: str | torch.device) -> "Encoded":
        return Encoded(*(t.to(device) for t in (self.h, self.h_next, self.has_next, self.skill, self.mask)))


@torch.no_grad()
def encode_decisions(larm: Any, decisions: Sequence[Any], batch_size: int, progress: Progress) -> Encoded:
    if not decisions:
        raise ValueError("no decisions to encode")
    unique: dict[str, Any] = {}
    for d in decisions:
        for inp in (d.input, d.next_input):
            if inp is not None:
                unique.setdefault(input_key(inp), inp)
    keys = list(unique)
    vectors: dict[str, torch.Tensor] = {}
    t0 = time.perf_counter()
    for start in range(0, len(keys), batch_size):
        chunk = keys[start:start + batch_size]
        h = larm.encode([unique[k] for k in chunk]).float().cpu()
        vectors.update(zip(chunk, h))
    progress(f"encoded {len(keys)} distinct observations of {len(decisions)} decisions "
             f"in {time.perf_counter() - t0:.1f}s")
    H = next(iter(vectors.values())).shape[0]
    h_t = torch.stack([vectors[input_key(d.input)] for d in decisions])
    h_next = torch.stack([vectors[input_key(d.next_input)] if d.next_input is not None else torch.zeros(H)
                          for d in decisions])
    has_next = torch.tensor([d.next_input is not None for d in decisions])
    skill = torch.tensor([int(d.skill) for d in decisions], dtype=torch.long)
    mask = torch.from_numpy(np.stack([np.asarray(d.input.mask, dtype=bool) for d in decisions]))
    return Encoded(h_t, h_next, has_next, skill, mask)


def load_encoded(larm: Any, options: TrainOptions, progress: Progress) -> tuple[Encoded, Encoded, dict[str, Any]]:
    """Recorded decisions -> (train, held-out) hidden states, split by session."""
    from brain.data.decisions import load_decisions, split_by_session

    if not options.sessions:
        raise ValueError("CoLA's offline phases need recorded sessions (--sessions DIR ...)")
    decisions = load_decisions([Path(p) for p in options.sessions], allow_evaluation_seeds=options.allow_evaluation_seeds)
    train, held = split_by_session(decisions, options.eval_fraction, options.seed)
    if not train:
        raise ValueError(f"no training decisions left after holding out {options.eval_fraction:.0%} of sessions")
    sessions = {"decisions": len(decisions), "train_decisions": len(train), "held_out_decisions": len(held),
                "sessions": len({d.session for d in decisions}),
                "held_out_sessions": len({d.session for d in held})}
    progress(f"{sessions['decisions']} decisions from {sessions['sessions']} sessions "
             f"({len(train)} train, {len(held)} held out)")
    enc = encode_decisions(larm, list(train) + list(held), max(1, options.batch_size), progress)
    n = len(train)
    enc = enc.to(larm_device(larm))
    return enc.take(torch.arange(n)), enc.take(torch.arange(n, len(enc))), sessions


def larm_device(larm: Any) -> torch.device:
    try:
        return next(larm.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


# ------------------------------------------------------------------------------------------ evaluation

@torch.no_grad()
def evaluate_offline(larm: Any, cola: Cola, data: Encoded) -> dict[str, Any]:
    """Codebook usage and accuracies on a set of recorded decisions (masks as recorded)."""
    if len(data) == 0:
        return {"decisions": 0}
    cola.eval()
    mask = data.mask
    larm_pred = larm.skill_logits(data.h, mask).argmax(-1)
    idm_codes = cola.inverse_dynamics(data.h, data.skill, data.h_next, data.has_next).argmax(-1)
    decoded = cola.decode(larm, data.h, cola.code_onehot(idm_codes), mask).argmax(-1)
    # The decoder with one code for every decision (the best such code): what the latent adds over none.
    fixed = max(float((cola.decode(larm, data.h, cola.code_onehot(torch.full_like(idm_codes, k)), mask)
                       .argmax(-1) == data.skill).float().mean()) for k in range(cola.num_codes))
    pi_codes = cola.latent_policy(data.h).argmax(-1)
    chain = cola.decode(larm, data.h, cola.code_onehot(pi_codes), mask).argmax(-1)
    usage = code_usage(idm_codes, cola.num_codes)
    return {
        "decisions": len(data),
        "larm_accuracy": float((larm_pred == data.skill).float().mean()),        # LARM's own (BC) head
        "decoder_accuracy": float((decoded == data.skill).float().mean()),      # decoder with the IDM's code
        "best_fixed_code_accuracy": fixed,
        "codes_used": usage["codes_used"], "perplexity": usage["perplexity"],
        "skill_in_mask": float(mask[torch.arange(len(data)), data.skill].float().mean()),
        "policy_agreement": float((pi_codes == idm_codes).float().mean()),     # π's code == IDM's code
        "chain_accuracy": float((chain == data.skill).float().mean()),         # π -> decoder vs the record
        "policy_codes_used": code_usage(pi_codes, cola.num_codes)["codes_used"],
    }


def minibatches(n: int, batch: int, steps: int, generator: torch.Generator):
    """`steps` index batches drawn by reshuffling the data each epoch."""
    order = torch.randperm(n, generator=generator)
    pos = 0
    for _ in range(steps):
        if pos + batch > n:
            order, pos = torch.randperm(n, generator=generator), 0
        yield order[pos:pos + batch]
        pos += batch


def evaluate_and_save(options: TrainOptions, start: Start, cola: Cola, train: Encoded, held: Encoded,
                       report: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The end of an offline phase: score train and held-out, write the checkpoint, return the report."""
    report["train"] = evaluate_offline(start.larm, cola, train)
    report["held_out"] = evaluate_offline(start.larm, cola, held)
    entry = {"phase": options.phase, "steps": options.steps, "sessions": [str(p) for p in options.sessions],
             "allow_evaluation_seeds": options.allow_evaluation_seeds, "time": time.time(), "held_out": report["held_out"]}
    save_cola(Path(options.out), start, cola, entry)
    progress(f"wrote {options.out}")
    return report


