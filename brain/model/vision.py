"""The vision encoder: a small CNN, trained here, that turns a frame into a few embedding tokens for LARM.

No pretrained image encoder can be shipped offline (design.md section 6), so the encoder is trained from
scratch on the renderer's free supervision: per-pixel block labels (brain/data/vision_frames.py, brain/training/vision.py).

Shape of the network (input resized to ``image_size``², default 112):
    stem   3 -> c1, stride 2          (56²)
    stage1 c1 -> c2, stride 2 + conv  (28²)   <- skip feature for the label head
    stage2 c2 -> c3, stride 2 + conv  (14²)
    stage3 c3 -> c3, stride 2         (7²)    <- deep feature map
Tokens: ``num_tokens`` learned queries attend over the 7×7 deep feature map (with a learned position
embedding), then a linear layer and LayerNorm give B×num_tokens×out_dim; LARM projects those into the
backbone's embedding space. The label head (training only) predicts per-cell class logits on a
``label_grid``² grid (28² by default: one cell per 4×4 input pixels at 112²) from the skip feature plus the
upsampled deep feature. A histogram head predicts the frame's class proportions from the tokens alone, so
the token path itself is trained by the labels too, not only the convolutional trunk.
GroupNorm, not BatchNorm: LARM trains with small batches and the encoder must behave the same in train and
eval mode.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The label head's classes; brain/data/vision_frames.py maps the renderer's raw labels onto them. Index 0 is
# sky (raw label 0); the order is part of a checkpoint's meaning (the label head's rows), so only ever append.
CLASS_NAMES: tuple[str, ...] = (
    "sky", "other_block", "entity",
    "stone", "deepslate", "dirt", "grass_block", "sand", "gravel", "water",
    "log", "leaves", "plant", "coal_ore", "iron_ore", "other_ore",
)
NUM_CLASSES = len(CLASS_NAMES)
CLASS_INDEX = {name: i for i, name in enumerate(CLASS_NAMES)}


@dataclass
class VisionConfig:
    image_size: int = 112          # input side after resize
    num_tokens: int = 4            # embedding tokens handed to LARM
    out_dim: int = 256             # width of each token
    num_classes: int = NUM_CLASSES  # label-head classes (CLASS_NAMES)
    channels: tuple[int, int, int] = (32, 64, 128)
    label_grid: int = 28           # label-head output side (cells)

    def __post_init__(self) -> None:
        self.channels = tuple(int(c) for c in self.channels)  # type: ignore[assignment]  # JSON gives lists
        if self.image_size % 16 != 0 or self.image_size < 32:
            raise ValueError(f"image_size must be a multiple of 16 and >= 32, got {self.image_size}")
        if self.num_tokens < 1 or self.out_dim < 1 or self.num_classes < 2:
            raise ValueError(f"bad VisionConfig: {self}")
        if len(self.channels) != 3:
            raise ValueError(f"channels must have 3 entries, got {self.channels}")


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    groups = 8 if cout % 8 == 0 else 1
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.GroupNorm(groups, cout), nn.GELU())


@dataclass
class VisionOutput:
    tokens: torch.Tensor          # B×num_tokens×out_dim
    label_logits: torch.Tensor    # B×num_classes×label_grid×label_grid
    histogram_logits: torch.Tensor  # B×num_classes (log-proportions of each class in the frame)


class VisionEncoder(nn.Module):
    # Fixed normalisation (frames are game renders, not natural photos: a simple centring is enough).
    MEAN = 0.5
    STD = 0.25

    def __init__(self, config: VisionConfig | None = None) -> None:
        super().__init__()
        self.config = config or VisionConfig()
        c1, c2, c3 = self.config.channels
        self.stem = _conv(3, c1, 2)
        self.stage1 = nn.Sequential(_conv(c1, c2, 2), _conv(c2, c2, 1))
        self.stage2 = nn.Sequential(_conv(c2, c3, 2), _conv(c3, c3, 1))
        self.stage3 = _conv(c3, c3, 2)
        side = self.config.image_size // 16
        self.position = nn.Parameter(torch.randn(side * side, c3) * 0.02)
        self.queries = nn.Parameter(torch.randn(self.config.num_tokens, c3) * 0.02)
        self.attention = nn.MultiheadAttention(c3, num_heads=4 if c3 % 4 == 0 else 1, batch_first=True)
        self.project = nn.Linear(c3, self.config.out_dim)
        self.norm = nn.LayerNorm(self.config.out_dim)
        # Training-only heads (kept in the state dict so a checkpoint can be trained further).
        self.label_head = nn.Sequential(_conv(c2 + c3, c2, 1), nn.Conv2d(c2, self.config.num_classes, 1))
        self.histogram_head = nn.Linear(self.config.num_tokens * self.config.out_dim, self.config.num_classes)

    # ---- input -------------------------------------------------------------------------------------------
    def prepare(self, frames: torch.Tensor | np.ndarray) -> torch.Tensor:
        """uint8 B×H×W×3 frames -> normalised float B×3×S×S on the encoder's device."""
        if isinstance(frames, np.ndarray):
            frames = torch.from_numpy(np.ascontiguousarray(frames))
        if not isinstance(frames, torch.Tensor):
            raise TypeError(f"frames must be a torch.Tensor or numpy array, got {type(frames).__name__}")
        if frames.dtype != torch.uint8:
            raise ValueError(f"frames must be uint8 RGB (as recorded), got dtype {frames.dtype}")
        if frames.dim() != 4 or frames.shape[-1] != 3:
            raise ValueError(f"frames must be B×H×W×3, got shape {tuple(frames.shape)}")
        if frames.shape[0] == 0:
            raise ValueError("frames is an empty batch")
        device = self.position.device
        x = frames.to(device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255.0)
        size = self.config.image_size
        if x.shape[-2:] != (size, size):
            # "area" averages whole pixels when shrinking (224 -> 112 is an exact 2×2 mean): no aliasing.
            x = F.interpolate(x, size=(size, size), mode="area")
        return (x - self.MEAN) / self.STD

    # ---- network ----------------------------------------------------------------------------------------
    def _trunk(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        skip = self.stage1(self.stem(x))
        deep = self.stage3(self.stage2(skip))
        return skip, deep

    def _tokens(self, deep: torch.Tensor) -> torch.Tensor:
        b = deep.shape[0]
        keys = deep.flatten(2).transpose(1, 2) + self.position           # B×(side²)×c3
        queries = self.queries.unsqueeze(0).expand(b, -1, -1)
        pooled, _ = self.attention(queries, keys, keys, need_weights=False)
        return self.norm(self.project(pooled + queries))

    def forward(self, frames: torch.Tensor | np.ndarray) -> torch.Tensor:
        """uint8 B×H×W×3 frames -> B×num_tokens×out_dim tokens."""
        _, deep = self._trunk(self.prepare(frames))
        return self._tokens(deep)

    def forward_all(self, frames: torch.Tensor | np.ndarray) -> VisionOutput:
        """Tokens plus the training heads' outputs, in one pass (used by brain/training/vision.py)."""
        skip, deep = self._trunk(self.prepare(frames))
        tokens = self._tokens(deep)
        grid = self.config.label_grid
        if skip.shape[-1] != grid:
            skip = F.interpolate(skip, size=(grid, grid), mode="bilinear", align_corners=False)
        up = F.interpolate(deep, size=(grid, grid), mode="bilinear", align_corners=False)
        label_logits = self.label_head(torch.cat([skip, up], dim=1))
        histogram_logits = self.histogram_head(tokens.flatten(1))
        return VisionOutput(tokens, label_logits, histogram_logits)

    def label_logits(self, frames: torch.Tensor | np.ndarray) -> torch.Tensor:
        """B×num_classes×label_grid×label_grid class logits."""
        return self.forward_all(frames).label_logits


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
