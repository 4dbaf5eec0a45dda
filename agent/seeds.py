"""Which world seeds are for what: evaluation and training seeds are disjoint ranges.

- TRAINING_SEEDS, 1 to 999 999: every phase that plays to learn (DAgger, RL, recording teacher sessions)
  draws its worlds here. Seeds 1-10 are where the expert was developed; they are training seeds.
- EVALUATION_SEEDS, 1 000 000 to 1 999 999: `eval` starts here by default, and the training phases refuse
  them unless told `allow_evaluation_seeds` (then the run is marked so). A success rate is reported only on
  evaluation seeds that nobody developed or trained on; a failure fixed after being found on one is checked
  again on fresh ones. Within it, `train --phase dagger` measures every iteration on seeds from 1 500 000
  (brain/training/dagger.py): choosing among iterations by them is development, so a learned policy's
  held-out figure comes from other evaluation seeds.
- Seeds from 2 000 000 up belong to neither: a world with no seed given (`play` with no --seed) gets one of
  those at random, so that a session recorded from it can neither train on nor leak into evaluation seeds.
"""
from __future__ import annotations

import random

TRAINING_SEEDS = range(1, 1_000_000)
EVALUATION_SEEDS = range(1_000_000, 2_000_000)
DEFAULT_EVAL_SEED_START = EVALUATION_SEEDS.start
OTHER_SEEDS = range(2_000_000, 2**31 - 1)


def random_world_seed(rng: random.Random | None = None) -> int:
    """A seed for a world nobody chose a seed for: from OTHER_SEEDS, never an evaluation seed."""
    return (rng or random.SystemRandom()).randrange(OTHER_SEEDS.start, OTHER_SEEDS.stop)


def seed_range_name(seed: int) -> str:
    """'training', 'evaluation' or 'other'."""
    if seed in TRAINING_SEEDS:
        return "training"
    if seed in EVALUATION_SEEDS:
        return "evaluation"
    return "other"


def check_training_seeds(seeds: range | list[int], allow_evaluation_seeds: bool = False) -> None:
    """Refuse (ValueError) training on evaluation seeds, unless explicitly allowed."""
    held_out = [s for s in seeds if s in EVALUATION_SEEDS]
    if held_out and not allow_evaluation_seeds:
        raise ValueError(
            f"seed {held_out[0]} is an evaluation seed ({EVALUATION_SEEDS.start}-{EVALUATION_SEEDS.stop - 1}); "
            f"training draws from {TRAINING_SEEDS.start}-{TRAINING_SEEDS.stop - 1} "
            "(`train --allow-evaluation-seeds` overrides, and the checkpoint's training log says so)")
