"""Referees (brain/referee/): the oracle's four classes from the recipe graph and the state change, the
rewards, noise, judging beside the bot, the OpenAI-compatible referee against a chat endpoint on 127.0.0.1
(replies, cache, 429s, timeouts, an endpoint that is not there), the hf referee on the tiny model, and
`run_agent.py referee --eval` on recorded sessions."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from chat_stub import ChatStub
from conftest import run_cli

NEAR = ("oak_log", "birch_log", "stone")


def state(inventory: dict[str, int] | None = None, food: float = 20, health: float = 20, x: float = 0,
          alive: bool = True) -> dict[str, Any]:
    """A surface state of a fresh world with trees and stone in sight."""
    return {"alive": alive, "health": health, "food": food, "position": {"x": x, "y": 70, "z": 0},
            "inventory": dict(inventory or {}), "equipment": {}, "xp": {"level": 0},
            "nearby_blocks": {"radius": 16, "counts": {b: 10 for b in NEAR},
                              "nearest": {b: {"distance": 3, "x": 1, "y": 70, "z": 1} for b in NEAR}}}


def ask(token: str, before: dict[str, Any], after: dict[str, Any], ok: bool = True, episode: str = "",
        events: tuple[dict[str, Any], ...] = (), task: str = "wooden_sword") -> Any:
    from brain.referee.judgement import Question

    result = {"ok": ok, "token": token, "error": None if ok else {"kind": "not_found", "message": "none found"}}
    return Question(task, before, token, {}, result, after, events, episode)


def test_the_oracle_judges_from_the_recipe_graph_and_the_state_change() -> None:
    from brain.referee.judgement import Verdict
    from brain.referee.oracle import OracleReferee, needed_items

    oracle = OracleReferee()
    v = lambda q: oracle.judge(q).verdict  # noqa: E731
    # the expert would mine birch here: oak is the same skill up to the tree, and the first log is progress
    assert v(ask("mine:oak_log", state(), state({"oak_log": 3}))) == Verdict.RIGHT_PROGRESS
    assert v(ask("mine:oak_log", state(), state(), ok=False)) == Verdict.RIGHT_NO_PROGRESS
    assert v(ask("explore", state(), state(x=20))) == Verdict.WRONG_HARMLESS
    # a needed item gained counts as right even where the expert would do something else first
    assert v(ask("mine:birch_log", state({"oak_log": 3}), state({"oak_log": 3, "birch_log": 3}))) == Verdict.RIGHT_PROGRESS
    # harm: planks (needed) crafted into a button; health lost on a wrong skill; death on any
    assert v(ask("craft:oak_button", state({"oak_planks": 4}), state({"oak_planks": 3, "oak_button": 1}))) \
        == Verdict.WRONG_HARMFUL
    assert v(ask("explore", state(), state(x=20, health=12))) == Verdict.WRONG_HARMFUL
    died = oracle.judge(ask("mine:oak_log", state(), state({"oak_log": 3}, alive=False)))
    assert died.verdict == Verdict.WRONG_HARMFUL and died.reason == "the agent died"
    # a chore the expert would do first (eat when hungry) does not make its next skill wrong
    hungry = {"oak_log": 3, "beef": 2}
    assert v(ask("craft:oak_planks", state(hungry, food=5), state(hungry, food=5), ok=False)) == Verdict.RIGHT_NO_PROGRESS
    # within an episode the oracle follows the failures as the expert does: after two failed mines, explore
    for _ in range(2):
        assert v(ask("mine:birch_log", state(), state(), ok=False, episode="e1")) == Verdict.RIGHT_NO_PROGRESS
    assert v(ask("explore", state(), state(x=20), episode="e1")) == Verdict.RIGHT_PROGRESS
    assert v(ask("explore", state(), state(x=20), episode="e2")) == Verdict.WRONG_HARMLESS   # another episode
    assert {"stick", "oak_planks", "crafting_table", "wooden_sword"} <= needed_items("wooden_sword")
    assert "iron_ingot" not in needed_items("wooden_sword") and "iron_block" not in needed_items("diamond_sword")
    assert oracle.stats.summary()["class_mix"] == {"a": 3, "b": 4, "c": 2, "d": 3}


def test_referee_rewards_are_ordered_and_no_judgement_pays_nothing() -> None:
    from brain.referee.judgement import RefereeRewards, Verdict

    rewards = RefereeRewards()
    assert [rewards.of(v) for v in Verdict] == [0.5, 0.1, -0.1, -1.0] and rewards.of(None) == 0.0
    with pytest.raises(ValueError, match="r_a > r_b > 0 > r_c > r_d"):
        RefereeRewards(a=0.1, b=0.5)


def test_noise_flips_the_given_fraction_to_a_wrong_class() -> None:
    from brain.referee import make_referee
    from brain.referee.judgement import Verdict

    q = ask("mine:oak_log", state(), state({"oak_log": 3}))
    noisy = make_referee("oracle", noise=0.3, seed=1)
    verdicts = [noisy.judge(q).verdict for _ in range(1000)]
    flipped = sum(v != Verdict.RIGHT_PROGRESS for v in verdicts)
    assert 250 <= flipped <= 350 and flipped == noisy.flipped  # type: ignore[attr-defined]
    assert {Verdict.RIGHT_NO_PROGRESS, Verdict.WRONG_HARMLESS, Verdict.WRONG_HARMFUL} <= set(verdicts)
    same_seed = make_referee("oracle", noise=0.3, seed=1)
    assert [same_seed.judge(q).verdict for _ in range(50)] == verdicts[:50]          # an arm repeats
    with pytest.raises(ValueError, match="between 0 and 1"):
        make_referee("oracle", noise=1.5)


def test_judging_runs_beside_the_caller_and_a_failing_referee_gives_no_judgement() -> None:
    from brain.referee.background import BackgroundReferee
    from brain.referee.judgement import Question, Referee

    class Slow(Referee):
        name = "slow"

        def _judge(self, q: Question) -> Any:
            time.sleep(0.2)
            raise ConnectionError("the endpoint went away")

    judge = BackgroundReferee(Slow(), threads=4)
    started = time.monotonic()
    futures = [judge.submit(ask("explore", state(), state())) for _ in range(8)]
    assert time.monotonic() - started < 0.1                       # submitting never waits for a judgement
    results = [f.result(timeout=5) for f in futures]
    assert all(r.verdict is None and r.error == "ConnectionError: the endpoint went away" for r in results)
    assert judge.referee.stats.summary()["no_judgement"] == 8 and time.monotonic() - started < 1.0  # 4 at once
    judge.close()


def _chat(stub: ChatStub, **settings: Any) -> Any:
    from brain.referee.openai_chat import ChatReferee, ChatSettings

    return ChatReferee(ChatSettings(url=stub.url, model="judge-7b", key="k", **{"retries": 2, **settings}))


def test_the_openai_referee_asks_a_chat_endpoint_caches_and_counts() -> None:
    from brain.referee.judgement import Verdict

    q = ask("mine:oak_log", state(), state({"oak_log": 3}))
    with ChatStub(default="B") as stub:
        referee = _chat(stub, price_in=2.0, price_out=10.0)
        stub.replies.append(("text", " a. "))
        first = referee.judge(q)
        assert first.verdict == Verdict.RIGHT_PROGRESS and (first.tokens_in, first.tokens_out) == (100, 1)
        assert first.cost == pytest.approx((100 * 2.0 + 10.0) / 1e6)
        again = referee.judge(q)                                       # the same question: from the cache
        assert again.verdict == Verdict.RIGHT_PROGRESS and again.cached and len(stub.requests) == 1
        asked = stub.requests[0]
        assert asked["path"] == "/v1/chat/completions" and asked["auth"] == "Bearer k"
        assert asked["body"]["model"] == "judge-7b" and asked["body"]["temperature"] == 0
        text = asked["body"]["messages"][1]["content"]
        assert "Skill: mine:oak_log; it succeeded." in text and "oak_log +3" in text and "D: wrong skill" in text
        # a reply that is not one class letter: no judgement, never a guess
        stub.replies.append(("text", "A or B, hard to say"))
        other = ask("explore", state(), state(x=9))
        j = referee.judge(other)
        assert j.verdict is None and j.error.startswith("unparsable reply")
        stats = referee.stats.summary()
        assert stats["calls"] == 3 and stats["cached"] == 1 and stats["no_judgement"] == 1
        assert stats["class_mix"]["a"] == 2 and stats["tokens_in"] == 200
        referee.close()


def test_the_openai_referee_retries_within_bounds_then_gives_no_judgement() -> None:
    from brain.referee.judgement import Verdict

    q = ask("mine:oak_log", state(), state({"oak_log": 3}))
    with ChatStub(default="C") as stub:
        stub.replies.extend([("status", 429), ("status", 429)])      # two rate-limit answers, then "C"
        assert _chat(stub).judge(q).verdict == Verdict.WRONG_HARMLESS and len(stub.requests) == 3
        stub.replies.extend([("status", 429)] * 3)                   # more than the retries allow
        j = _chat(stub, retries=2).judge(q)
        assert j.verdict is None and j.error.startswith("RateLimitError") and len(stub.requests) == 6
        stub.replies.append(("sleep", 2.0, "A"))                     # slower than the timeout
        started = time.monotonic()
        j = _chat(stub, retries=0, timeout_s=0.5).judge(q)
        assert j.verdict is None and j.error.startswith("APITimeoutError") and time.monotonic() - started < 1.9
        # a minimum interval between requests keeps to a rate limit
        referee, started = _chat(stub, min_interval_s=0.3), time.monotonic()
        for x in range(3):
            referee.judge(ask("explore", state(), state(x=10 + x)))
        assert time.monotonic() - started >= 0.6
    gone = _chat(stub, retries=1, timeout_s=1.0).judge(q)             # the stub is stopped: nothing listens
    assert gone.verdict is None and gone.error.startswith("APIConnectionError")


def test_the_hf_referee_scores_the_four_answers_with_a_local_model() -> None:
    from brain.referee import make_referee
    from brain.referee.agreement import confusion

    referee = make_referee("hf", model="tiny-random", device="cpu")
    items = [ask("mine:oak_log", state(), state({"oak_log": 3})), ask("explore", state(), state(x=20))]
    j = referee.judge(items[0])
    scores = [float(part.split(":")[1]) for part in j.reason.split()]
    assert j.verdict is not None and j.tokens_in > 100 and len(scores) == 4 and all(s < 0 for s in scores)
    assert max(range(4), key=scores.__getitem__) == "abcd".index(j.verdict.value)
    report = confusion(referee, items)
    assert report["steps"] == 2 and sum(sum(r.values()) for r in report["confusion"].values()) == 2
    assert report["oracle_mix"] == {"a": 1, "b": 0, "c": 1, "d": 0}


def _record(folder: Path) -> None:
    from agent.recording import SessionRecorder

    with SessionRecorder(folder, {"task": "wooden_sword", "seed": 3, "policy": {"name": "larm"}}) as rec:
        rec.log_reset("text", state=state())
        rec.log_step(1, "text", "mine:oak_log", {"ok": True, "inventory_delta": {"oak_log": 3}}, 1.0,
                     state=state({"oak_log": 3}), args={"count": 3})
        rec.log_step(2, "text", "craft:oak_button", {"ok": True}, 0.0, state=state({"oak_log": 2, "oak_button": 1}))
        rec.log_step(3, "text", "explore", {"ok": True}, 0.0, state=state({"oak_log": 2, "oak_button": 1}, x=30))


def test_referee_eval_measures_a_referee_against_the_oracle_on_recorded_steps(tmp_path: Path) -> None:
    _record(tmp_path / "sessions" / "one")
    with ChatStub(default="A") as stub:
        result = run_cli("referee", "--eval", str(tmp_path / "sessions"), "--referee", "openai", "--referee-url",
                         stub.url, "--referee-model", "judge-7b", "--json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["steps"] == 3 and report["referee"] == "openai" and len(stub.requests) == 3
        assert report["oracle_mix"] == {"a": 1, "b": 0, "c": 1, "d": 1}           # log; wasted log; explore
        assert report["confusion"]["a"]["a"] == 1 and report["agreement"] == pytest.approx(1 / 3, abs=1e-3)
        assert report["stats"]["tokens_in"] == 300
    result = run_cli("referee", "--eval", str(tmp_path / "sessions"))          # the oracle against itself
    assert result.returncode == 0 and "agreement 1.000" in result.stdout and "wrong, harmful" in result.stdout
    result = run_cli("referee", "--eval", str(tmp_path / "sessions"), "--referee", "openai")
    assert result.returncode == 2 and "needs an endpoint and a model" in result.stderr
    result = run_cli("referee", "--eval", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = run_cli("referee", "--eval", str(tmp_path / "sessions"), "--referee", "hf", "--referee-model",
                     str(tmp_path / "no_model"))
    assert result.returncode == 2 and "--referee-model: backbone" in result.stderr and "Traceback" not in result.stderr
