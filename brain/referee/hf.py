"""The `hf` referee: a local transformers causal LM (gemma-3-270m, tiny-random, or any Hugging Face folder)
scores the four answers in one forward pass: the next-token logits of the class letters after the question
(prompt.py), the highest wins. No generation, no network; it runs on the CPU or on CUDA."""
from __future__ import annotations

import threading

import torch

from brain.model.backbone import load_backbone
from brain.model.device import resolve_device
from brain.referee.judgement import Judgement, Question, Referee, Verdict
from brain.referee.prompt import SYSTEM, question_text


class LocalModelReferee(Referee):
    name = "hf"

    def __init__(self, spec: str, device: str = "auto") -> None:
        super().__init__()
        self.device = resolve_device(device)
        backbone = load_backbone(spec)
        self.model, self.tokenizer = backbone.model.to(self.device).eval(), backbone.tokenizer
        self.spec = spec
        self._lock = threading.Lock()  # one forward at a time: the model is shared

    def _prompt(self, q: Question) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question_text(q)}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) + "Answer:"
        return f"{SYSTEM}\n\n{question_text(q)}\nAnswer:"

    def _judge(self, q: Question) -> Judgement:
        """The log-probability of each answer " A".." D" after the question: the four continuations in one
        batch (a tokenizer may merge the space and the letter, or not: each is scored as it tokenizes)."""
        prompt = self._prompt(q)
        head = self.tokenizer(prompt)["input_ids"]
        rows, starts = [], []
        for v in Verdict:
            ids = self.tokenizer(f"{prompt} {v.value.upper()}")["input_ids"]
            start = next((i for i, (a, b) in enumerate(zip(ids, head)) if a != b), min(len(ids), len(head)))
            rows.append(ids)
            starts.append(max(1, start))
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        with self._lock, torch.no_grad():
            logp = torch.log_softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
        scores = [sum(float(logp[i, t - 1, rows[i][t]]) for t in range(starts[i], len(rows[i])))
                  for i in range(len(rows))]
        best = max(range(len(scores)), key=scores.__getitem__)
        reason = " ".join(f"{v.value}:{s:.2f}" for v, s in zip(Verdict, scores))
        return Judgement(list(Verdict)[best], reason, tokens_in=len(head))

    def close(self) -> None:
        del self.model


__all__ = ["LocalModelReferee"]
