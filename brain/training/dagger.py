"""Phase "dagger": the expert as a teacher on the learner's own states (`run_agent.py train --phase dagger
--iterations I --episodes E --workers N --out DIR [--init DIR] [--sessions DIR ...]`).

DAgger (Ross, Gordon and Bagnell, 2011) with LARM's frozen trunk (brain/model/larm.py), one iteration at a time:

1. play      E fresh training-range worlds, N at once (agent/rollout.py; game clock at --set speed), with the
             mixture policy (brain/policy.py MixturePolicy): the expert labels every state; with probability
             beta its action is played, else the learner's (beta: --set beta in the first iteration that has a
             learner, times --set decay in each one after; the expert alone while there is no learner yet). Every episode is a recorded session (OUT/sessions/iter_I/) with its labels.
2. gather    the new sessions' labelled decisions join the dataset (the --sessions given, and every iteration's).
3. train     the readout and heads, from the last iteration's (or --init's), --steps steps over the whole
             dataset (--episodes 0 skips step 1: a retraining on the --sessions given). The trunk is frozen,
             so the backbone's states of a decision are computed once and kept.
4. save      OUT/iter_I/ and OUT/latest/: LARM checkpoints `play/eval --policy larm --checkpoint` take
             (OUT is the run's folder: the checkpoints, sessions/, eval/, dagger.json and dagger.png).
5. evaluate  the learner alone on the same --set eval_seeds evaluation-range worlds every iteration: success
             per tier and repeated failures; and on held-out sessions (by session), agreement with the
             expert's labels per tier, against the majority, masked-majority and repeat-the-last-token
             baselines. One row per iteration in OUT/dagger.json; OUT/dagger.png plots success per tier
             against the iteration and against the labelled decisions.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from agent.env import FAST_SPEED
from agent.evaluation import summarize
from agent.play import run_episodes
from agent.seeds import EVALUATION_SEEDS, check_training_seeds
from agent.tasks import TIERS
from brain.data.decisions import Decision, LoadReport, input_key, load_decisions
from brain.evaluation.progress import dagger_iteration, plot_success
from brain.model.checkpoint import CheckpointError, read_meta
from brain.model.device import compute_dtype, resolve_device
from brain.model.larm import LarmConfig, LarmModel
from brain.policy import LarmPolicies, MixturePolicies
from brain.training.bc import argument_loss
from brain.training.options import Progress, TrainOptions, parse_settings
from world.embedded_server import check_speed

DAGGER_EVAL_SEED_START = 1_500_000   # the evaluation seeds each iteration is measured on (agent/seeds.py)


@dataclass
class DaggerSettings:
    """The dagger phase's --set settings."""
    task: str = "enchanted_diamond_sword"
    """the task every episode plays"""
    beta: float = 0.5
    """the share of expert actions in the first iteration that has a learner"""
    decay: float = 0.5
    """beta_i = beta * decay^i"""
    max_steps: int = 150
    """decisions per episode (played and evaluated)"""
    stuck_after: int = 40
    """end an episode after this many decisions without progress (MinecraftEnv)"""
    speed: float = FAST_SPEED
    """the embedded worlds' game clock, K times real time"""
    world_seed: int = 200_000
    """iteration i's episode j plays world_seed + i * episodes + j (training seeds only)"""
    eval_seeds: int = 10
    """evaluation-range worlds the learner plays alone after each iteration (0: none)"""
    eval_seed_start: int = DAGGER_EVAL_SEED_START
    """the first of them (the same worlds every iteration)"""
    eval_every: int = 1
    """evaluate after every Nth iteration (and always after the last)"""
    temperature: float = 0.0
    """the learner's sampling temperature while it plays (0: the most likely skill)"""
    weight_decay: float = 0.1
    """AdamW's weight decay on the readout and the heads (a few hundred decisions per world: they over-fit)"""
    encode_batch: int = 16
    """decisions per backbone forward when computing the states"""
    max_prompt_tokens: int = 288
    """a fresh LARM's prompt length (the state's description is ~210 Gemma tokens, at most ~265 in the tech tree)"""

    def __post_init__(self) -> None:
        self.speed = check_speed(self.speed)
        if not 0.0 <= self.beta <= 1.0 or not 0.0 <= self.decay <= 1.0:
            raise ValueError("--set beta and decay must be in [0, 1]")
        if self.max_steps < 1 or self.eval_seeds < 0 or self.encode_batch < 1 or self.eval_every < 1:
            raise ValueError("--set max_steps, encode_batch and eval_every must be at least 1, eval_seeds at least 0")


