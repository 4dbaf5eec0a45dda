"""Where the model runs, and in which precision."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DTYPES = ("auto", "bf16", "fp32")


def resolve_device(name: str) -> str:
    """'auto' is CUDA when present, else the CPU; any other name is taken as it is."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def compute_dtype(device: str, name: str = "auto") -> "torch.dtype":
    """The backbone's precision: 'auto' is bf16 on CUDA and fp32 on a CPU (a CPU without bf16 matrix units
    emulates bf16: on this 2-core machine the frozen backbone's states took 4 times longer in bf16)."""
    import torch

    if name not in DTYPES:
        raise ValueError(f"the dtype must be one of {', '.join(DTYPES)}, got {name!r}")
    if name == "auto":
        name = "bf16" if device.startswith("cuda") else "fp32"
    return torch.bfloat16 if name == "bf16" else torch.float32
