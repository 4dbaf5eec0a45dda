"""Checkpoints of the trainable parts only (LoRA, heads, vision encoder, CoLA modules), written atomically.

A checkpoint is a folder:
- ``trainable.safetensors``: every trainable tensor, named ``<part>/<tensor name>`` (parts: ``lora``,
  ``heads``, ``vision``, ``cola``...);
- ``meta.json``: the backbone's name and fingerprint, the skill vocabulary's fingerprint, the configs needed
  to rebuild the modules, and the history of training phases.
The backbone itself is never stored: it is identified by name and hash, and loading onto another backbone
or vocabulary is an error. Writes go to a temporary folder that is renamed into place, so a crash leaves
either the old checkpoint or the new one, never a half-written one. A lock file beside the folder
(``.<name>.lock``) makes a save exclusive and a load shared, so that an ``eval --checkpoint D`` reading while
training writes D never sees the swap half done; a temporary folder left by a killed save is removed by the
next save.
"""
from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

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


@contextlib.contextmanager
def _locked(target: Path, exclusive: bool) -> Iterator[None]:
    """Hold the checkpoint's lock: exclusive to save (the lock file is made then), shared to read. A folder
    that was never saved to by this code has no lock file (a shipped checkpoint): nobody writes it, and
    reading it takes no lock and leaves no file behind."""
    path = target.parent / f".{target.name}.lock"
    try:
        handle = open(path, "a+" if exclusive else "r")
    except FileNotFoundError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _recover(target: Path) -> None:
    """Finish what a crash interrupted (called with the lock held exclusively): saving renames the old folder
    aside, then the new one into place; a crash between the two leaves only the old one aside, which is put
    back. A save's temporary folder seen here was left by a killed save: it is removed."""
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        olds.pop().rename(target)
    for stale in [*olds, *target.parent.glob(f".{target.name}.tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def save_checkpoint(folder: str | os.PathLike[str], parts: dict[str, dict[str, torch.Tensor]],
                    meta: CheckpointMeta) -> Path:
    """Write parts ({part: state_dict}) and meta to folder, replacing it atomically."""
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    flat = {f"{part}/{name}": t.detach().to("cpu").contiguous() for part, state in parts.items()
            for name, t in state.items()}
    with _locked(target, exclusive=True):
        _recover(target)
        _write_and_swap(target, flat, meta)
    return target


def _write_and_swap(target: Path, flat: dict[str, torch.Tensor], meta: CheckpointMeta) -> None:
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


def save_phase(folder: str | os.PathLike[str], parts: dict[str, dict[str, torch.Tensor]], meta: CheckpointMeta,
               part: str, state: dict[str, torch.Tensor], config: dict[str, Any], entry: dict[str, Any]) -> Path:
    """What a training phase writes: the starting checkpoint's parts and meta with one part (and its config)
    replaced and the phase's entry appended to the history; the other parts are copied through unchanged."""
    new_meta = copy.deepcopy(meta)
    new_meta.configs[part] = config
    new_meta.history.append(entry)
    return save_checkpoint(folder, {**parts, part: state}, new_meta)


def _recovered(folder: str | os.PathLike[str]) -> Path:
    """The checkpoint's path, after putting back the old checkpoint of a save killed mid-swap."""
    target = Path(folder)
    if not target.exists() and target.parent.is_dir() and any(target.parent.glob(f".{target.name}.old-*")):
        with _locked(target, exclusive=True):
            _recover(target)
    return target


def read_meta(folder: str | os.PathLike[str]) -> CheckpointMeta:
    target = _recovered(folder)
    with _locked(target, exclusive=False):
        return _read_meta(target)


def _read_meta(folder: Path) -> CheckpointMeta:
    path = folder / META
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
    target = _recovered(folder)
    with _locked(target, exclusive=False):  # meta and weights from the same save
        return _load_weights(target, _read_meta(target), backbone_fingerprint, vocabulary_fingerprint)


def _load_weights(folder: Path, meta: CheckpointMeta, backbone_fingerprint: str | None,
                  vocabulary_fingerprint: str | None) -> tuple[dict[str, dict[str, torch.Tensor]], CheckpointMeta]:
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
