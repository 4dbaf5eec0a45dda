"""The oracle referee: offline, from the recipe graph, the expert's view of the state and the state change.
The default referee, the one tests use, and the yardstick `run_agent.py referee --eval` measures others by.

Its rules, in order (documented in the README's "Referee RL"):
1. harmful, whatever the skill: the agent died during it.
2. right: the skill is what the scripted expert (skills/expert.py) would do in the state before, up to the
   block's variant (any log for a log, deepslate ore for ore) and the arguments, the expert following the
   episode's failures as it does when it plays (Question.episode); a chore it would do first (eat, drop
   junk) does not make its next skill wrong; or the skill gained an item the task needs (the task's recipe
   closure: ingredients, the pickaxes and stations that make or mine them, fuel) while fewer than a stack
   were held.
3. a right skill made progress when it succeeded and a milestone was reached, a needed item gained, the
   agent moved two blocks or more (dig_down, surface, explore), ate when hungry, or freed slots by a drop.
4. a wrong skill is harmful when the agent lost 6 health or more, or lost an item the task needs (building
   blocks aside: moving places cobblestone) without gaining one (crafted into something useless, dropped,
   a tool worn out on nothing).
"""
from __future__ import annotations

import functools
import threading
from collections import Counter
from typing import Any, Mapping

from agent.tasks import EXPERT_TARGETS, get_task, milestone
from brain.referee.judgement import Judgement, Question, Referee, Verdict
from skills.expert import HUNGRY, KILLED, LOGS, MINED, SMELTED, ExpertPlanner, min_pickaxe, recipes_for
from skills.vocabulary import JUNK, game_data

HARMFUL_HEALTH_LOSS = 6.0   # three hearts in one skill
STACK = 64                  # more of a needed item than this is no longer progress (no farming the referee)
MOVE_VERBS = ("dig_down", "surface", "explore")
FUELS = ("coal", "charcoal")
CHORES = ("eat", "drop")
EPISODES_KEPT = 64          # planners of the episodes judged last (a run plays a few worlds at once)


@functools.lru_cache(maxsize=None)
def needed_items(task: str) -> frozenset[str]:
    """Every item on the task's way: its target's recipe closure, what mines and smelts it, fuel."""
    target, enchant = EXPERT_TARGETS[task]
    data = game_data()
    todo = [target, "crafting_table"] + (["enchanting_table", "lapis_lazuli", "water_bucket"] if enchant else [])
    seen: set[str] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        if item in LOGS:
            todo += LOGS
        if item == "water_bucket":
            todo.append("bucket")
        if item in MINED:
            pickaxe = min_pickaxe(MINED[item][0])
            todo += [pickaxe] if pickaxe else []
        if item in SMELTED:
            todo += [SMELTED[item], "furnace", *FUELS]
        for recipe in recipes_for(item, data):
            if len(recipe.ingredients) == 1 and next(iter(recipe.ingredients)).endswith(("_block", "_nugget")):
                continue  # unpacking storage blocks: packing needed items into them is no progress
            todo += list(recipe.ingredients)
            todo += ["crafting_table"] if recipe.needs_table else []
    return frozenset(seen)


def _family(target: str) -> str:
    """A skill target up to its variant: logs and planks of any tree, ores in deepslate or stone."""
    for suffix in ("_log", "_planks"):
        if target.endswith(suffix):
            return suffix
    return target.removeprefix("deepslate_")


def _same_skill(token: str, other: str) -> bool:
    verb, _, target = token.partition(":")
    other_verb, _, other_target = other.partition(":")
    return verb == other_verb and _family(target) == _family(other_target)


def _inventory(state: Mapping[str, Any]) -> Counter[str]:
    return Counter({k: int(v) for k, v in (state.get("inventory") or {}).items()})


def _died(q: Question) -> bool:
    return q.after.get("alive") is False or any(e.get("event") == "death" for e in q.events)