# ------------------------------------------------------------------------------------------- the model

def build_model(options: TrainOptions, settings: DaggerSettings, device: str, progress: Progress) -> LarmModel:
    """The frozen-trunk LARM to train: --init's (which must be one), or fresh on --backbone. The backbone computes
    the states in the live policy's precision (compute_dtype: fp32 on a CPU, where this 2-core machine made 1.9
    decisions/s against 0.46 in bf16; bf16 on CUDA). The readout and the heads train in fp32."""
    dtype = compute_dtype(device)
    if options.init is None:
        progress(f"a fresh frozen-trunk LARM on {options.backbone} (no --init)")
        config = LarmConfig(backbone=options.backbone, vision=None, trunk="frozen",
                            max_prompt_tokens=settings.max_prompt_tokens)
        return LarmModel.create(config, device, dtype=dtype)
    meta = read_meta(options.init)
    trunk = (meta.configs.get("larm") or {}).get("trunk", "lora")
    if trunk != "frozen":
        raise CheckpointError(f"--init {options.init}: a LARM with trunk {trunk!r}; dagger trains a frozen-trunk "
                              "LARM (its own checkpoints, or none)")
    model, _, meta = LarmModel.from_checkpoint(options.init, device=device, dtype=dtype, backbone=options.backbone)
    progress(f"LARM from {options.init} (phases {[h.get('phase') for h in meta.history]})")
    return model


