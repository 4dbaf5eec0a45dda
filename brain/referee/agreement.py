"""`run_agent.py referee --eval SESSIONS`: a referee's agreement with the oracle on recorded steps.

Every step of a recorded session is a question (the state before is the previous event's state, the state
after the step's own); the oracle and the referee under test each judge it, and the report is the share
where they agree, Cohen's kappa, the confusion matrix (rows: oracle, columns: referee, last column: no
judgement) and the referee's counters.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from agent.recording import load_sessions
from agent.tasks import TASKS
from brain.referee.judgement import SHORT, Question, Referee, Verdict
from brain.referee.oracle import OracleReferee

CLASSES = [v.value for v in Verdict]


def questions(paths: Sequence[str | Path]) -> Iterator[Question]:
    """The executed skills of every session under `paths`, in order (steps without a state are skipped)."""
    for root in paths:
        for session in load_sessions(root):
            task = session.metadata.get("task")
            if task not in TASKS:
                continue
            before: dict[str, Any] | None = None
            for event in session.events:
                state = event.get("state")
                if event.get("type") == "step" and isinstance(before, dict) and isinstance(state, dict):
                    yield Question(task, before, str(event.get("token")), event.get("args") or {},
                                   event.get("result") or {}, state, tuple(event.get("events") or ()),
                                   episode=str(session.path))
                if event.get("type") in ("reset", "step") and isinstance(state, dict):
                    before = state


def confusion(referee: Referee, items: Sequence[Question], oracle: Referee | None = None,
              progress: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """The agreement report of `referee` against the oracle on `items`."""
    oracle = oracle or OracleReferee()
    matrix = {o: Counter() for o in CLASSES}
    for i, q in enumerate(items, 1):
        truth, answer = oracle.judge(q).verdict, referee.judge(q).verdict
        if truth is None:
            continue
        matrix[truth.value][answer.value if answer else "none"] += 1
        if i % 500 == 0:
            progress(f"{i}/{len(items)} steps judged")
    n = sum(sum(row.values()) for row in matrix.values())
    agree = sum(matrix[c][c] for c in CLASSES)
    # Cohen's kappa: agreement beyond what the two class mixes give by chance
    chance = sum(sum(matrix[c].values()) * sum(matrix[o][c] for o in CLASSES) for c in CLASSES) / max(1, n * n)
    observed = agree / max(1, n)
    return {"referee": referee.name, "steps": n, "agreement": round(observed, 4),
            "kappa": round((observed - chance) / (1 - chance), 4) if chance < 1 else None,
            "confusion": {o: {c: matrix[o][c] for c in CLASSES + ["none"]} for o in CLASSES},
            "oracle_mix": {c: sum(matrix[c].values()) for c in CLASSES}, "stats": referee.stats.summary()}


def table(report: dict[str, Any]) -> str:
    """The report as text: the matrix with the classes' meanings."""
    lines = [f"{report['referee']} against the oracle on {report['steps']} recorded steps: agreement "
             f"{report['agreement']:.3f}, kappa {report['kappa'] if report['kappa'] is None else format(report['kappa'], '.3f')}",
             "oracle / referee".ljust(22) + "  ".join(f"{c:>5}" for c in CLASSES + ["none"])]
    for o in CLASSES:
        lines.append(f"{o} {SHORT[Verdict(o)]:<20}" + "  ".join(f"{report['confusion'][o][c]:>5}"
                                                                    for c in CLASSES + ["none"]))
    s = report["stats"]
    lines.append(f"calls {s['calls']} (cached {s['cached']}, no judgement {s['no_judgement']}), tokens "
                 f"{s['tokens_in']} in / {s['tokens_out']} out, cost {s['cost']}, latency p50 {s['latency_p50_s']} s")
    return "\n".join(lines)


__all__ = ["confusion", "questions", "table"]
