"""LARM: a frozen causal-LM backbone with LoRA that picks one skill token per decision, in one forward pass.

Per decision (design section 6):

    embeddings = [ <bos>Task ... compact observation ... View: | vision tokens | Next skill: | skill token ]
    h          = the backbone's last hidden state at the skill token (base model only: no LM head, no generation)
    logits     = actor(h) · skill_proj(E)ᵀ / sqrt(d)      E: the skill library, one row per vocabulary token
    logits[~mask] = -inf                                 preconditions that do not hold
    value      = critic(h)
    argument   = argument_head([h, skill_proj(E)[skill]])  over skills.vocabulary.argument_values(), masked to
                 the values the chosen skill's verb takes (counts, distances; none for most verbs)

- Vision: brain.model.vision.VisionEncoder gives B×T×out_dim tokens; a linear projector (times a learned scale
  started at the size of a word embedding) maps them into the backbone's embedding space.
- Skill library E: each SkillToken's "token: description" through the frozen backbone, mean-pooled over its
  tokens, then standardised across the library (Gemma's hidden states share a large common component that
  would make every skill look alike). Computed once, kept as a buffer (and in the checkpoint, so a loaded
  policy gives exactly the logits it was saved with); a trainable linear projection maps it to d.
- Precision: the backbone runs in the dtype it was loaded in (bf16 for inference, fp32 for training); the
  heads, the projector and the vision encoder always run in fp32.

Trunk "frozen" (LarmConfig.trunk): the backbone stays as it was pretrained (no LoRA, no vision tokens) and
reads the prompt alone; a trainable readout (learned queries attending over the last hidden states of the
prompt, then an MLP: Readout) gives h. The backbone's states of a decision never change, so
training computes them once per decision and trains the readout and the heads on them (DAgger's fast path:
brain/training/dagger.py), a few hundred times faster than backpropagating through the backbone.

Checkpoints (brain/model/checkpoint.py) hold parts "lora" (trunk "lora" only), "heads" and "vision"; the backbone is named and
fingerprinted in the meta, and loading onto another backbone or skill vocabulary is refused.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from brain.model.backbone import DEFAULT_BACKBONE, Backbone, load_backbone
from brain.model.checkpoint import CheckpointError, CheckpointMeta, load_checkpoint, read_meta, save_checkpoint
from brain.model.inputs import DecisionInput
from brain.model.lora import LoraSettings, add_lora, load_lora_state, lora_state
from brain.model.prompt import PromptBuilder, PromptIds


@dataclass
class LarmConfig:
    backbone: str = DEFAULT_BACKBONE
    lora: LoraSettings = field(default_factory=LoraSettings)
    vision: Any = "default"          # a brain.model.vision.VisionConfig, "default" (VisionConfig()), or None: text only
    max_prompt_tokens: int = 176     # whole sequence: task, observation, vision tokens, skill token
    skill_dim: int = 256             # d: the space where the actor output meets the skill embeddings
    critic_hidden: int = 256
    arguments: bool = True           # an argument head (counts, distances); False in checkpoints made before it
    trunk: str = "lora"              # lora: the skill token through the LoRA'd backbone; frozen: a readout over
                                     # the frozen backbone's states of the prompt (text only)
    readout_queries: int = 8         # trunk frozen: the readout's learned queries,
    readout_heads: int = 8           # its heads per query,
    readout_dim: int = 32            # the size of each head's keys and values,
    readout_dropout: float = 0.3     # and the dropout on what they read (training only)

    def __post_init__(self) -> None:
        if self.trunk not in ("lora", "frozen"):
            raise ValueError(f"trunk must be 'lora' or 'frozen', not {self.trunk!r}")
        if isinstance(self.lora, dict):
            d = dict(self.lora)
            d["targets"] = tuple(d.get("targets", LoraSettings().targets))
            self.lora = LoraSettings(**d)
        if self.vision == "default" or isinstance(self.vision, dict):
            from brain.model.vision import VisionConfig

            self.vision = VisionConfig() if self.vision == "default" else VisionConfig(**self.vision)
        if self.trunk == "frozen" and self.vision is not None:
            raise ValueError("trunk 'frozen' reads the prompt alone: set vision to None")

    def to_dict(self) -> dict[str, Any]:
        return {"backbone": self.backbone, "lora": asdict(self.lora),
                "vision": asdict(self.vision) if self.vision is not None else None,
                "max_prompt_tokens": self.max_prompt_tokens, "skill_dim": self.skill_dim,
                "critic_hidden": self.critic_hidden, "arguments": self.arguments, "trunk": self.trunk,
                "readout_queries": self.readout_queries, "readout_heads": self.readout_heads,
                "readout_dim": self.readout_dim, "readout_dropout": self.readout_dropout}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LarmConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise CheckpointError(f"LARM config has unknown fields {sorted(unknown)} (written by a newer version?)")
        return cls(**{"arguments": False, **raw})  # a config without the field predates the argument head


@dataclass
class LarmOutput:
    logits: torch.Tensor   # B×V, -inf where the mask is False
    value: torch.Tensor    # B
    hidden: torch.Tensor   # B×H (fp32), the skill token's last hidden state


class Readout(nn.Module):
    """Trunk "frozen": h from the backbone's last hidden states of the prompt (B×L×H, padded).

    `queries` learned queries, each with `heads` heads, attend over keys and values projected down to `dim` per
    head (the projections of every prompt position are most of the cost: low-rank keeps a training step cheap,
    and many small queries read many facts of the state: counts, outcomes, what is in sight); their outputs,
    concatenated, are mapped back to H and refined by a residual MLP."""

    def __init__(self, hidden: int, queries: int, heads: int, dim: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dim = heads, dim
        self.norm = nn.LayerNorm(hidden)
        self.keys = nn.Linear(hidden, heads * dim)
        self.values = nn.Linear(hidden, heads * dim)
        self.queries = nn.Parameter(torch.randn(queries, heads, dim))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(queries * heads * dim, hidden)
        self.mlp = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden))

    def forward(self, states: torch.Tensor, padding: torch.Tensor | None) -> torch.Tensor:
        b, length, _ = states.shape
        x = self.norm(states)
        k = self.keys(x).view(b, length, self.heads, self.dim)
        v = self.values(x).view(b, length, self.heads, self.dim)
        scores = torch.einsum("qhd,blhd->bqhl", self.queries, k) / math.sqrt(self.dim)
        if padding is not None:
            scores = scores.masked_fill(padding[:, None, None, :], float("-inf"))
        h = self.out(self.dropout(torch.einsum("bqhl,blhd->bqhd", scores.softmax(-1), v).reshape(b, -1)))
        return h + self.mlp(h)


class LarmHeads(nn.Module):
    """Everything LARM adds around the backbone, except LoRA and the vision encoder (checkpoint part "heads")."""

    def __init__(self, hidden: int, config: LarmConfig, library: torch.Tensor, embed_scale: float) -> None:
        super().__init__()
        d = config.skill_dim
        self.skill_token = nn.Parameter(torch.randn(hidden) * embed_scale)
        self.actor = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, d))
        self.critic = nn.Sequential(nn.Linear(hidden, config.critic_hidden), nn.GELU(), nn.Linear(config.critic_hidden, 1))
        self.skill_proj = nn.Linear(library.shape[1], d)
        self.register_buffer("skill_library", library.float().clone())
        self.readout: Readout | None = None
        if config.trunk == "frozen":
            self.readout = Readout(hidden, config.readout_queries, config.readout_heads, config.readout_dim,
                                   config.readout_dropout)
        self.argument: nn.Sequential | None = None
        if config.arguments:
            from skills.vocabulary import argument_mask, argument_values, vocabulary

            self.argument = nn.Sequential(nn.Linear(hidden + d, config.critic_hidden), nn.GELU(),
                                          nn.Linear(config.critic_hidden, len(argument_values())))
            masks = np.stack([argument_mask(t.token) for t in vocabulary()])
            self.register_buffer("argument_masks", torch.from_numpy(masks), persistent=False)  # V×A: values per skill
        self.vision_proj: nn.Linear | None = None
        if config.vision is not None:
            self.vision_proj = nn.Linear(config.vision.out_dim, hidden)
            self.vision_scale = nn.Parameter(torch.tensor(float(embed_scale)))


def _pool_library(text_model: nn.Module, tokenizer: Any, texts: list[str], device: str, batch: int = 32) -> torch.Tensor:
    rows = []
    for i in range(0, len(texts), batch):
        enc = tokenizer(texts[i:i + batch], return_tensors="pt", padding=True, add_special_tokens=True)
        ids, att = enc["input_ids"].to(device), enc["attention_mask"].to(device)
        hidden = text_model(input_ids=ids, attention_mask=att, use_cache=False).last_hidden_state.float()
        w = att.unsqueeze(-1).float()
        rows.append((hidden * w).sum(1) / w.sum(1))
    return torch.cat(rows)


@torch.no_grad()
def skill_library(backbone: Backbone, device: str = "cpu") -> torch.Tensor:
    """V×H embeddings of the vocabulary's skills through the frozen backbone (standardised across skills)."""
    from skills.vocabulary import vocabulary

    texts = [f"{t.token.replace('_', ' ')}: {t.description}" for t in vocabulary()]
    raw = _pool_library(_text_model(backbone.model), backbone.tokenizer, texts, device)
    return (raw - raw.mean(0)) / (raw.std(0) + 1e-5)


