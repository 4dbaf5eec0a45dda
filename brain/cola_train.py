"""The three CoLA training phases (``run_agent.py train --phase cola-idm|cola-bc|cola-rl``).

- ``cola-idm``: inverse dynamics + decoder on recorded decisions, LARM frozen. LARM's hidden states h_t and
  h_{t+1} are computed once (no grad) and cached, so training only runs the small CoLA heads.
- ``cola-bc``: the latent policy π(z | h_t) imitates the inverse-dynamics model's argmax codes.
- ``cola-rl``: PPO + GAE on the latent policy only (decoder, inverse dynamics and LARM frozen), with a KL
  penalty to the cloned latent policy, in the live environment (``agent.env.MinecraftEnv`` on fresh embedded
  worlds). Per step: encode the observation with LARM, sample z ~ π, decode the skill greedily over the
  masked decoder logits, step the env.

Every phase starts from ``options.init`` (cola-idm: a LARM checkpoint, e.g. from bc; without one, a fresh
LARM on ``options.backbone``; cola-bc / cola-rl: the previous CoLA phase's checkpoint), writes the "cola"
part and ``configs["cola"]``, and copies every other part of the init checkpoint through unchanged.

Phase settings go through ``--set KEY=VALUE`` (``options.extra``): any ``ColaConfig`` field (cola-idm only,
e.g. ``num_codes=32``), any ``PpoSettings`` field (cola-rl), and ``batch`` (minibatch of the offline phases,
default 64: cached hidden states make large batches cheap; ``options.batch_size`` is the encoding batch),
``task``, ``episode_steps``, ``rollout``, ``record`` (cola-rl).
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from brain.checkpoint import CheckpointError, CheckpointMeta, save_phase
from brain.cola import Cola, ColaConfig, code_usage
from brain.ppo import PpoSettings, Rollout, ppo_update
from brain.train_options import TrainOptions, resolve_device

Progress = Callable[[str], None]
OFFLINE_KEYS = {"batch"}
RL_KEYS = {"task", "episode_steps", "rollout", "record"}


# ------------------------------------------------------------------------------------------ settings

def _convert(value: str, like: Any, key: str) -> Any:
    try:
        if isinstance(like, bool):
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("1", "true", "yes")
        return type(like)(value)
    except ValueError:
        raise ValueError(f"--set {key}={value}: expected a value of type {type(like).__name__}") from None


def _override(obj: Any, extra: dict[str, str]) -> Any:
    """A copy of dataclass `obj` with the fields named in extra replaced (other keys ignored here)."""
    changes = {f.name: _convert(extra[f.name], getattr(obj, f.name), f.name)
               for f in dataclasses.fields(obj) if f.name in extra}
    return dataclasses.replace(obj, **changes)


def _check_keys(extra: dict[str, str], allowed: set[str], phase: str) -> None:
    unknown = sorted(set(extra) - allowed)
    if unknown:
        raise ValueError(f"phase {phase} does not know the setting(s) {unknown}; known: {sorted(allowed)}")


def _batch(extra: dict[str, str]) -> int:
    value = _convert(extra.get("batch", "64"), 0, "batch")
    if value < 1:
        raise ValueError(f"--set batch={value}: must be at least 1")
    return value


def _field_names(cls: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


# ------------------------------------------------------------------------------------------ LARM and checkpoints

@dataclass
class Start:
    larm: Any                                  # brain.larm.LarmModel, frozen
    parts: dict[str, dict[str, torch.Tensor]]  # the init checkpoint's parts (copied through on save)
    meta: CheckpointMeta | None                # None when LARM was created fresh


def load_start(options: TrainOptions, device: str, progress: Progress) -> Start:
    from brain.larm import LarmConfig, LarmModel

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


def cola_from_checkpoint(parts: dict[str, dict[str, torch.Tensor]], meta: CheckpointMeta, where: str) -> Cola:
    """The Cola module stored in a checkpoint; a clear error when the checkpoint has none."""
    if "cola" not in parts or "cola" not in meta.configs:
        raise CheckpointError(f"{where} has no CoLA part (phases run: {[h.get('phase') for h in meta.history]}); "
                              f"run --phase cola-idm first")
    cola = Cola(ColaConfig.from_dict(meta.configs["cola"]))
    cola.load_state_dict(parts["cola"])
    return cola


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


def _input_key(inp: Any) -> str:
    """Identity of a DecisionInput (the next input of step t is usually the input of step t+1: encode once)."""
    h = hashlib.sha1(f"{inp.task}\x00{inp.text}".encode())
    if inp.frame is not None:
        h.update(np.ascontiguousarray(inp.frame).tobytes())
    return h.hexdigest()


@torch.no_grad()
def encode_decisions(larm: Any, decisions: Sequence[Any], batch_size: int, progress: Progress) -> Encoded:
    if not decisions:
        raise ValueError("no decisions to encode")
    unique: dict[str, Any] = {}
    for d in decisions:
        for inp in (d.input, d.next_input):
            if inp is not None:
                unique.setdefault(_input_key(inp), inp)
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
    h_t = torch.stack([vectors[_input_key(d.input)] for d in decisions])
    h_next = torch.stack([vectors[_input_key(d.next_input)] if d.next_input is not None else torch.zeros(H)
                          for d in decisions])
    has_next = torch.tensor([d.next_input is not None for d in decisions])
    skill = torch.tensor([int(d.skill) for d in decisions], dtype=torch.long)
    mask = torch.from_numpy(np.stack([np.asarray(d.input.mask, dtype=bool) for d in decisions]))
    return Encoded(h_t, h_next, has_next, skill, mask)


def load_encoded(larm: Any, options: TrainOptions, progress: Progress) -> tuple[Encoded, Encoded, dict[str, Any]]:
    """Recorded decisions -> (train, held-out) hidden states, split by session."""
    from brain.dataset import load_decisions, split_by_session

    if not options.sessions:
        raise ValueError("CoLA's offline phases need recorded sessions (--sessions DIR ...)")
    decisions = load_decisions([Path(p) for p in options.sessions])
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


def _minibatches(n: int, batch: int, steps: int, generator: torch.Generator):
    """`steps` index batches drawn by reshuffling the data each epoch."""
    order = torch.randperm(n, generator=generator)
    pos = 0
    for _ in range(steps):
        if pos + batch > n:
            order, pos = torch.randperm(n, generator=generator), 0
        yield order[pos:pos + batch]
        pos += batch


# ------------------------------------------------------------------------------------------ phase 1 & 2 loops

def train_idm_decoder(larm: Any, cola: Cola, data: Encoded, steps: int, batch: int, lr: float, seed: int,
                      progress: Progress, log_every: int = 10) -> list[dict[str, float]]:
    """Inverse dynamics + codebook + decoder merge; LARM's head is used frozen inside decode."""
    params = cola.world_model_parameters()
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    curve = []
    cola.train()
    batch = min(batch, len(data))
    for step, idx in enumerate(_minibatches(len(data), batch, steps, g), start=1):
        b = data.take(idx)
        out = cola.idm_decoder_loss(larm, b.h, b.skill, b.h_next, b.has_next, b.mask, generator=g)
        optimizer.zero_grad()
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if step % log_every == 0 or step == steps:
            row = {"step": step, "loss": out["loss"].item(), "reconstruction": out["reconstruction"].item(),
                   "usage": out["usage"].item(),
                   "batch_accuracy": float((out["skill_logits"].argmax(-1) == b.skill).float().mean())}
            curve.append(row)
            progress(f"cola-idm step {step}/{steps} loss {row['loss']:.3f} rec {row['reconstruction']:.3f} "
                     f"usage {row['usage']:.3f} acc {row['batch_accuracy']:.2f}")
    cola.eval()
    return curve


