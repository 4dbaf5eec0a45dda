"""Judging beside the bot: questions go to a small thread pool as skills finish, and the training loop
collects the judgements when it builds its rollout, so a slow referee (a remote model) never stalls play."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from brain.referee.judgement import Judgement, Question, Referee


class BackgroundReferee:
    def __init__(self, referee: Referee, threads: int = 4) -> None:
        """threads: questions judged at once (one for a referee that must see an episode in order)."""
        self.referee = referee
        self._pool = ThreadPoolExecutor(max_workers=1 if referee.ordered else threads,
                                        thread_name_prefix=f"referee-{referee.name}")

    def submit(self, question: Question) -> Future[Judgement]:
        """Start judging; the future's result is a Judgement (never an exception: Referee.judge catches)."""
        return self._pool.submit(self.referee.judge, question)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.referee.close()


__all__ = ["BackgroundReferee"]
