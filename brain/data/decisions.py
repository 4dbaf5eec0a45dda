"""Decisions from recorded sessions: what LARM saw, what the recorded policy chose, and what followed.

A session's events log (agent/recording.py) holds a reset event and one step event per decision. A step
event carries the observation text the decision was made on, the token chosen, the skill's result and
reward, and the state and frame *after* the step. So decision k is read as:

    input       task, the state and frame of event k-1 (reset or step k-1), and the results of steps
                before k (the last RECENT, as the env keeps them)
    mask        skills.vocabulary.action_mask recomputed from event k-1's state (never stored: the
                vocabulary's preconditions may have changed since the recording)
    skill       the index of step k's token in vocabulary()
    argument    step k's args as an argument class (skills.vocabulary.argument_class), None when the verb
                takes none
    label       the expert's (skill, argument) for the state, when the session recorded one (DAgger: the
                learner acted, the expert labelled); otherwise the recorded skill and argument
    next_input  what the policy saw after the step: step k's state, frame and mask, and the results up to k
    reward, done    step k's reward; done at the end of the episode (terminated, truncated or last event)
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from agent.observation_text import MAX_RECENT
from agent.recording import Session, SessionError, load_sessions
from agent.seeds import check_training_seeds
from agent.tasks import task_description
from brain.model.inputs import DecisionInput


class DatasetError(ValueError):
    """No decisions could be read (no sessions, empty sessions, unknown tokens only...)."""


@dataclass
class Decision:
    input: DecisionInput
    skill: int                     # index in vocabulary() of the token to imitate (the label, else the one played)
    next_input: DecisionInput | None
    reward: float
    done: bool
    session: str                   # the session folder's name (the unit of the held-out split)
    step: int
    argument: int | None = None    # the argument class to imitate (skills.vocabulary.argument_class)
    played: int | None = None      # index of the token actually played, when it was not the label (DAgger)


@dataclass
class LoadReport:
    sessions: int = 0
    decisions: int = 0
    unknown_tokens: int = 0        # recorded tokens outside the current vocabulary (skipped)
    masked_out: int = 0            # recorded tokens whose preconditions do not hold in the recorded state
    labelled: int = 0              # decisions whose target is the expert's label rather than the token played


def _resize(frame: np.ndarray, size: int | None) -> np.ndarray:
    if size is None or frame.shape[:2] == (size, size):
        return frame
    import cv2

    return np.ascontiguousarray(cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA))


def _frames(session: Session, size: int | None) -> dict[int, np.ndarray]:
    """Every readable frame of the session, resized to size×size (keeps memory small: frames are per step)."""
    return {i: _resize(rgb, size) for i, rgb in session.frames()}


def _frame_of(event: Mapping[str, Any], frames: Mapping[int, np.ndarray]) -> np.ndarray | None:
    ref = event.get("frame")
    if isinstance(ref, Mapping) and isinstance(ref.get("index"), int):
        return frames.get(ref["index"])
    return None


def _target(event: Mapping[str, Any]) -> tuple[Any, Any, bool]:
    """(token, args, labelled): the expert's label when the step has one, else what was played."""
    label = event.get("label")
    if isinstance(label, Mapping) and label.get("token"):
        return label["token"], label.get("args"), True
    return event.get("token"), event.get("args"), False


def session_decisions(session: Session, frame_size: int | None = 112, with_frames: bool = True,
                      report: LoadReport | None = None) -> list[Decision]:
    """The decisions of one session (see the module docstring for how each field is read)."""
    from skills.vocabulary import action_mask, argument_class, token_index, vocabulary

    vocab = vocabulary()
    index = token_index()
    report = report if report is not None else LoadReport()
    task_name = str(session.metadata.get("task") or "")
    if not task_name:
        raise DatasetError(f"{session.path}: metadata.json names no task")
    task = task_description(task_name)
    frames = _frames(session, frame_size) if with_frames else {}
    events = [e for e in session.events if e.get("type") in ("reset", "step")]
    out: list[Decision] = []
    previous: Mapping[str, Any] | None = None
    recent: list[Mapping[str, Any]] = []
    for n, event in enumerate(events):
        if event["type"] == "reset":
            previous, recent = event, []
            continue
        if previous is None:
            raise DatasetError(f"{session.path}: a step event comes before the reset event")
        if not isinstance(event.get("state"), Mapping) or not isinstance(previous.get("state"), Mapping):
            raise DatasetError(f"{session.path}: step {event.get('step')} or the event before it has no state")
        before = DecisionInput(task, previous["state"], _frame_of(previous, frames),
                               action_mask(vocab, previous["state"]), tuple(recent))
        recent = (recent + [event.get("result") or {}])[-MAX_RECENT:]
        done = bool(event.get("terminated") or event.get("truncated")
                    or not (n + 1 < len(events) and events[n + 1]["type"] == "step"))
        after = DecisionInput(task, event["state"], _frame_of(event, frames), action_mask(vocab, event["state"]),
                              tuple(recent))
        previous = event
        token, args, labelled = _target(event)
        if token not in index:
            report.unknown_tokens += 1
            continue
        skill = index[token]
        if not before.mask[skill]:
            report.masked_out += 1
        report.labelled += labelled
        played = index.get(str(event.get("token"))) if labelled else None
        out.append(Decision(before, skill, after, float(event.get("reward") or 0.0), done, session.path.name,
                            int(event.get("step", n)), argument_class(token, args),
                            played if played != skill else None))
    report.sessions += 1
    report.decisions += len(out)
    return out