class StateCache:
    """The frozen backbone's states of every decision input seen, computed once (bf16 to halve the memory).

    Keyed by the prompt's token ids, so a change of the prompt's wording is a new key, never a stale state.
    With a `path` (DAgger: OUT/states.pt) the states are kept on disk for a later run on the same backbone
    (a retraining with --episodes 0, or a run continued from --init); a file from another backbone is ignored.
    """

    def __init__(self, model: LarmModel, batch: int, path: Path | None = None,
                 progress: Progress = lambda m: None) -> None:
        self.model, self.batch, self.path = model, batch, path
        self.states: dict[str, torch.Tensor] = {}
        self._keys: dict[str, str] = {}  # input_key -> prompt key
        self._stamp = f"{model.backbone.fingerprint}:{model.backbone_dtype}"
        if path is not None and path.exists():
            try:
                saved = torch.load(path, map_location="cpu")
            except Exception as err:  # noqa: BLE001 - a cut-off or foreign file: the states are computed again
                progress(f"{path} is unreadable ({type(err).__name__}: {str(err)[:120]}); computing the states again")
                return
            if isinstance(saved, dict) and saved.get("backbone") == self._stamp:
                self.states = dict(saved["states"])
                progress(f"{len(self.states)} backbone states kept from {path}")
            else:
                progress(f"{path} holds another backbone's states; computing them again")

    def key(self, decision: Decision) -> str:
        k = input_key(decision.input)
        if k not in self._keys:
            ids = self.model.prompt_ids([decision.input])[0]
            self._keys[k] = hashlib.sha1(np.asarray(ids.before + ids.after, np.int64).tobytes()).hexdigest()
        return self._keys[k]

    def add(self, decisions: Sequence[Decision], progress: Progress) -> None:
        todo: dict[str, Decision] = {}
        for d in decisions:
            todo.setdefault(self.key(d), d)
        keys, started = [k for k in todo if k not in self.states], time.monotonic()
        for i in range(0, len(keys), self.batch):
            chunk = keys[i:i + self.batch]
            for key, states in zip(chunk, self.model.prompt_states([todo[k].input for k in chunk])):
                self.states[key] = states.to(torch.bfloat16).cpu()
            if len(keys) > 4 * self.batch and (i // self.batch) % 8 == 7:
                progress(f"  backbone states: {i + len(chunk)}/{len(keys)}")
        if keys:
            progress(f"backbone states of {len(keys)} new decisions in {time.monotonic() - started:.0f} s "
                     f"({len(keys) / max(1e-9, time.monotonic() - started):.1f} decisions/s)")
            self.save()

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        torch.save({"backbone": self._stamp, "states": self.states}, tmp)
        tmp.replace(self.path)

    def hidden(self, decisions: Sequence[Decision]) -> torch.Tensor:
        return self.read([self.key(d) for d in decisions])

    def read(self, keys: Sequence[str]) -> torch.Tensor:
        """The readout of the states of these keys (a training batch: keys computed once per run)."""
        return self.model.read_out([self.states[k].float() for k in keys])


def train_heads(model: LarmModel, cache: StateCache, decisions: Sequence[Decision], options: TrainOptions,
                optimiser: torch.optim.Optimizer, rng: random.Random, progress: Progress) -> dict[str, Any]:
    """--steps steps of the skill and argument cross-entropies on batches drawn from all decisions; the
    learning rate warms up over the first 10% and decays to zero on a cosine (each iteration anew)."""
    model.train()
    started, skill_losses, argument_losses = time.monotonic(), [], []
    params = [p for group in optimiser.param_groups for p in group["params"]]
    warmup = max(1, options.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda i: min(1.0, (i + 1) / warmup) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, i / max(1, options.steps)))))
    pool = list(zip(decisions, [cache.key(d) for d in decisions]))  # a key hashes the whole state: once
    for step in range(1, options.steps + 1):
        batch, keys = zip(*rng.sample(pool, min(options.batch_size, len(pool))))
        hidden = cache.read(keys)
        out = model.decide(hidden, model.masks([d.input for d in batch]))
        skill = F.cross_entropy(out.logits, torch.tensor([d.skill for d in batch], device=hidden.device))
        arguments = argument_loss(model, hidden, batch)
        loss = skill if arguments is None else skill + arguments
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        skill_losses.append(skill.item())
        argument_losses.append(arguments.item() if arguments is not None else 0.0)
        if step % max(1, options.log_every) == 0 or step == options.steps:
            n = max(1, options.log_every)
            progress(f"  step {step}/{options.steps}: skill loss {_mean(skill_losses[-n:]):.4f}, "
                     f"argument loss {_mean(argument_losses[-n:]):.4f}")
    model.eval()
    wall = time.monotonic() - started
    return {"steps": options.steps,
            "first_loss": round(skill_losses[0], 4) if skill_losses else None,
            "last_loss": round(_mean(skill_losses[-10:]), 4) if skill_losses else None,
            "last_argument_loss": round(_mean(argument_losses[-10:]), 4) if argument_losses else None,
            "wall_s": round(wall, 1), "decisions_per_s": round(options.steps * options.batch_size / max(wall, 1e-9), 1)}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / max(1, len(values))


# ------------------------------------------------------------------------------------------ the data

def check_labelled(paths: Sequence[Path]) -> None:
    """Every session given must say what the expert would do at each step: played by the expert, or with a
    label on every step (DAgger's own). ValueError naming the first that does not."""
    from agent.recording import load_sessions

    for path in paths:
        for session in load_sessions(path):
            policy = session.metadata.get("policy")
            name = policy.get("name") if isinstance(policy, dict) else policy
            steps = [e for e in session.events if e.get("type") == "step"]
            if name != "expert" and not all(isinstance(e.get("label"), dict) for e in steps):
                raise ValueError(f"--sessions: {session.path} has no expert labels (played by {name!r}, and not "
                                 "every step holds a label): dagger learns from the expert's sessions and its own")


def held_out(session: str, fraction: float) -> bool:
    """Whether a session is held out: by a hash of its name, so it stays so in every iteration."""
    return zlib.crc32(session.encode()) % 1000 < fraction * 1000


def tier_of(state: dict[str, Any]) -> str:
    """The highest tier the state has reached ("none" before the first)."""
    reached = [name for name, tier in TIERS.items() if tier.reached(state)]
    return reached[-1] if reached else "none"


