"""What every training phase takes: the common options (`run_agent.py train --phase ...`), and the one parser
of the phase-specific `--set KEY=VALUE` settings into each phase's typed settings class."""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from brain.model.backbone import DEFAULT_BACKBONE

PHASES = ("pretrain", "vision", "bc", "dagger", "cola-idm", "cola-bc", "cola-rl")
Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass
class TrainOptions:
    phase: str
    """which phase runs (one of PHASES)"""
    out: Path
    """checkpoint folder written (atomically) at the end and at intervals"""
    init: Path | None = None
    """checkpoint to start from (e.g. bc starts from pretrain's); its other parts are kept"""
    backbone: str = DEFAULT_BACKBONE
    """backbone spec: gemma-3-270m, tiny-random, or a Hugging Face causal-LM folder"""
    sessions: list[Path] = field(default_factory=list)
    """recorded session folders, or folders of them"""
    corpus: list[Path] = field(default_factory=list)
    """extra text files or folders for pretraining"""
    steps: int = 200
    """optimiser steps (cola-rl: environment steps)"""
    batch_size: int = 8
    """batch size"""
    lr: float = 2e-4
    """learning rate"""
    seed: int = 0
    """random seed"""
    device: str = "auto"
    """cpu, cuda, or auto: cuda when present, else cpu"""
    eval_fraction: float = 0.2
    """held-out share (by item for knowledge, by session or world otherwise)"""
    log_every: int = 10
    """a progress line every N steps"""
    allow_evaluation_seeds: bool = False
    """learn from worlds or sessions of evaluation seeds (agent/seeds.py); the checkpoint's training log says so"""
    iterations: int = 1
    """dagger: play, label, retrain and evaluate this many times"""
    episodes: int = 4
    """dagger: worlds played per iteration"""
    workers: int = 1
    """dagger: worlds at once (Ray actors, agent/rollout.py; 1: in this process)"""
    ray_address: str | None = None
    """dagger: run the worlds on this Ray cluster"""
    extra: dict[str, str] = field(default_factory=dict)
    """the phase-specific --set KEY=VALUE pairs, parsed by parse_settings"""


def parse_settings(extra: Mapping[str, str], phase: str, *classes: type) -> tuple[Any, ...]:
    """One instance of each settings dataclass, with the fields named in `extra` converted to their declared
    types; a key that none of the classes has is refused (ValueError naming the known keys). A class may
    check its values in __post_init__ (raise ValueError)."""
    known = {f.name: cls for cls in classes for f in dataclasses.fields(cls)}
    unknown = sorted(set(extra) - set(known))
    if unknown:
        raise ValueError(f"--phase {phase} has no setting {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    built = []
    for cls in classes:
        hints = typing.get_type_hints(cls)
        values = {name: _convert(extra[name], hints[name], name)
                  for name in (f.name for f in dataclasses.fields(cls)) if name in extra}
        built.append(cls(**values))
    return tuple(built)


def _convert(raw: str, kind: Any, key: str) -> Any:
    """A --set value as the field's type: int, float, bool (1/0, true/false, yes/no), str, tuple[int, ...]
    (comma-separated) and `X | None` ('none' for None)."""
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        if raw.strip().lower() == "none":
            return None
        kind = next(a for a in args if a is not type(None))
        args = typing.get_args(kind)
    try:
        if typing.get_origin(kind) is tuple:
            return tuple(args[0](part) for part in raw.split(",") if part.strip())
        if kind is bool:
            word = raw.strip().lower()
            if word not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return word in ("1", "true", "yes")
        return kind(raw)
    except (TypeError, ValueError):
        name = getattr(kind, "__name__", str(kind))
        raise ValueError(f"--set {key}={raw}: expected a value of type {name}") from None
