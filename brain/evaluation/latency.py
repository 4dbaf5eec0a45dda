"""`run_agent.py bench latency`: LARM's decision latency (p50, p99) and peak memory, on CPU and on CUDA.

One decision = what the live policy does per step: build the prompt, run the vision encoder, one backbone
forward (LoRA merged; fp32 on a CPU and bf16 on CUDA unless --dtype says otherwise), the skill head, the mask, the argmax. Inputs are real recorded observations
(frames included) from the sessions given, or a built-in sample observation when there are none.
Peak memory: the process's peak RSS on CPU (resource.getrusage, which includes loading the model), and
torch.cuda.max_memory_allocated on CUDA.
"""
from __future__ import annotations

import resource
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from brain.model.device import compute_dtype
from brain.model.inputs import DecisionInput

# A mid-game decision (stone tier, iron ore in sight), for when no recorded session is given.
SAMPLE_STATE = {
    "alive": True, "health": 20, "food": 18, "xp": {"level": 2}, "position": {"x": -12.5, "y": 41, "z": 7.5},
    "biome": "forest", "dimension": "overworld", "time_of_day": 5120, "in_water": False,
    "equipment": {"hand": "stone_pickaxe"},
    "inventory": {"birch_log": 2, "cobblestone": 14, "crafting_table": 1, "dirt": 9, "raw_iron": 3, "stick": 6,
                  "stone_pickaxe": 1, "wooden_pickaxe": 1},
    "nearby_blocks": {"radius": 16,
                      "counts": {"iron_ore": 3, "coal_ore": 12, "lava": 4, "stone": 4100, "dirt": 320, "andesite": 200},
                      "nearest": {"iron_ore": {"distance": 4.2}, "coal_ore": {"distance": 6.1}, "lava": {"distance": 14},
                                  "stone": {"distance": 1}, "dirt": {"distance": 2}, "andesite": {"distance": 3}}},
    "nearby_entities": [], "dropped_items": [],
}
SAMPLE_RECENT = (
    {"token": "mine:stone", "ok": True, "inventory_delta": {"cobblestone": 3}},
    {"token": "craft:stone_pickaxe", "ok": True, "inventory_delta": {"stone_pickaxe": 1, "cobblestone": -3}},
    {"token": "dig_down:32", "ok": True, "inventory_delta": {}},
)


@dataclass
class LatencyReport:
    device: str
    backbone: str
    checkpoint: str | None
    dtype: str
    decisions: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    prompt_tokens_mean: float
    peak_memory_mb: float
    memory_kind: str            # "rss" (CPU: whole process) or "cuda_allocated"
    load_s: float
    inputs: str                 # where the observations came from
    reference_gflops: float     # a plain fp32 matmul's speed on this device just before timing: shows how loaded
                                # the machine was (this 2-core CPU gives ~100 unloaded, ~10 with others running)


def sample_inputs(sessions: Sequence[Path], count: int, strict: bool = True) -> tuple[list[DecisionInput], str]:
    """`count` recorded decision inputs (cycled), or the built-in sample when there are no sessions.

    strict=False (sessions found by default, not named by the user): unusable sessions fall back to the sample.
    """
    from agent.recording import SessionError
    from brain.data.decisions import DatasetError, load_decisions
    from skills.vocabulary import vocabulary

    if sessions:
        try:
            decisions = load_decisions(list(sessions))
        except (SessionError, DatasetError):
            if strict:
                raise
            decisions = []
        if decisions:
            inputs = [d.input for d in decisions]
            return [inputs[i % len(inputs)] for i in range(count)], f"{len(inputs)} recorded decisions"
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (224, 224, 3), dtype=np.uint8)
    mask = np.ones(len(vocabulary()), dtype=bool)
    from agent.tasks import TASKS

    inp = DecisionInput(TASKS["enchanted_diamond_sword"].description, SAMPLE_STATE, frame, mask, SAMPLE_RECENT)
    return [inp] * count, "built-in sample observation"


def reference_gflops(device: str, size: int = 640, rows: int = 160, repeats: int = 20) -> float:
    """GFLOP/s of an fp32 matmul shaped like one backbone projection (rows tokens × size × 4·size)."""
    a = torch.randn(rows, size, device=device)
    b = torch.randn(size, 4 * size, device=device)
    a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return round(2 * rows * size * 4 * size * repeats / (time.perf_counter() - t) / 1e9, 1)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def measure(device: str, backbone: str, checkpoint: str | None, inputs: list[DecisionInput], source: str,
            warmup: int = 3, progress: Callable[[str], None] = lambda m: None, dtype_name: str = "auto") -> LatencyReport:
    from brain.model.larm import LarmConfig, LarmModel

    dtype = compute_dtype(device, dtype_name)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    if checkpoint:
        model, _, _ = LarmModel.from_checkpoint(checkpoint, device=device, dtype=dtype)
    else:
        model = LarmModel.create(LarmConfig(backbone=backbone), device=device, dtype=dtype)
    model.prepare_inference()
    load_s = time.perf_counter() - t0
    progress(f"{device}: LARM on {model.backbone.name} loaded in {load_s:.1f} s; timing {len(inputs)} decisions")
    gflops = reference_gflops(device)
    times = []
    with torch.inference_mode():
        for k, inp in enumerate(list(inputs[:warmup]) + list(inputs)):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            logits = model.skill_logits(model.encode([inp]), inp.mask[None])
            int(logits.argmax(-1)[0])  # the decision (synchronises with the device)
            if k >= warmup:
                times.append((time.perf_counter() - t) * 1000.0)
    tokens = [p.length(model.prompts.vision_tokens) for p in model.prompt_ids(inputs[:50])]
    p99 = float(np.percentile(times, 99))
    if device == "cuda":
        memory, kind = torch.cuda.max_memory_allocated() / 2**20, "cuda_allocated"
    else:
        memory, kind = _peak_rss_mb(), "rss"
    return LatencyReport(device=device, backbone=model.backbone.name, checkpoint=checkpoint, dtype=str(dtype).split(".")[-1],
                         decisions=len(times), p50_ms=round(statistics.median(times), 2), p99_ms=round(p99, 2),
                         mean_ms=round(statistics.fmean(times), 2), prompt_tokens_mean=round(statistics.fmean(tokens), 1),
                         peak_memory_mb=round(memory, 1), memory_kind=kind, load_s=round(load_s, 2), inputs=source,
                         reference_gflops=gflops)


def run(backbone: str, checkpoint: str | None, device: str, decisions: int, sessions: Sequence[Path],
        progress: Callable[[str], None] = lambda m: None, strict_sessions: bool = True,
        dtypes: Sequence[str] = ("auto",)) -> list[dict]:
    """Reports for the devices asked for (auto = the CPU, and CUDA too when present), each in every dtype asked
    for (auto = the live policy's: compute_dtype), one after the other in one process."""
    if decisions < 1:
        raise ValueError("--decisions must be at least 1")
    for name in dtypes:
        compute_dtype("cpu", name)  # a bad name fails here, before any model loads
    if device == "auto":
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    elif device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available")
    elif device in ("cpu", "cuda"):
        devices = [device]
    else:
        raise ValueError(f"--device must be cpu, cuda or auto, got {device!r}")
    inputs, source = sample_inputs(sessions, decisions, strict_sessions)
    return [asdict(measure(d, backbone, checkpoint, inputs, source, progress=progress, dtype_name=t))
            for d in devices for t in dtypes]
