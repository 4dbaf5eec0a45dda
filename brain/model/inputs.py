"""What one decision of the model reads: the model's input, apart from where it comes from (live play or a
recorded session), as transformers keeps input processing apart from the model."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np


@dataclass
class DecisionInput:
    task: str                      # the task in words ("craft a diamond sword and enchant it ...")
    state: Mapping[str, Any]       # the protocol state the decision is made on (bridge/messages.py)
    frame: np.ndarray | None       # H×W×3 uint8 RGB, or None when there is no frame
    mask: np.ndarray               # bool[V] over skills.vocabulary.vocabulary(): preconditions hold
    recent: Sequence[Mapping[str, Any]] = field(default_factory=tuple)  # the last skill results, oldest first