@torch.no_grad()
def agreement(model: LarmModel, cache: StateCache, held: Sequence[Decision], train: Sequence[Decision]
              ) -> dict[str, dict[str, Any]]:
    """Per tier of the state: how often the learner's skill is the expert's label, and the baselines': the
    training labels' majority, the majority among the skills the mask allows, and the last skill played."""
    counts = Counter(d.skill for d in train)
    majority = counts.most_common(1)[0][0] if counts else 0
    index = {t.token: i for i, t in enumerate(model.vocab)}
    rows: dict[str, Counter[str]] = {}
    for i in range(0, len(held), 64):
        batch = list(held[i:i + 64])
        chosen = model.decide(cache.hidden(batch), model.masks([d.input for d in batch])).logits.argmax(-1).tolist()
        for d, skill in zip(batch, chosen):
            row = rows.setdefault(tier_of(dict(d.input.state)), Counter())
            allowed = [s for s in counts if d.input.mask[s]]
            last = index.get(str((d.input.recent[-1] if d.input.recent else {}).get("token")), majority)
            row["decisions"] += 1
            row["learner"] += skill == d.skill
            row["majority"] += majority == d.skill
            row["masked_majority"] += bool(allowed) and max(allowed, key=lambda s: counts[s]) == d.skill
            row["repeat_last"] += last == d.skill
    return {tier: {"decisions": r["decisions"], **{k: round(r[k] / r["decisions"], 3) for k in
                                                   ("learner", "majority", "masked_majority", "repeat_last")}}
            for tier, r in rows.items()}


# ------------------------------------------------------------------------------------------- the loop