class OracleReferee(Referee):
    """Judges from the recipe graph and the state change; no model, no network."""
    name = "oracle"
    ordered = True

    def __init__(self) -> None:
        super().__init__()
        self._planners: dict[tuple[str, str], ExpertPlanner] = {}
        self._lock = threading.Lock()  # judging runs on worker threads

    def _judge(self, q: Question) -> Judgement:
        task = get_task(q.task)
        needed = needed_items(task.name)
        before, after = _inventory(q.before), _inventory(q.after)
        gained = sorted(i for i in needed if after[i] > before[i] and before[i] < STACK)
        lost = sorted(i for i in needed if after[i] < before[i] and i not in JUNK)
        with self._lock:
            expert_tokens = self._expert_tokens(q)
        if _died(q):
            return Judgement(Verdict.WRONG_HARMFUL, "the agent died")
        right = any(_same_skill(q.token, t) for t in expert_tokens) or bool(gained)
        why = f"the expert would {' or '.join(expert_tokens)}" if expert_tokens else "the task is done"
        if right:
            progress = self._progress(q, task.milestones, gained, before, after)
            if progress:
                return Judgement(Verdict.RIGHT_PROGRESS, f"{progress} ({why})")
            return Judgement(Verdict.RIGHT_NO_PROGRESS, f"no progress ({why})")
        health_lost = float(q.before.get("health", 20)) - float(q.after.get("health", 20))
        if health_lost >= HARMFUL_HEALTH_LOSS:
            return Judgement(Verdict.WRONG_HARMFUL, f"lost {health_lost:g} health ({why})")
        if lost:
            return Judgement(Verdict.WRONG_HARMFUL, f"lost needed {', '.join(lost)} ({why})")
        return Judgement(Verdict.WRONG_HARMLESS, why)

    def _expert_tokens(self, q: Question) -> list[str]:
        """What the expert would do in the state before (and after a chore, what next), then the expert
        learns the skill's result as if it had chosen it."""
        target, enchant = EXPERT_TARGETS[q.task]
        planner = self._planners.pop((q.episode, q.task), None) if q.episode else None
        planner = planner or ExpertPlanner(target, enchant)
        if q.episode:  # most recent last; the oldest episode is forgotten
            self._planners[(q.episode, q.task)] = planner
            while len(self._planners) > EPISODES_KEPT:
                self._planners.pop(next(iter(self._planners)))
        action = planner.next_action(dict(q.before))
        tokens = [action[0]] if action else []
        if action and action[0].partition(":")[0] in CHORES:
            calm = {**q.before, "food": 20, "inventory": {k: min(int(v), STACK) if k in JUNK else v
                                                          for k, v in (q.before.get("inventory") or {}).items()}}
            after_chore = planner.next_action(calm)
            tokens += [after_chore[0]] if after_chore else []
        planner.record(q.token, dict(q.result))
        return tokens

    @staticmethod
    def _progress(q: Question, milestones: tuple[str, ...], gained: list[str], before: Counter[str],
                  after: Counter[str]) -> str:
        """Why the skill moved the task on ('' when it did not)."""
        if not q.result.get("ok"):
            return ""
        reached = [m for m in milestones if not milestone(m).test(q.before, None) and milestone(m).test(q.after, q.result)]
        verb, _, target = q.token.partition(":")
        if reached:
            return f"reached {', '.join(reached)}"
        if gained:
            return f"gained {', '.join(gained)}"
        if verb in MOVE_VERBS and (distance := q.moved()) >= 2:
            return f"moved {distance:.0f} blocks"
        if verb == "eat" and float(q.before.get("food", 20)) <= HUNGRY < float(q.after.get("food", 20)) + 1:
            return "ate when hungry"
        if verb == "drop" and after[target] < before[target]:
            return f"freed slots of {target}"
        if verb in ("enchant", "place"):
            return f"{verb} done"
        return ""


__all__ = ["OracleReferee", "needed_items"]
