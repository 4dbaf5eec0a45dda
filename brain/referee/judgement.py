"""What every referee shares: the question about one executed skill, the four classes and their rewards, the
judgement with what it cost, and the counters a run logs.

LARM's referee (papers.md, design section 7) sees (task, state before, skill with its arguments and result,
state after) and puts the skill in one of four classes, rewarded r_a > r_b > 0 > r_c > r_d. A referee that
cannot answer (an endpoint down, a reply that is not a class) gives no judgement: zero referee reward,
counted, never an exception in the training loop.
"""
from __future__ import annotations

import math
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping


class Verdict(str, Enum):
    """The four classes, with the letter a language-model referee answers."""
    RIGHT_PROGRESS = "a"      # the right skill, and it moved the task on
    RIGHT_NO_PROGRESS = "b"   # the right skill, nothing gained (failed, or no effect)
    WRONG_HARMLESS = "c"      # not what the task needs now, nothing lost
    WRONG_HARMFUL = "d"       # the agent died, or lost health or something the task needs

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS = {
    Verdict.RIGHT_PROGRESS: "right skill, and the task progressed",
    Verdict.RIGHT_NO_PROGRESS: "right skill, but no progress",
    Verdict.WRONG_HARMLESS: "wrong skill, no harm done",
    Verdict.WRONG_HARMFUL: "wrong skill, and harmful (death, health, or a needed item or tool lost)",
}


SHORT = {Verdict.RIGHT_PROGRESS: "right, progress", Verdict.RIGHT_NO_PROGRESS: "right, no progress",
         Verdict.WRONG_HARMLESS: "wrong, harmless", Verdict.WRONG_HARMFUL: "wrong, harmful"}


@dataclass(frozen=True)
class RefereeRewards:
    """The reward of each class, added to the environment's (agent/rewards.py: milestones pay 1 to 20 each, a
    step costs 0.01). Defaults: a right-and-progress skill earns half the first log's reward, a wrong and
    harmful one costs a whole log's; over a 100-decision episode the referee's share stays below the
    milestones' (about 140 in all) however it judges."""
    a: float = 0.5
    b: float = 0.1
    c: float = -0.1
    d: float = -1.0

    def __post_init__(self) -> None:
        if not self.a > self.b > 0 > self.c > self.d:
            raise ValueError(f"referee rewards must satisfy r_a > r_b > 0 > r_c > r_d, got {self.a}, {self.b}, "
                             f"{self.c}, {self.d}")

    def of(self, verdict: Verdict | None) -> float:
        return 0.0 if verdict is None else float(getattr(self, verdict.value))


@dataclass(frozen=True)
class Question:
    """One executed skill to judge. States are the bridge's state dicts (bridge/PROTOCOL.md); `result` is the
    skill_result (ok, error, inventory_delta, ...); `events` what the bridge reported during the skill."""
    task: str
    before: Mapping[str, Any]
    token: str
    args: Mapping[str, Any]
    result: Mapping[str, Any]
    after: Mapping[str, Any]
    events: tuple[Mapping[str, Any], ...] = ()
    episode: str = ""   # the oracle follows an episode's failures as the expert would ("": a question alone)

    def moved(self) -> float:
        """Blocks between the positions before and after the skill (0 when either is unknown)."""
        a, b = self.before.get("position") or {}, self.after.get("position") or {}
        try:
            return math.dist((a["x"], a["y"], a["z"]), (b["x"], b["y"], b["z"]))
        except (KeyError, TypeError):
            return 0.0


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict | None          # None: no judgement (see `error`)
    reason: str = ""                 # the oracle's rule, or the model's reply
    latency_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0                # in the currency of the prices given (0 for local referees)
    cached: bool = False
    error: str | None = None         # why there is no judgement


@dataclass
class RefereeStats:
    """Counters of one referee over a run (thread-safe: judging runs beside the bot)."""
    calls: int = 0
    cached: int = 0
    no_judgement: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    classes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, j: Judgement) -> None:
        with self._lock:
            self.calls += 1
            self.cached += j.cached
            self.tokens_in += j.tokens_in
            self.tokens_out += j.tokens_out
            self.cost += j.cost
            self.latencies.append(j.latency_s)
            if j.verdict is None:
                self.no_judgement += 1
                self.errors[(j.error or "no judgement").split(":")[0]] += 1
            else:
                self.classes[j.verdict.value] += 1

    def summary(self) -> dict[str, Any]:
        with self._lock:
            lat = sorted(self.latencies)
            return {"calls": self.calls, "cached": self.cached, "no_judgement": self.no_judgement,
                    "tokens_in": self.tokens_in, "tokens_out": self.tokens_out, "cost": round(self.cost, 6),
                    "class_mix": {v.value: self.classes[v.value] for v in Verdict}, "errors": dict(self.errors),
                    "latency_p50_s": round(statistics.median(lat), 4) if lat else None,
                    "latency_p99_s": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 4) if lat else None}


class Referee:
    """A referee: `judge` answers one question (timed and counted); subclasses implement `_judge`."""
    name = "referee"
    ordered = False  # True: judges an episode's steps in order (it follows the episode), so one at a time

    def __init__(self) -> None:
        self.stats = RefereeStats()

    def judge(self, question: Question) -> Judgement:
        started = time.monotonic()
        try:
            j = self._judge(question)
        except Exception as err:  # noqa: BLE001 - a referee never ends the run: no judgement, counted
            j = Judgement(None, error=f"{type(err).__name__}: {err}")
        if not j.latency_s:
            j = Judgement(j.verdict, j.reason, time.monotonic() - started, j.tokens_in, j.tokens_out, j.cost,
                          j.cached, j.error)
        self.stats.add(j)
        return j

    def _judge(self, question: Question) -> Judgement:
        raise NotImplementedError

    def close(self) -> None:
        """Free what the referee holds (connections, models)."""


__all__ = ["DESCRIPTIONS", "SHORT", "Judgement", "Question", "Referee", "RefereeRewards", "RefereeStats", "Verdict"]
