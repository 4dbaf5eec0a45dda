"""Checkpoints of the trainable parts only (LoRA, heads, vision encoder, CoLA modules), written atomically.

A checkpoint is a folder:
- ``trainable.safetensors``: every trainable tensor, named ``<part>/<tensor name>`` (parts: ``lora``,
  ``heads``, ``vision``, ``cola``...);
- ``meta.json``: the backbone's name and fingerprint, the skill vocabulary's fingerprint, the configs needed
  to rebuild the modules, and the history of training phases.
The backbone itself is never stored: it is identified by name and hash, and loading onto another backbone
or vocabulary is an error. Writes go to a temporary folder that is renamed into place, so a crash leaves
either the old checkpoint or the new one, never a half-written one.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "trainable.safetensors"
META = "meta.json"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """The checkpoint is missing, corrupt, or was trained on another backbone or vocabulary."""


@dataclass
class CheckpointMeta:
    backbone: str                     # the spec it was trained on (gemma-3-270m, tiny-random, a path)
    backbone_fingerprint: str
    vocabulary_fingerprint: str
    configs: dict[str, Any] = field(default_factory=dict)   # e.g. {"larm": {...}, "vision": {...}, "cola": {...}}
    history: list[dict[str, Any]] = field(default_factory=list)  # one entry per training phase run
    format_version: int = FORMAT_VERSION


def _recover(target: Path) -> None:
    """Finish what a crash interrupted: saving renames the old folder aside, then the new one into place; a
    crash between the two leaves only the old one aside, which is put back."""
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        olds.pop().rename(target)
    for stale in olds:
        shutil.rmtree(stale, ignore_errors=True)


def save_checkpoint(folder: str | os.PathLike[str], parts: dict[str, dict[str, torch.Tensor]],
                    meta: CheckpointMeta) -> Path:
    """Write parts ({part: state_dict}) and meta to folder, replacing it atomically."""
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    flat = {f"{part}/{name}": t.detach().to("cpu").contiguous() for part, state in parts.items()
            for name, t in state.items()}
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        save_file(flat, str(tmp / WEIGHTS))
        (tmp / META).write_text(json.dumps(asdict(meta), indent=1, sort_keys=True))
        for f in tmp.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def save_phase(folder: str | os.PathLike[str], parts: dict[str, dict[str, torch.Tensor]], meta: CheckpointMeta,
               part: str, state: dict[str, torch.Tensor], config: dict[str, Any], entry: dict[str, Any]) -> Path:
    """What a training phase writes: the starting checkpoint's parts and meta with one part (and its config)
    replaced and the phase's entry appended to the history; the other parts are copied through unchanged."""
    new_meta = copy.deepcopy(meta)
    new_meta.configs[part] = config
    new_meta.history.append(entry)
    return save_checkpoint(folder, {**parts, part: state}, new_meta)


def read_meta(folder: str | os.PathLike[str]) -> CheckpointMeta:
    if Path(folder).parent.is_dir():
        _recover(Path(folder))
    path = Path(folder) / META
    if not path.exists():
        raise CheckpointError(f"{folder}: not a checkpoint ({META} is missing)")
    try:
        raw = json.loads(path.read_text())
        return CheckpointMeta(**raw)
    except (json.JSONDecodeError, TypeError) as exc:
        raise CheckpointError(f"{path} is corrupt: {exc}") from exc


def load_checkpoint(folder: str | os.PathLike[str], backbone_fingerprint: str | None = None,
                    vocabulary_fingerprint: str | None = None) -> tuple[dict[str, dict[str, torch.Tensor]], CheckpointMeta]:
    """Read a checkpoint; with fingerprints given, refuse one trained on another backbone or vocabulary."""
    meta = read_meta(folder)
    if backbone_fingerprint is not None and meta.backbone_fingerprint != backbone_fingerprint:
        raise CheckpointError(f"{folder} was trained on backbone {meta.backbone!r} "
                              f"(fingerprint {meta.backbone_fingerprint[:12]}), not on the one loaded "
                              f"({backbone_fingerprint[:12]})")
    if vocabulary_fingerprint is not None and meta.vocabulary_fingerprint != vocabulary_fingerprint:
        raise CheckpointError(f"{folder} was trained on another skill vocabulary "
                              f"({meta.vocabulary_fingerprint[:12]} vs {vocabulary_fingerprint[:12]})")
    weights = Path(folder) / WEIGHTS
    if not weights.exists():
        raise CheckpointError(f"{folder}: {WEIGHTS} is missing")
    try:
        flat = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own error types for truncated files
        raise CheckpointError(f"{weights} is corrupt: {exc}") from exc
    parts: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in flat.items():
        part, _, name = key.partition("/")
        parts.setdefault(part, {})[name] = tensor
    return parts, meta