def run(options: TrainOptions, progress: Progress) -> dict[str, Any]:
    (settings,) = parse_settings(options.extra, options.phase, DaggerSettings)
    if options.iterations < 1 or options.episodes < 0 or options.workers < 1:
        raise ValueError("--iterations and --workers must be at least 1, --episodes at least 0")
    if options.episodes == 0 and not options.sessions:
        raise ValueError("--episodes 0 plays no world and retrains on --sessions only: give the sessions")
    check_training_seeds(range(settings.world_seed, settings.world_seed + options.iterations * options.episodes),
                         options.allow_evaluation_seeds)
    eval_seeds = list(range(settings.eval_seed_start, settings.eval_seed_start + settings.eval_seeds))
    if any(s not in EVALUATION_SEEDS for s in eval_seeds):
        raise ValueError(f"--set eval_seed_start {settings.eval_seed_start}: the learner is evaluated on evaluation "
                         f"seeds ({EVALUATION_SEEDS.start}..{EVALUATION_SEEDS.stop - 1}) only")
    device = resolve_device(options.device)
    rng = random.Random(options.seed)
    torch.manual_seed(options.seed)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)

    model = build_model(options, settings, device, progress)
    cache = StateCache(model, settings.encode_batch, out / "states.pt", progress)
    params = model.trainable_parameters(vision=False)
    optimiser = torch.optim.AdamW(params, lr=options.lr, weight_decay=settings.weight_decay)
    report = LoadReport()
    dataset: list[Decision] = []
    if options.sessions:
        check_labelled(options.sessions)
        dataset = load_decisions(options.sessions, with_frames=False, report=report,
                                 allow_evaluation_seeds=options.allow_evaluation_seeds)
        progress(f"{len(dataset)} decisions from {report.sessions} given sessions")
    checkpoint: str | None = str(options.init) if options.init is not None else None
    env_options = {"task": settings.task, "max_steps": settings.max_steps, "speed": settings.speed,
                   "stuck_after": settings.stuck_after}
    rows: list[dict[str, Any]] = []
    for it in range(options.iterations):
        started = time.monotonic()
        with_learner = it if options.init is not None else it - 1   # iterations before this one that had a learner
        beta = 1.0 if checkpoint is None else settings.beta * settings.decay ** with_learner
        seeds = [settings.world_seed + it * options.episodes + j for j in range(options.episodes)]
        played, new = [], []
        if seeds:  # --episodes 0: DAgger's aggregate step alone, on the sessions given
            progress(f"iteration {it + 1}/{options.iterations}: playing {len(seeds)} worlds (seeds {seeds[0]}.."
                     f"{seeds[-1]}), expert share {beta:.2f}")
            played = run_episodes(seeds, MixturePolicies(checkpoint, settings.task, beta, settings.temperature),
                                  {**env_options, "record_dir": out / "sessions" / f"iter_{it + 1}",
                                   "policy": {"name": "dagger", "checkpoint": checkpoint, "beta": beta}},
                                  options.workers, options.ray_address, lambda m: progress("  " + m))
            new = _recorded(out / "sessions" / f"iter_{it + 1}", report, progress)
        dataset += new
        train = [d for d in dataset if not held_out(d.session, options.eval_fraction) and d.input.mask[d.skill]]
        held = [d for d in dataset if held_out(d.session, options.eval_fraction) and d.input.mask[d.skill]]
        progress(f"  {len(new)} new labelled decisions; {len(train)} to train on, {len(held)} held out")
        if not train:
            raise ValueError("no decisions to train on yet (every session so far is held out): play more episodes")
        cache.add(train + held, progress)
        fit = train_heads(model, cache, train, options, optimiser, rng, progress)
        played_beta = beta if seeds else None  # --episodes 0: a retraining, nothing played
        history = {"phase": "dagger", "iteration": it + 1, "beta": played_beta, "decisions": len(train),
                   "allow_evaluation_seeds": options.allow_evaluation_seeds}
        path = model.save(out / f"iter_{it + 1}", history)
        model.history = model.history[:-1]  # the same entry goes into latest/
        model.save(out / "latest", history)
        checkpoint = str(path)
        row = {"iteration": it + 1, "dagger_iteration": dagger_iteration(model.history), "beta": played_beta,
               "labelled_decisions": len(train) + len(held),
               "train_decisions": len(train), "held_out_decisions": len(held), "fit": fit,
               "played": summarize(played), "agreement": agreement(model, cache, held, train) if held else {}}
        if eval_seeds and ((it + 1) % settings.eval_every == 0 or it + 1 == options.iterations):
            progress(f"  evaluating the learner alone on {len(eval_seeds)} evaluation worlds")
            reports = run_episodes(eval_seeds, LarmPolicies(checkpoint, settings.task),
                                   {**env_options, "record_dir": out / "eval" / f"iter_{it + 1}",
                                    "policy": {"name": "larm", "checkpoint": checkpoint}},
                                   options.workers, options.ray_address, lambda m: progress("  " + m))
            row["evaluation"] = summarize(reports)
        row["wall_s"] = round(time.monotonic() - started, 1)
        rows.append(row)
        _write_report(out, settings, rows)
        progress(f"  iteration {it + 1} done in {row['wall_s']:.0f} s: " + _tier_line(row))
    return {"phase": "dagger", "iterations": options.iterations, "checkpoint": str(out / "latest"), "device": device,
            "settings": asdict(settings), "rows": rows, "report": str(out / "dagger.json")}


def _recorded(folder: Path, report: LoadReport, progress: Progress) -> list[Decision]:
    """The labelled decisions recorded in `folder` ([] when every world of the iteration was lost early)."""
    from agent.recording import SessionError
    from brain.data.decisions import DatasetError

    try:
        return load_decisions([folder], with_frames=False, report=report)
    except (SessionError, DatasetError) as err:
        progress(f"  nothing to learn from this iteration's worlds: {err}")
        return []


def _tier_line(row: dict[str, Any]) -> str:
    tiers = (row.get("evaluation") or {}).get("tiers") or {}
    return ", ".join(f"{name} {t['successes']}/{t['episodes']}" for name, t in tiers.items()) or "not evaluated"


def _write_report(out: Path, settings: DaggerSettings, rows: list[dict[str, Any]]) -> None:
    (out / "dagger.json").write_text(json.dumps({"settings": asdict(settings), "rows": rows}, indent=1, default=str))
    evaluated = [{"iteration": r["dagger_iteration"], "labelled_decisions": r["train_decisions"],
                  "tiers": r["evaluation"]["tiers"]} for r in rows if "evaluation" in r]
    if evaluated:
        plot_success(evaluated, out / "dagger.png")


__all__ = ["DaggerSettings", "StateCache", "agreement", "held_out", "run", "tier_of", "train_heads"]