def load_decisions(paths: Sequence[str | Path], frame_size: int | None = 112, with_frames: bool = True,
                   report: LoadReport | None = None, allow_evaluation_seeds: bool = False) -> list[Decision]:
    """Every decision of the sessions under `paths` (session folders, or folders of them).

    Frames are resized to frame_size² (None keeps the recorded size). Raises DatasetError (a ValueError)
    when no path is given or nothing usable is found, or a session was played on an evaluation seed (unless
    allow_evaluation_seeds: agent/seeds.py); SessionError for a missing or corrupt session.
    """
    if not paths:
        raise DatasetError("no sessions given: pass session folders (or folders of them), e.g. --sessions sessions/")
    report = report if report is not None else LoadReport()
    out: list[Decision] = []
    for path in paths:
        for session in load_sessions(path):
            _check_seed(session, allow_evaluation_seeds)
            out.extend(session_decisions(session, frame_size, with_frames, report))
    if not out:
        raise DatasetError(f"the sessions under {', '.join(str(p) for p in paths)} hold no decisions "
                           f"({report.sessions} sessions, {report.unknown_tokens} tokens outside the vocabulary)")
    return out


def _check_seed(session: Session, allow_evaluation_seeds: bool) -> None:
    seed = session.metadata.get("seed")
    if isinstance(seed, int):
        try:
            check_training_seeds([seed], allow_evaluation_seeds)
        except ValueError as err:
            raise DatasetError(f"{session.path}: recorded on {err}") from None


def input_key(inp: DecisionInput) -> str:
    """Identity of a decision input (the next input of step t is usually the input of step t+1: encode once)."""
    h = hashlib.sha1(json.dumps([inp.task, inp.state, list(inp.recent)], sort_keys=True, default=str).encode())
    if inp.frame is not None:
        h.update(np.ascontiguousarray(inp.frame).tobytes())
    return h.hexdigest()


def split_by_session(decisions: Sequence[Decision], eval_fraction: float, seed: int
                     ) -> tuple[list[Decision], list[Decision]]:
    """Hold out whole sessions (about eval_fraction of them, at least one when there are two or more).

    With a single session there is nothing to hold out by session: the last eval_fraction of its steps is
    held out instead (a weaker test: the held-out steps follow the trained ones in the same world).
    """
    if not 0.0 <= eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be in [0, 1), got {eval_fraction}")
    names = sorted({d.session for d in decisions})
    if eval_fraction == 0.0 or not decisions:
        return list(decisions), []
    if len(names) == 1:
        cut = int(round(len(decisions) * (1.0 - eval_fraction)))
        ordered = sorted(decisions, key=lambda d: d.step)
        return ordered[:cut], ordered[cut:]
    rng = random.Random(seed)
    rng.shuffle(names)
    held_count = min(len(names) - 1, max(1, int(round(len(names) * eval_fraction))))
    held = set(names[:held_count])
    return [d for d in decisions if d.session not in held], [d for d in decisions if d.session in held]


def returns_to_go(decisions: Sequence[Decision], gamma: float = 0.99) -> list[float]:
    """Discounted return from each decision to the end of its episode (decisions in recorded order)."""
    out = [0.0] * len(decisions)
    running = 0.0
    for i in range(len(decisions) - 1, -1, -1):
        d = decisions[i]
        last = i == len(decisions) - 1 or decisions[i + 1].session != d.session or d.done
        running = d.reward + (0.0 if last else gamma * running)
        out[i] = running
    return out


__all__ = ["DatasetError", "Decision", "DecisionInput", "LoadReport", "SessionError", "input_key", "load_decisions", "returns_to_go",
           "session_decisions", "split_by_session"]
