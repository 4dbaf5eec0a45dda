"""Referees: per executed skill, one of four classes (right and progress, right and no progress, wrong and
harmless, wrong and harmful), whose reward LARM's referee RL adds to the environment's.

- judgement.py   the question, the classes and their rewards, the judgement and the counters
- oracle.py      offline, from the recipe graph, the expert's view and the state change (the default)
- openai_chat.py any OpenAI-compatible chat endpoint
- hf.py          a local transformers model scoring the four answers in one forward pass
- noise.py       a fraction of judgements replaced by a wrong class
- background.py  judging on threads beside the bot
- agreement.py   a referee against the oracle on recorded steps (`run_agent.py referee --eval`)
"""
from __future__ import annotations

from brain.referee.judgement import Judgement, Question, Referee, RefereeRewards, RefereeStats, Verdict

REFEREE_KINDS = ("oracle", "openai", "hf")


def make_referee(kind: str, model: str | None = None, url: str | None = None, key: str | None = None,
                 noise: float = 0.0, seed: int = 0, device: str = "auto", **chat: float | int) -> Referee:
    """A referee by kind (--referee), with --referee-noise applied; ValueError names what is wrong."""
    referee: Referee
    if kind == "oracle":
        from brain.referee.oracle import OracleReferee
        referee = OracleReferee()
    elif kind == "openai":
        from brain.referee.openai_chat import ChatReferee, ChatSettings
        referee = ChatReferee(ChatSettings.from_env(url, model, key, **chat))
    elif kind == "hf":
        from brain.referee.hf import LocalModelReferee
        referee = LocalModelReferee(model or "gemma-3-270m", device)
    else:
        raise ValueError(f"unknown referee {kind!r}; known: {', '.join(REFEREE_KINDS)}")
    if noise:
        from brain.referee.noise import NoisyReferee
        referee = NoisyReferee(referee, noise, seed)
    return referee


__all__ = ["REFEREE_KINDS", "Judgement", "Question", "Referee", "RefereeRewards", "RefereeStats", "Verdict",
           "make_referee"]
