"""LARM as a policy of the agent (agent/policies.py's Policy): the live-decision input processing and the
checkpoint loading, apart from the model (brain/model/) and from training.

    policy = LarmPolicy("checkpoints/bc", "wooden_sword")
    token, args = policy.act(obs, info)        # obs and info from agent/env.py's environment
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from agent.tasks import Task, get_task, task_description
from brain.model.backbone import BackboneError
from brain.model.checkpoint import CheckpointError, read_meta
from brain.model.device import compute_dtype, resolve_device
from brain.model.inputs import DecisionInput
from brain.model.cola import Cola, cola_from_checkpoint
from brain.model.larm import LarmModel
from skills.vocabulary import argument_mask, arguments_of

Action = tuple[str, dict[str, Any]]

SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "dagger"
"""The learned policy that ships with the project (a frozen-trunk LARM's readout and heads, 18 MB): what
`--policy larm` plays without --checkpoint. brain/checkpoints/README.md gives the commands that made it."""


def input_from_observation(obs: Mapping[str, Any], info: Mapping[str, Any], task: str) -> DecisionInput:
    """The DecisionInput of a live decision, from the environment's observation and info (task: a task name
    or its words): the state, the last skill results and the action mask from info, the frame from obs."""
    state = info.get("state")
    if not isinstance(state, Mapping) or not state:
        raise ValueError("info has no state (expected MinecraftEnv's info)")
    if "action_mask" not in info:
        raise ValueError("info has no action_mask (expected MinecraftEnv's info)")
    frame = obs.get("frame")
    return DecisionInput(task=task_description(task), state=state,
                         frame=None if frame is None else np.asarray(frame, dtype=np.uint8),
                         mask=np.asarray(info["action_mask"], dtype=bool), recent=tuple(info.get("recent") or ()))


def choose(logits: torch.Tensor, temperature: float, generator: torch.Generator | None) -> int:
    """The most likely index (temperature 0) or one sampled from softmax(logits / temperature)."""
    if temperature <= 0:
        return int(logits.argmax())
    return int(torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator))


HEADS = ("auto", "skill", "cola")


def skill_arguments(model: LarmModel, hidden: torch.Tensor, index: int, temperature: float = 0.0,
                    generator: torch.Generator | None = None) -> dict[str, Any]:
    """The arguments of skill `index` from the argument head (most likely, or sampled at `temperature`); {} for a
    skill that takes none, or a checkpoint made before the argument head."""
    token = model.vocab[index].token
    if model.heads.argument is None or not argument_mask(token).any():
        return {}
    logits = model.argument_logits(hidden, torch.tensor([index], device=hidden.device))[0].float().cpu()
    return arguments_of(token, choose(logits, temperature, generator))


class LarmPolicy:
    """The trained LARM (brain/model/larm.py): one backbone forward per decision, the best (or, with a
    temperature, a sampled) allowed skill, and its argument from the argument head (a checkpoint made before
    the head sends none: the skill's defaults).

    head "skill": LARM's own skill head. head "cola": the checkpoint's CoLA path (brain/model/cola.py): the
    latent policy picks an intent z, the decoder merges it into the hidden state and LARM's skill head reads
    that. head "auto": cola when the checkpoint has a CoLA part, else skill; `self.head` says which.

    The checkpoint is loaded once per process and shared (eval builds one policy per seed). On the CPU the
    backbone runs in fp32 (bf16 on CUDA: brain.model.device.compute_dtype) with LoRA merged into its weights
    (brain.evaluation.latency measures exactly this path).
    """

    name = "larm"

    def __init__(self, checkpoint: str, task: str | Task, seed: int | None = None, temperature: float = 0.0,
                 device: str = "auto", head: str = "auto") -> None:
        if temperature < 0:
            raise ValueError(f"the temperature must be 0 (the most likely skill) or more, got {temperature}")
        if head not in HEADS:
            raise ValueError(f"--head must be one of {', '.join(HEADS)}, not {head!r}")
        self.task = get_task(task) if isinstance(task, str) else task
        self.model, self.cola = _load_larm(str(checkpoint), device)
        if head == "cola" and self.cola is None:
            phases = [h.get("phase") for h in self.model.history]
            raise ValueError(f"--head cola: the checkpoint {checkpoint} has no CoLA part (phases run: {phases}); "
                             "train --phase cola-idm and cola-bc on it first, or play it with --head skill")
        self.head = "cola" if head == "cola" or (head == "auto" and self.cola is not None) else "skill"
        self.temperature = float(temperature)
        self.generator = torch.Generator().manual_seed(seed or 0)
        self.vocab = self.model.vocab

    def reset(self) -> None:
        pass

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> Action | None:
        inp = input_from_observation(obs, info, self.task.name)
        with torch.inference_mode():
            hidden = self.model.encode([inp])
            logits = self._skill_logits(hidden, inp.mask[None])[0].float().cpu()
            index = choose(logits, self.temperature, self.generator)
            args = skill_arguments(self.model, hidden, index, self.temperature, self.generator)
        return (self.vocab[index].token, args)

    def _skill_logits(self, hidden: torch.Tensor, mask: np.ndarray) -> torch.Tensor:
        if self.head == "skill":
            return self.model.skill_logits(hidden, mask)
        assert self.cola is not None
        code = choose(self.cola.latent_policy(hidden)[0].float().cpu(), self.temperature, self.generator)
        z = self.cola.code_onehot(torch.tensor([code], device=hidden.device))
        return self.cola.decode(self.model, hidden, z, mask)

    def observe(self, token: str, result: dict[str, Any]) -> None:
        pass  # the last skills and their results reach the model through info["recent"]


class MixturePolicy:
    """DAgger's player: the expert labels every state; with probability `beta` its action is played, otherwise
    the learner's. Each action carries notes for the recording: the label ({"token", "args"}) and who acted.
    The expert hears every result (its failure memory follows what was really played). Without a checkpoint
    (a first iteration with nothing to start from) the expert plays every decision."""

    name = "dagger"

    def __init__(self, checkpoint: str | None, task: str | Task, seed: int | None = None, beta: float = 0.5,
                 temperature: float = 0.0) -> None:
        from agent.policies import ExpertPolicy

        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta (the share of expert actions) must be in [0, 1], got {beta}")
        self.expert = ExpertPolicy(task)
        self.learner = LarmPolicy(checkpoint, task, seed, temperature) if checkpoint and beta < 1.0 else None
        self.beta = beta if self.learner is not None else 1.0
        self.rng = random.Random(seed)

    def reset(self) -> None:
        self.expert.reset()
        if self.learner is not None:
            self.learner.reset()

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        label = self.expert.act(obs, info)
        if label is None:
            return None  # the expert sees the task done
        actor = "expert" if self.learner is None or self.rng.random() < self.beta else "learner"
        token, args = label if actor == "expert" else self.learner.act(obs, info)  # type: ignore[union-attr, misc]
        return (token, dict(args), {"label": {"token": label[0], "args": dict(label[1])}, "actor": actor})

    def observe(self, token: str, result: dict[str, Any]) -> None:
        self.expert.observe(token, result)


@dataclass(frozen=True)
class MixturePolicies:
    """A picklable seed -> MixturePolicy (the rollout layer builds policies inside its workers)."""
    checkpoint: str | None
    task: str
    beta: float
    temperature: float = 0.0

    def __call__(self, seed: int) -> MixturePolicy:
        return MixturePolicy(self.checkpoint, self.task, seed, self.beta, self.temperature)


@dataclass(frozen=True)
class LarmPolicies:
    """A picklable seed -> LarmPolicy."""
    checkpoint: str
    task: str
    temperature: float = 0.0
    head: str = "auto"

    def __call__(self, seed: int) -> LarmPolicy:
        return LarmPolicy(self.checkpoint, self.task, seed, self.temperature, head=self.head)


_LOADED: dict[tuple[str, str], tuple[LarmModel, Cola | None]] = {}


def _load_larm(checkpoint: str, device: str) -> tuple[LarmModel, Cola | None]:
    """LarmModel.from_checkpoint and its CoLA part (None without one), once per (folder, device); errors become
    ValueError with the reason."""
    device = resolve_device(device)
    key = (str(Path(checkpoint).resolve()), device)
    if key not in _LOADED:
        while len(_LOADED) >= 2:  # DAgger loads a new checkpoint every iteration: keep the last ones only
            _LOADED.pop(next(iter(_LOADED)))
        if not Path(checkpoint).is_dir():
            raise ValueError(f"--checkpoint {checkpoint}: no such checkpoint folder")
        try:
            model, parts, meta = LarmModel.from_checkpoint(checkpoint, device=device, dtype=compute_dtype(device))
            cola = cola_from_checkpoint(parts, meta, checkpoint).to(model.device).eval() if "cola" in parts else None
        except (CheckpointError, BackboneError) as err:
            raise ValueError(f"cannot load the LARM checkpoint: {err}") from err
        _LOADED[key] = (model.prepare_inference(), cola)
    return _LOADED[key]


def default_checkpoint() -> str | None:
    """The shipped checkpoint's folder, or None when this copy of the project has none."""
    return str(SHIPPED_CHECKPOINT) if (SHIPPED_CHECKPOINT / "meta.json").is_file() else None


def checkpoint_meta(checkpoint: str) -> dict[str, Any]:
    """What a session's metadata says of the checkpoint that decided: its folder, backbone and phases."""
    meta: dict[str, Any] = {"checkpoint": str(Path(checkpoint).resolve())}
    try:
        m = read_meta(checkpoint)
        meta.update(backbone=m.backbone, backbone_fingerprint=m.backbone_fingerprint,
                    phases=[h.get("phase") for h in m.history])
    except Exception as exc:  # the policy itself reports a bad checkpoint; metadata just notes it
        meta["checkpoint_error"] = str(exc)
    return meta
