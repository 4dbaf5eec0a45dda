"""`--referee-noise P`: a fraction P of judgements replaced by a wrong class, uniformly among the other three
(LARM found results drop once more than 10% of judgements are wrong). Seeded, so an ablation arm is
repeatable; the flips are counted."""
from __future__ import annotations

import random
import threading

from brain.referee.judgement import Judgement, Question, Referee, Verdict


class NoisyReferee(Referee):
    def __init__(self, inner: Referee, p: float, seed: int = 0) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"--referee-noise must be between 0 and 1, got {p}")
        super().__init__()
        self.inner, self.p, self.flipped = inner, p, 0
        self.name = f"{inner.name}+noise{p:g}"
        self.ordered = inner.ordered
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def _judge(self, q: Question) -> Judgement:
        j = self.inner.judge(q)
        with self._lock:
            flip = j.verdict is not None and self._rng.random() < self.p
            wrong = self._rng.choice([v for v in Verdict if v != j.verdict]) if flip else None
            self.flipped += flip
        if wrong is None:
            return j
        return Judgement(wrong, f"flipped from {j.verdict.value}: {j.reason}", j.latency_s, j.tokens_in,
                         j.tokens_out, j.cost, j.cached, None)

    def close(self) -> None:
        self.inner.close()


__all__ = ["NoisyReferee"]
