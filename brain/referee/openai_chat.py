"""The `openai` referee: any OpenAI-compatible chat endpoint (a hosted model, or a vLLM, llama.cpp or Ollama
server) through the `openai` client, which times out and retries (with backoff, on timeouts, connection
errors, 429 and 5xx) within the bounds given. Identical questions are answered from a cache; a minimum
interval between calls keeps to a rate limit; the reply must be one class letter (prompt.py), anything else
is no judgement. Settings come from the options or the environment: LARM_REFEREE_URL (else
OPENAI_BASE_URL), LARM_REFEREE_MODEL, LARM_REFEREE_KEY (else OPENAI_API_KEY; local servers take any key).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass

from brain.referee.judgement import Judgement, Question, Referee
from brain.referee.prompt import SYSTEM, parse_answer, question_text


@dataclass(frozen=True)
class ChatSettings:
    url: str                        # the endpoint's base URL, e.g. http://127.0.0.1:8000/v1
    model: str
    key: str = "none"
    timeout_s: float = 20.0         # per request
    retries: int = 2                # after the first try (the client backs off between them)
    min_interval_s: float = 0.0     # between two requests: 60 / requests per minute allowed
    price_in: float = 0.0           # per million prompt tokens
    price_out: float = 0.0          # per million completion tokens
    max_tokens: int = 4

    @classmethod
    def from_env(cls, url: str | None = None, model: str | None = None, key: str | None = None,
                 **fields: float | int) -> ChatSettings:
        url = url or os.environ.get("LARM_REFEREE_URL") or os.environ.get("OPENAI_BASE_URL")
        model = model or os.environ.get("LARM_REFEREE_MODEL")
        if not url or not model:
            raise ValueError("the openai referee needs an endpoint and a model: --referee-url and --referee-model "
                             "(or LARM_REFEREE_URL and LARM_REFEREE_MODEL)")
        key = key or os.environ.get("LARM_REFEREE_KEY") or os.environ.get("OPENAI_API_KEY") or "none"
        return cls(url=url, model=model, key=key, **fields)  # type: ignore[arg-type]


class ChatReferee(Referee):
    name = "openai"

    def __init__(self, settings: ChatSettings) -> None:
        from openai import OpenAI

        super().__init__()
        self.settings = settings
        self.client = OpenAI(base_url=settings.url, api_key=settings.key, timeout=settings.timeout_s,
                             max_retries=settings.retries)
        self._cache: dict[str, Judgement] = {}
        self._lock = threading.Lock()
        self._next_call = 0.0

    def _judge(self, q: Question) -> Judgement:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question_text(q)}]
        key = hashlib.sha1(json.dumps([self.settings.model, messages]).encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                hit = self._cache[key]
                return Judgement(hit.verdict, hit.reason, 1e-6, cached=True)
            wait, self._next_call = self._next_call - time.monotonic(), max(self._next_call, time.monotonic()) \
                + self.settings.min_interval_s
        if wait > 0:
            time.sleep(wait)
        from openai import OpenAIError

        try:
            reply = self.client.chat.completions.create(model=self.settings.model, messages=messages,  # type: ignore[arg-type]
                                                        max_tokens=self.settings.max_tokens, temperature=0)
        except OpenAIError as err:
            return Judgement(None, error=f"{type(err).__name__}: {str(err)[:200]}")
        text = (reply.choices[0].message.content or "") if reply.choices else ""
        usage = reply.usage
        tokens_in, tokens_out = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        cost = (tokens_in * self.settings.price_in + tokens_out * self.settings.price_out) / 1e6
        verdict = parse_answer(text)
        if verdict is None:
            return Judgement(None, text[:200], tokens_in=tokens_in, tokens_out=tokens_out, cost=cost,
                             error=f"unparsable reply: {text[:80]!r}")
        judgement = Judgement(verdict, text[:200], tokens_in=tokens_in, tokens_out=tokens_out, cost=cost)
        with self._lock:
            self._cache[key] = judgement
        return judgement

    def close(self) -> None:
        self.client.close()


__all__ = ["ChatReferee", "ChatSettings"]