def _text_model(model: Any) -> nn.Module:
    """The transformer under the LM head (Gemma3TextModel for Gemma): hidden states without the vocab projection."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner = getattr(base, "base_model", None)
    if inner is None or inner is base:
        raise TypeError(f"{type(base).__name__} exposes no base transformer (base_model) under its LM head")
    return inner


def _frame_batch(frames: Sequence[np.ndarray | None], size: int) -> np.ndarray:
    """B×size×size×3 uint8; a missing frame is black (the text still carries the state)."""
    import cv2

    out = np.zeros((len(frames), size, size, 3), np.uint8)
    for i, f in enumerate(frames):
        if f is None:
            continue
        f = np.asarray(f)
        if f.ndim != 3 or f.shape[2] != 3 or f.dtype != np.uint8:
            raise ValueError(f"a frame must be H×W×3 uint8, got {f.shape} {f.dtype}")
        out[i] = f if f.shape[:2] == (size, size) else cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA)
    return out


class LarmModel(nn.Module):
    def __init__(self, config: LarmConfig, backbone: Backbone, library: torch.Tensor) -> None:
        super().__init__()
        from skills.vocabulary import vocabulary

        self.config = config
        self.backbone = backbone
        self.vocab = vocabulary()
        if library.shape[0] != len(self.vocab):
            raise CheckpointError(f"skill library has {library.shape[0]} rows, the vocabulary {len(self.vocab)}")
        if config.trunk == "lora":
            self.lm = add_lora(backbone.model, config.lora)
        else:
            self.lm = backbone.model
            for p in self.lm.parameters():
                p.requires_grad_(False)
        embed = backbone.input_embeddings()
        with torch.no_grad():  # the size of a word embedding as the model sees it (Gemma scales by sqrt(H))
            sample = embed(torch.arange(min(1000, embed.num_embeddings), device=embed.weight.device)).float()
            embed_scale = float(sample.pow(2).mean().sqrt())
        self.vision = None
        if config.vision is not None:
            from brain.model.vision import VisionEncoder

            self.vision = VisionEncoder(config.vision)
        self.heads = LarmHeads(self.hidden_size, config, library, embed_scale)
        self.prompts = PromptBuilder(backbone.tokenizer, config.max_prompt_tokens,
                                     config.vision.num_tokens if config.vision is not None else 0)
        self.history: list[dict[str, Any]] = []

    # ------------------------------------------------------------------------------------ properties
    @property
    def hidden_size(self) -> int:
        return self.backbone.hidden_size

    @property
    def text_model(self) -> nn.Module:
        return _text_model(self.lm)

    @property
    def device(self) -> torch.device:
        return self.heads.skill_token.device

    @property
    def backbone_dtype(self) -> torch.dtype:
        return self.backbone.input_embeddings().weight.dtype

    # ------------------------------------------------------------------------------------ building
    @classmethod
    def create(cls, config: LarmConfig, device: str = "cpu", dtype: torch.dtype = torch.float32,
               backbone: Backbone | None = None, library: torch.Tensor | None = None) -> LarmModel:
        """A LARM with fresh LoRA and heads on the named backbone (the skill library computed unless given)."""
        backbone = backbone or load_backbone(config.backbone, dtype=dtype)
        backbone.model.to(device=device, dtype=dtype)
        if library is None:
            library = skill_library(backbone, device)
        model = cls(config, backbone, library.to(device))
        model.heads.to(device)
        if model.vision is not None:
            model.vision.to(device)
        model.lm.to(device=device, dtype=dtype)
        return model.eval()

    @classmethod
    def from_checkpoint(cls, folder: str | Path, device: str = "cpu", dtype: torch.dtype = torch.float32,
                        backbone: str | None = None) -> tuple[LarmModel, dict[str, dict[str, torch.Tensor]], CheckpointMeta]:
        """Rebuild LARM from a checkpoint: the backbone named in it (or `backbone`), checked by fingerprint."""
        from skills.vocabulary import vocabulary_fingerprint

        folder = Path(folder)
        meta = read_meta(folder)
        if "larm" not in meta.configs:
            phases = [h.get("phase") for h in meta.history]
            raise CheckpointError(f"{folder} holds no LARM policy (phases run: {phases}); train --phase bc first")
        config = LarmConfig.from_dict(meta.configs["larm"])
        config.backbone = backbone or meta.backbone
        loaded = load_backbone(config.backbone, dtype=dtype)
        parts, meta = load_checkpoint(folder, loaded.fingerprint, vocabulary_fingerprint())
        needed = (("lora",) if config.trunk == "lora" else ()) + ("heads",) + (("vision",) if config.vision is not None else ())
        for part in needed:
            if part not in parts:
                raise CheckpointError(f"{folder} has no {part!r} part")
        library = parts["heads"].get("skill_library")
        if library is None:
            raise CheckpointError(f"{folder}: the heads part has no skill_library")
        model = cls.create(config, device, dtype, backbone=loaded, library=library)
        model.load_parts(parts)
        model.history = list(meta.history)
        return model, parts, meta

    # ------------------------------------------------------------------------------------ checkpoints
    def parts(self) -> dict[str, dict[str, torch.Tensor]]:
        out = {"heads": {k: v.detach().cpu().clone() for k, v in self.heads.state_dict().items()}}
        if self.config.trunk == "lora":
            out["lora"] = {k: v.detach().float().cpu().clone() for k, v in lora_state(self.lm).items()}
        if self.vision is not None:
            out["vision"] = {k: v.detach().cpu().clone() for k, v in self.vision.state_dict().items()}
        return out

    def load_parts(self, parts: dict[str, dict[str, torch.Tensor]]) -> None:
        """Load whichever of lora / heads / vision are given (a pretrain checkpoint has lora only)."""
        try:
            if "lora" in parts:
                if self.config.trunk != "lora":
                    raise CheckpointError("the checkpoint has LoRA but this LARM's trunk is frozen")
                load_lora_state(self.lm, parts["lora"])
            if "heads" in parts:
                self.heads.load_state_dict(parts["heads"])
            if "vision" in parts:
                if self.vision is None:
                    raise CheckpointError("the checkpoint has a vision encoder but this LARM is configured without vision")
                self.vision.load_state_dict(parts["vision"])
        except (RuntimeError, ValueError, KeyError) as exc:
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(f"checkpoint parts do not fit this LARM: {str(exc).splitlines()[0]}") from exc

    def meta(self, history: list[dict[str, Any]]) -> CheckpointMeta:
        from skills.vocabulary import vocabulary_fingerprint

        configs: dict[str, Any] = {"larm": self.config.to_dict()}
        if self.config.trunk == "lora":
            configs["lora"] = asdict(self.config.lora)
        if self.config.vision is not None:
            configs["vision"] = asdict(self.config.vision)
        return CheckpointMeta(backbone=self.backbone.name, backbone_fingerprint=self.backbone.fingerprint,
                              vocabulary_fingerprint=vocabulary_fingerprint(self.vocab), configs=configs,
                              history=history)

    def save(self, folder: str | Path, history_entry: dict[str, Any],
             extra_parts: dict[str, dict[str, torch.Tensor]] | None = None,
             extra_configs: dict[str, Any] | None = None) -> Path:
        """Write LoRA, heads and vision (plus extra_parts, e.g. "cola") atomically, appending to the history."""
        history = self.history + [dict(history_entry)]
        meta = self.meta(history)
        meta.configs.update(extra_configs or {})
        path = save_checkpoint(folder, {**self.parts(), **(extra_parts or {})}, meta)
        self.history = history
        return path

    # ------------------------------------------------------------------------------------ inference set-up
    def prepare_inference(self) -> LarmModel:
        """Eval mode with LoRA merged into the backbone's weights (fewer matmuls per decision)."""
        self.eval()
        for p in self.parameters():
            p.requires_grad_(False)
        if self.config.trunk == "lora":
            self.lm.merge_adapter()
        return self

    # ------------------------------------------------------------------------------------ forward
    def prompt_ids(self, inputs: Sequence[DecisionInput]) -> list[PromptIds]:
        return [self.prompts.build(i.task, i.state, i.recent) for i in inputs]

    def _vision_embeddings(self, inputs: Sequence[DecisionInput]) -> torch.Tensor | None:
        if self.vision is None:
            return None
        frames = torch.from_numpy(_frame_batch([i.frame for i in inputs], self.config.vision.image_size))
        tokens = self.vision(frames.to(self.device))
        assert self.heads.vision_proj is not None
        projected = self.heads.vision_proj(tokens)
        projected = projected / (projected.pow(2).mean(-1, keepdim=True).sqrt() + 1e-6) * self.heads.vision_scale
        return projected.to(self.backbone_dtype)

    def prompt_states(self, inputs: Sequence[DecisionInput]) -> list[torch.Tensor]:
        """Trunk frozen: each decision's L×H last hidden states of its prompt (fp32; no gradient: the backbone
        is frozen, so these can be computed once and kept)."""
        if self.config.trunk != "frozen":
            raise ValueError("prompt_states is for trunk 'frozen' (trunk 'lora' trains through the backbone)")
        if not inputs:
            raise ValueError("prompt_states needs at least one decision input")
        dev = self.device
        rows = [torch.tensor(p.before + p.after, dtype=torch.long, device=dev) for p in self.prompt_ids(inputs)]
        lengths = torch.tensor([len(r) for r in rows], device=dev)
        ids = nn.utils.rnn.pad_sequence(rows, batch_first=True)
        attention = (torch.arange(ids.shape[1], device=dev).unsqueeze(0) < lengths.unsqueeze(1)).long()
        with torch.no_grad():
            hidden = self.text_model(input_ids=ids, attention_mask=attention, use_cache=False).last_hidden_state.float()
        return [hidden[b, :int(n)] for b, n in enumerate(lengths)]

    def read_out(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        """Trunk frozen: B×H from prompt_states (one readout for the batch)."""
        assert self.heads.readout is not None
        x = nn.utils.rnn.pad_sequence([s.to(self.device) for s in states], batch_first=True)
        lengths = torch.tensor([len(s) for s in states], device=self.device)
        padding = torch.arange(x.shape[1], device=self.device).unsqueeze(0) >= lengths.unsqueeze(1)
        return self.heads.readout(x, padding)

    def encode(self, inputs: Sequence[DecisionInput]) -> torch.Tensor:
        """B×H (fp32): the last hidden state at the appended skill token (trunk lora), or the readout over the
        prompt's states (trunk frozen); one backbone forward for the batch."""
        if not inputs:
            raise ValueError("encode needs at least one decision input")
        if self.config.trunk == "frozen":
            return self.read_out(self.prompt_states(inputs))
        prompts = self.prompt_ids(inputs)
        embed = self.backbone.input_embeddings()
        dev, dt = self.device, self.backbone_dtype
        vision = self._vision_embeddings(inputs)
        skill = self.heads.skill_token.to(dt).unsqueeze(0)
        rows = []
        for b, p in enumerate(prompts):
            ids = torch.tensor(p.before + p.after, dtype=torch.long, device=dev)
            words = embed(ids)
            pieces = [words[:len(p.before)]]
            if vision is not None:
                pieces.append(vision[b])
            pieces += [words[len(p.before):], skill]
            rows.append(torch.cat(pieces))
        lengths = torch.tensor([r.shape[0] for r in rows], device=dev)
        if len(rows) == 1:
            x, attention = rows[0].unsqueeze(0), None
        else:  # right padding: causal attention keeps pads out of every real position, no position shift
            x = nn.utils.rnn.pad_sequence(rows, batch_first=True)
            attention = (torch.arange(x.shape[1], device=dev).unsqueeze(0) < lengths.unsqueeze(1)).long()
        hidden = self.text_model(inputs_embeds=x, attention_mask=attention, use_cache=False).last_hidden_state
        return hidden[torch.arange(len(rows), device=dev), lengths - 1].float()

    def skill_logits(self, hidden: torch.Tensor, mask: torch.Tensor | np.ndarray | None = None) -> torch.Tensor:
        """B×V scaled dot products of the actor output with the projected skill library; -inf where masked.

        A row whose mask allows nothing is left unmasked (a softmax over nothing is undefined).
        """
        keys = self.heads.skill_proj(self.heads.skill_library)
        logits = self.heads.actor(hidden.float()) @ keys.T / math.sqrt(keys.shape[1])
        if mask is None:
            return logits
        mask = torch.as_tensor(np.asarray(mask) if not isinstance(mask, torch.Tensor) else mask,
                               dtype=torch.bool, device=logits.device)
        if mask.shape != logits.shape:
            raise ValueError(f"mask shape {tuple(mask.shape)} does not match the logits {tuple(logits.shape)}")
        mask = mask | ~mask.any(dim=1, keepdim=True)
        return logits.masked_fill(~mask, float("-inf"))

    def argument_logits(self, hidden: torch.Tensor, skills: torch.Tensor) -> torch.Tensor:
        """B×A logits over argument_values() for each row's chosen skill; -inf where its verb takes no such
        value (a verb without an argument leaves its row unmasked: there is nothing to choose)."""
        if self.heads.argument is None:
            raise ValueError("this LARM has no argument head (a checkpoint made before it): its skills run with "
                             "their default arguments")
        keys = self.heads.skill_proj(self.heads.skill_library)[skills]
        logits = self.heads.argument(torch.cat([hidden.float(), keys], dim=-1))
        allowed = self.heads.argument_masks[skills]
        allowed = allowed | ~allowed.any(dim=1, keepdim=True)
        return logits.masked_fill(~allowed, float("-inf"))

    def value(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.heads.critic(hidden.float()).squeeze(-1)

    def masks(self, inputs: Sequence[DecisionInput]) -> torch.Tensor:
        v = len(self.vocab)
        for i in inputs:
            if np.asarray(i.mask).shape != (v,):
                raise ValueError(f"a decision's mask has shape {np.asarray(i.mask).shape}, expected ({v},)")
        return torch.from_numpy(np.stack([np.asarray(i.mask, dtype=bool) for i in inputs])).to(self.device)

    def forward(self, inputs: Sequence[DecisionInput]) -> LarmOutput:  # type: ignore[override]
        hidden = self.encode(inputs)
        return self.decide(hidden, self.masks(inputs))

    def decide(self, hidden: torch.Tensor, masks: torch.Tensor) -> LarmOutput:
        return LarmOutput(self.skill_logits(hidden, masks), self.value(hidden), hidden)

    def trainable_parameters(self, vision: bool = True) -> list[nn.Parameter]:
        """LoRA adapters, heads (projector, skill token, actor, critic, skill projection), and the vision encoder."""
        params = [p for n, p in self.lm.named_parameters() if "lora_" in n] if self.config.trunk == "lora" else []
        params += list(self.heads.parameters())
        if vision and self.vision is not None:
            params += list(self.vision.parameters())
        return params