@torch.no_grad()
def idm_labels(cola: Cola, data: Encoded) -> torch.Tensor:
    cola.eval()
    return cola.inverse_dynamics(data.h, data.skill, data.h_next, data.has_next).argmax(-1)


def train_latent_bc(cola: Cola, h: torch.Tensor, codes: torch.Tensor, steps: int, batch: int, lr: float, seed: int,
                    progress: Progress, log_every: int = 10) -> list[dict[str, float]]:
    """Cross-entropy of π(z | h) against the inverse-dynamics codes; only the policy head trains."""
    params = list(cola.policy.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    curve = []
    cola.train()
    batch = min(batch, h.shape[0])
    for step, idx in enumerate(_minibatches(h.shape[0], batch, steps, g), start=1):
        logits = cola.latent_policy(h[idx])
        loss = F.cross_entropy(logits, codes[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % log_every == 0 or step == steps:
            acc = float((logits.argmax(-1) == codes[idx]).float().mean())
            curve.append({"step": step, "loss": loss.item(), "batch_agreement": acc})
            progress(f"cola-bc step {step}/{steps} loss {loss.item():.3f} agreement {acc:.2f}")
    cola.eval()
    return curve


# ------------------------------------------------------------------------------------------ phase 3: RL

@dataclass
class RlSettings:
    task: str = "enchanted_diamond_sword"
    episode_steps: int = 50        # env max_steps per episode (each reset is a fresh world: ~30-60 s)
    rollout: int = 32              # env steps per PPO update (the last rollout may be shorter)
    record: str = ""               # folder to record the RL episodes in ("" = no recording)


def decision_input(obs: dict[str, Any], info: dict[str, Any], task: str) -> Any:
    """The DecisionInput LARM reads, from an env observation and info (task: a task name or its words)."""
    from brain.dataset import input_from_observation

    return input_from_observation(obs, info, task)


@torch.no_grad()
def encode_one(larm: Any, inp: Any) -> torch.Tensor:
    """LARM's hidden state (1×H, float32) for one decision input."""
    return larm.encode([inp]).float()


@torch.no_grad()
def act(larm: Any, cola: Cola, h: torch.Tensor, mask: np.ndarray, generator: torch.Generator | None = None
        ) -> tuple[int, float, float, int]:
    """One decision from h (1×H): (code z ~ π(·|h), log π(z|h), V(h), skill decoded greedily from (h, z))."""
    logits = cola.latent_policy(h)
    code = torch.multinomial(torch.softmax(logits, dim=-1).cpu(), 1, generator=generator).view(1).to(h.device)
    logprob = torch.log_softmax(logits, dim=-1)[0, code]
    # (LARM's skill_logits leaves a row unmasked when its mask allows nothing.)
    allowed = torch.as_tensor(np.asarray(mask, dtype=bool)).view(1, -1).to(h.device)
    skill = int(cola.decode(larm, h, cola.code_onehot(code), allowed).argmax(-1))
    return int(code), float(logprob), float(cola.value(h)), skill


def train_latent_rl(larm: Any, cola: Cola, env: Any, steps: int, settings: PpoSettings, rollout_len: int, lr: float,
                    seed: int, task: str, progress: Progress) -> dict[str, Any]:
    """PPO on π(z | h) and V(h) in a gymnasium env whose actions are skill indices. Returns the RL report.

    Each observation is encoded by LARM exactly once; rollouts of `rollout_len` steps (the last may be
    shorter) are followed by one PPO update. Episodes continue across rollouts.
    """
    ref_policy = copy.deepcopy(cola.policy).eval()           # π_ref: the cloned latent policy, frozen
    for p in ref_policy.parameters():
        p.requires_grad_(False)
    params = cola.policy_parameters()
    optimizer = torch.optim.Adam(params, lr=lr, eps=1e-5)
    g = torch.Generator().manual_seed(seed)
    vocab = getattr(env, "vocab", None)
    episode = 0
    obs, info = env.reset(seed=seed)
    inp = decision_input(obs, info, task)
    h = encode_one(larm, inp)
    episode_returns: list[float] = []
    episode_lengths: list[int] = []
    ret, length = 0.0, 0
    all_codes: list[int] = []
    all_skills: list[int] = []
    updates: list[dict[str, float]] = []
    done_steps = 0
    t0 = time.perf_counter()
    while done_steps < steps:
        buf: dict[str, list[Any]] = {k: [] for k in ("h", "code", "logprob", "value", "reward", "terminated",
                                                     "ended", "next_value")}
        for _ in range(min(rollout_len, steps - done_steps)):
            code, logprob, value, skill = act(larm, cola, h, inp.mask, g)
            obs, reward, terminated, truncated, info = env.step(skill)
            done_steps += 1
            ret, length = ret + float(reward), length + 1
            all_codes.append(code)
            all_skills.append(skill)
            next_inp = decision_input(obs, info, task)
            h_next = encode_one(larm, next_inp)
            with torch.no_grad():
                next_value = float(cola.value(h_next))        # bootstraps a truncated episode
            for k, v in (("h", h[0]), ("code", code), ("logprob", logprob), ("value", value),
                         ("reward", float(reward)), ("terminated", bool(terminated)),
                         ("ended", bool(terminated or truncated)), ("next_value", next_value)):
                buf[k].append(v)
            name = vocab[skill].token if vocab is not None else str(skill)
            progress(f"cola-rl step {done_steps}/{steps}: code {code} -> {name}, reward {float(reward):+.2f}")
            if terminated or truncated:
                episode_returns.append(ret)
                episode_lengths.append(length)
                progress(f"episode {episode + 1} ended after {length} steps, return {ret:+.2f}")
                ret, length = 0.0, 0
                if done_steps < steps:
                    episode += 1
                    obs, info = env.reset(seed=seed + episode)
                    next_inp = decision_input(obs, info, task)
                    h_next = encode_one(larm, next_inp)
            inp, h = next_inp, h_next
        hidden = torch.stack(buf["h"])
        with torch.no_grad():
            ref_logits = ref_policy(hidden)
        dev = hidden.device
        rollout = Rollout(
            hidden=hidden, codes=torch.tensor(buf["code"], device=dev), ref_logits=ref_logits,
            logprobs=torch.tensor(buf["logprob"], device=dev), values=torch.tensor(buf["value"], device=dev),
            rewards=torch.tensor(buf["reward"], device=dev), terminated=torch.tensor(buf["terminated"], device=dev),
            ended=torch.tensor(buf["ended"], device=dev), next_values=torch.tensor(buf["next_value"], device=dev))
        cola.train()
        stats = ppo_update(cola, params, optimizer, rollout, settings, generator=g)
        cola.eval()
        stats.update({"env_steps": done_steps, "rollout_return": float(rollout.rewards.sum())})
        updates.append(stats)
        progress(f"PPO update {len(updates)}: policy {stats['policy_loss']:+.4f} value {stats['value_loss']:.4f} "
                 f"KL(ref) {stats['kl_ref']:.4f} entropy {stats['entropy']:.3f}")
    usage = code_usage(torch.tensor(all_codes), cola.num_codes)
    return {
        "env_steps": done_steps, "episodes_finished": len(episode_returns), "episode_returns": episode_returns,
        "episode_lengths": episode_lengths, "unfinished_episode_return": ret, "updates": updates,
        "kl_ref": updates[-1]["kl_ref"], "policy_loss": updates[-1]["policy_loss"],
        "codes_used": usage["codes_used"], "code_perplexity": usage["perplexity"],
        "distinct_skills": len(set(all_skills)), "seconds": time.perf_counter() - t0,
    }


# ------------------------------------------------------------------------------------------ phases

def run_idm(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    _check_keys(options.extra, _field_names(ColaConfig) | OFFLINE_KEYS, options.phase)
    batch = _batch(options.extra)
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    start = load_start(options, device, progress)
    train, held, counts = load_encoded(start.larm, options, progress)
    V = len(start.larm.vocab)
    config = _override(ColaConfig(hidden_size=int(start.larm.hidden_size), num_skills=V), options.extra)
    cola = Cola(config).to(larm_device(start.larm))
    curve = train_idm_decoder(start.larm, cola, train, options.steps, batch, options.lr, options.seed, progress,
                              max(1, options.log_every))
    report = {"phase": options.phase, **counts, "config": config.to_dict(), "curve": curve}
    return _evaluate_and_save(options, start, cola, train, held, report, progress)


def run_bc(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    _check_keys(options.extra, OFFLINE_KEYS, options.phase)
    batch = _batch(options.extra)
    if options.init is None:
        raise ValueError("cola-bc starts from a cola-idm checkpoint: give --init")
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    start = load_start(options, device, progress)
    cola = cola_from_checkpoint(start.parts, start.meta, str(options.init)).to(larm_device(start.larm))
    check_fits(cola, start.larm, str(options.init))
    train, held, counts = load_encoded(start.larm, options, progress)
    before = evaluate_offline(start.larm, cola, held)
    codes = idm_labels(cola, train)
    curve = train_latent_bc(cola, train.h, codes, options.steps, batch, options.lr,
                            options.seed, progress, max(1, options.log_every))
    report = {"phase": options.phase, **counts, "curve": curve, "held_out_before": before}
    return _evaluate_and_save(options, start, cola, train, held, report, progress)


def _evaluate_and_save(options: TrainOptions, start: Start, cola: Cola, train: Encoded, held: Encoded,
                       report: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The end of an offline phase: score train and held-out, write the checkpoint, return the report."""
    report["train"] = evaluate_offline(start.larm, cola, train)
    report["held_out"] = evaluate_offline(start.larm, cola, held)
    entry = {"phase": options.phase, "steps": options.steps, "sessions": [str(p) for p in options.sessions],
             "time": time.time(), "held_out": report["held_out"]}
    save_cola(Path(options.out), start, cola, entry)
    progress(f"wrote {options.out}")
    return report


def run_rl(options: TrainOptions, progress: Progress, env: Any | None = None) -> dict[str, Any]:
    """cola-rl; `env` (tests) replaces the live MinecraftEnv."""
    _check_keys(options.extra, _field_names(PpoSettings) | RL_KEYS, options.phase)
    if options.init is None:
        raise ValueError("cola-rl starts from a cola-bc checkpoint: give --init")
    if options.steps < 1:
        raise ValueError("cola-rl needs --steps >= 1 (environment steps)")
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    start = load_start(options, device, progress)
    cola = cola_from_checkpoint(start.parts, start.meta, str(options.init)).to(larm_device(start.larm))
    check_fits(cola, start.larm, str(options.init))
    if not any(h.get("phase") == "cola-bc" for h in start.meta.history):
        progress("warning: the init checkpoint has no cola-bc phase; the KL anchors to an uncloned latent policy")
    ppo = _override(PpoSettings(), options.extra)
    rl = _override(RlSettings(), options.extra)
    own_env = env is None
    if own_env:
        from agent.env import MinecraftEnv

        progress(f"starting a fresh embedded world for task {rl.task} (30-60 s)")
        env = MinecraftEnv(task=rl.task, max_steps=rl.episode_steps, record_dir=rl.record or None,
                           policy={"name": "larm+cola", "checkpoint": str(options.init)})
    try:
        report = train_latent_rl(start.larm, cola, env, options.steps, ppo, rl.rollout, options.lr, options.seed,
                                 rl.task, progress)
    finally:
        if own_env:
            env.close()
    report = {"phase": options.phase, "ppo": dataclasses.asdict(ppo), "rl": dataclasses.asdict(rl), **report}
    entry = {"phase": options.phase, "steps": options.steps, "task": rl.task, "time": time.time(),
             "episode_returns": report["episode_returns"], "kl_ref": report["kl_ref"]}
    save_cola(Path(options.out), start, cola, entry)
    progress(f"wrote {options.out}")
    return report


PHASE_RUNNERS = {"cola-idm": run_idm, "cola-bc": run_bc, "cola-rl": run_rl}


def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    if options.phase not in PHASE_RUNNERS:
        raise ValueError(f"brain.cola_train runs {sorted(PHASE_RUNNERS)}, not {options.phase!r}")
    return PHASE_RUNNERS[options.phase](options, progress)
