"""The question a language-model referee reads: the task, the state before, the skill with its arguments and
result, what changed, and the four classes to answer with one letter (openai_chat.py and hf.py ask it)."""
from __future__ import annotations

from agent.observation_text import render_state_text
from agent.tasks import task_description
from brain.referee.judgement import DESCRIPTIONS, Question, Verdict

SYSTEM = ("You are the referee of an agent playing Minecraft through skills. You judge one executed skill: was "
          "it the right skill for the task in that state, and did it help or harm? Answer with one letter only.")


def _changes(q: Question) -> str:
    before, after = q.before, q.after
    inv_b, inv_a = before.get("inventory") or {}, after.get("inventory") or {}
    delta = {k: int(inv_a.get(k, 0)) - int(inv_b.get(k, 0)) for k in set(inv_b) | set(inv_a)}
    items = ", ".join(f"{k} {v:+d}" for k, v in sorted(delta.items()) if v) or "no item changed"
    health = f"health {before.get('health', '?')} -> {after.get('health', '?')}"
    moved = q.moved()
    where = f"; moved {moved:.0f} blocks to y={(after.get('position') or {}).get('y', 0):.0f}" if moved >= 1 else ""
    alive = "" if after.get("alive", True) else "; the agent died"
    return f"{items}; {health}{where}{alive}"


def question_text(q: Question) -> str:
    """The user message: everything the referee sees, then the classes."""
    result = q.result
    outcome = "succeeded" if result.get("ok") else f"failed ({(result.get('error') or {}).get('kind', 'error')}: " \
        f"{(result.get('error') or {}).get('message', '')})"
    args = ", ".join(f"{k}={v}" for k, v in q.args.items())
    classes = "\n".join(f"{v.value.upper()}: {DESCRIPTIONS[v]}" for v in Verdict)
    return (f"Task: {task_description(q.task)}\n\n"
            f"State before the skill:\n{render_state_text(dict(q.before))}\n\n"
            f"Skill: {q.token}{f' ({args})' if args else ''}; it {outcome}.\n"
            f"What changed: {_changes(q)}\n\n"
            f"Classes:\n{classes}\n\nAnswer with the letter of one class.")


def parse_answer(reply: str) -> Verdict | None:
    """Strict: the reply must be one class letter (A-D, either case), alone or with a full stop."""
    text = reply.strip().rstrip(".").strip().lower()
    return Verdict(text) if text in {v.value for v in Verdict} else None


__all__ = ["SYSTEM", "parse_answer", "question_text"]
