"""The options every offline training phase takes (`run_agent.py train --phase ...`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PHASES = ("pretrain", "vision", "bc", "cola-idm", "cola-bc", "cola-rl")


@dataclass
class TrainOptions:
    phase: str
    out: Path                              # checkpoint folder written (atomically) at the end and at intervals
    init: Path | None = None               # checkpoint to start from (e.g. bc starts from pretrain's)
    backbone: str = "gemma-3-270m"
    sessions: list[Path] = field(default_factory=list)   # session folders or folders of them
    corpus: list[Path] = field(default_factory=list)     # extra text files for pretraining
    steps: int = 200
    batch_size: int = 8
    lr: float = 2e-4
    seed: int = 0
    device: str = "auto"                   # auto: cuda when present, else cpu
    eval_fraction: float = 0.2             # held-out share (by item for knowledge, by session/frame otherwise)
    log_every: int = 10
    extra: dict[str, str] = field(default_factory=dict)  # phase-specific --set KEY=VALUE


def resolve_device(name: str) -> str:
    import torch
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
