"""LoRA on the frozen backbone (peft). Only the adapters train; the backbone's own weights never change."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Attention and MLP projections: the names every Llama/Gemma-style transformers model uses.
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class LoraSettings:
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    targets: tuple[str, ...] = field(default_factory=lambda: DEFAULT_TARGETS)


def add_lora(model: Any, settings: LoraSettings | None = None, adapter: str = "default") -> Any:
    """Freeze `model` and wrap it with a LoRA adapter; returns the peft model (trainable: the adapter only)."""
    from peft import LoraConfig, get_peft_model

    s = settings or LoraSettings()
    for p in model.parameters():
        p.requires_grad_(False)
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in s.targets if t in present]
    if not targets:
        raise ValueError(f"none of the LoRA target modules {s.targets} exist in {type(model).__name__}")
    config = LoraConfig(r=s.rank, lora_alpha=s.alpha, lora_dropout=s.dropout, target_modules=targets,
                        bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, config, adapter_name=adapter)


def lora_state(peft_model: Any) -> dict[str, Any]:
    """The adapter's tensors only (what a checkpoint stores)."""
    from peft import get_peft_model_state_dict
    return get_peft_model_state_dict(peft_model)


def load_lora_state(peft_model: Any, state: dict[str, Any]) -> None:
    from peft import set_peft_model_state_dict
    result = set_peft_model_state_dict(peft_model, state)
    unexpected = getattr(result, "unexpected_keys", None) or []
    if unexpected:
        raise ValueError(f"LoRA state does not fit this backbone: unexpected keys {unexpected[:3]}...")
