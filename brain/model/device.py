"""Where the model runs."""
from __future__ import annotations


def resolve_device(name: str) -> str:
    """'auto' is CUDA when present, else the CPU; any other name is taken as it is."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
