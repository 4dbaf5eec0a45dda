"""CoLA (Jia et al., ICML 2025) at the level of skill decisions: a small discrete space of latent *intents*.

LARM picks one skill out of ~170 per decision. CoLA puts a codebook of K latent intents (64 by default)
between LARM's hidden state and its skill-matching head, so that RL acts in the K codes instead of the skills.
Every module reads LARM's hidden state at the skill token, ``h`` (B×H), computed by ``LarmModel.encode``:

- **codebook**: K learned vectors e_k (K×D);
- **inverse dynamics** q(z | h_t, skill taken, h_{t+1}): sees what was done and what came of it (an MLP over
  [h_t; skill embedding; h_{t+1}], K logits). At the last step of an episode there is no next state; a learned
  "end" vector stands in for it;
- **decoder** p(skill | h_t, z), CoLA's "world model": merges e_z into the hidden state with a residual MLP,
  h' = h_t + rms(h_t)·MLP([norm(h_t); e_z]), then LARM's *own* skill head: ``larm.skill_logits(h', mask)``. The MLP's
  last layer starts at zero, so before training the decoder is exactly LARM's behaviour-cloned policy;
- **latent policy** π(z | h_t): an MLP, K logits; and a value head V(h_t) for PPO in the latent space.

Codes are assigned by straight-through Gumbel-softmax (hard one-hot forward, soft gradient, τ = 2), not by
vector quantisation, as in CoLA. Against code collapse (all decisions mapped to a few codes) a small
regulariser pushes the batch-average code distribution towards uniform (CoLA's "entropy-style" term; the
exact form is ours: KL(mean_b q(·|x_b) ‖ uniform) = log K − H(mean_b q)).

The module works on plain tensors; the only thing it needs from LARM is the skill head (a callable
``(hidden B×H, mask B×V | None) -> logits B×V``, or any object with a ``skill_logits`` method).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

SkillHead = Callable[[torch.Tensor, "torch.Tensor | None"], torch.Tensor]


@dataclass
class ColaConfig:
    hidden_size: int = 0            # H: LARM's hidden size (640 for Gemma 3 270M); set from the LARM model
    num_skills: int = 0             # V: size of the skill vocabulary
    num_codes: int = 64             # K: latent intents (64 in the paper)
    code_dim: int = 64              # D: width of a codebook vector
    skill_dim: int = 64             # width of the inverse-dynamics model's own embedding of the skill taken
    idm_hidden: int = 256
    idm_layers: int = 2             # hidden layers of each MLP below
    decoder_hidden: int = 256
    decoder_layers: int = 2
    policy_hidden: int = 256
    policy_layers: int = 2
    tau: float = 2.0                # Gumbel-softmax temperature (CoLA: 2)
    usage_weight: float = 0.05      # weight of the anti-collapse regulariser (log K − H(mean code distribution))

    def validate(self) -> None:
        if self.hidden_size <= 0 or self.num_skills <= 0:
            raise ValueError(f"ColaConfig needs hidden_size and num_skills > 0 (taken from the LARM model), "
                             f"got hidden_size={self.hidden_size}, num_skills={self.num_skills}")
        if self.num_codes < 2:
            raise ValueError(f"num_codes must be at least 2, got {self.num_codes}")
        if self.tau <= 0:
            raise ValueError(f"tau must be > 0, got {self.tau}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "ColaConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown ColaConfig fields {sorted(unknown)}")
        return cls(**dict(raw))


# ----------------------------------------------------------------------------------------- pieces

def mlp(in_dim: int, hidden: int, out_dim: int, layers: int, norm: bool = True) -> nn.Sequential:
    """[LayerNorm] -> [Linear, GELU] * layers -> Linear(out).

    The LayerNorm is for inputs that are a hidden state alone (LARM's hidden states are far from unit scale);
    an input that concatenates a hidden state with a learned vector normalises the hidden state separately,
    or the large hidden state would drown the vector.
    """
    mods: list[nn.Module] = [nn.LayerNorm(in_dim)] if norm else []
    width = in_dim
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.GELU()]
        width = hidden
    mods.append(nn.Linear(width, out_dim))
    return nn.Sequential(*mods)


def gumbel_softmax_st(logits: torch.Tensor, tau: float, hard: bool = True,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Straight-through Gumbel-softmax: (one-hot sample B×K with soft gradients, sampled index B).

    soft = softmax((logits + g) / τ) with g ~ Gumbel(0, 1); the forward value is the one-hot of argmax(soft)
    and the backward pass uses soft's gradient (``hard - soft.detach() + soft``).
    """
    # Draw the noise where the generator lives (a CPU generator also serves a CUDA model).
    where = generator.device if generator is not None else logits.device
    u = torch.rand(logits.shape, generator=generator, device=where, dtype=logits.dtype).to(logits.device)
    gumbel = -torch.log(-torch.log(u.clamp(1e-10, 1.0 - 1e-7)))
    soft = torch.softmax((logits + gumbel) / tau, dim=-1)
    index = soft.argmax(dim=-1)
    if not hard:
        return soft, index
    one_hot = F.one_hot(index, logits.shape[-1]).to(soft.dtype)
    return one_hot - soft.detach() + soft, index


def code_usage(codes: torch.Tensor, num_codes: int) -> dict[str, float]:
    """How many distinct codes a set of assignments uses, and the perplexity exp(H) of their histogram.

    Perplexity is the 'effective number of codes': 1 when all decisions share one code, K when uniform.
    """
    if codes.numel() == 0:
        return {"codes_used": 0, "perplexity": 0.0}
    counts = torch.bincount(codes.flatten().cpu(), minlength=num_codes).double()
    p = counts / counts.sum()
    entropy = -(p[p > 0] * p[p > 0].log()).sum().item()
    return {"codes_used": int((counts > 0).sum().item()), "perplexity": float(math.exp(entropy))}


def usage_regulariser(logits: torch.Tensor) -> torch.Tensor:
    """log K − H(mean_b softmax(logits_b)) ≥ 0: zero when the batch spreads evenly over the codes."""
    mean_p = torch.softmax(logits, dim=-1).mean(dim=0)
    entropy = -(mean_p * torch.log(mean_p.clamp_min(1e-12))).sum()
    return math.log(logits.shape[-1]) - entropy


def _skill_head(larm: Any) -> SkillHead:
    head = getattr(larm, "skill_logits", larm)
    if not callable(head):
        raise TypeError(f"decode needs a LarmModel (or a callable skill head), got {type(larm).__name__}")
    return head


# ----------------------------------------------------------------------------------------- the module

class Cola(nn.Module):
    def __init__(self, config: ColaConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        H, K, D, V = config.hidden_size, config.num_codes, config.code_dim, config.num_skills
        # The codebook: one learned vector per latent intent.
        self.codebook = nn.Parameter(torch.randn(K, D) / math.sqrt(D))
        # Inverse dynamics q(z | h_t, skill, h_{t+1}).
        self.skill_embedding = nn.Embedding(V, config.skill_dim)
        self.end_state = nn.Parameter(torch.zeros(H))        # stands in for h_{t+1} after the last step
        self.idm_norm = nn.LayerNorm(H)                       # applied to h_t and h_{t+1}
        self.idm = mlp(2 * H + config.skill_dim, config.idm_hidden, K, config.idm_layers, norm=False)
        # Decoder: residual merge of e_z into h_t; the last layer starts at zero (decoder == LARM at first).
        self.merge_norm = nn.LayerNorm(H)
        self.merge = mlp(H + D, config.decoder_hidden, H, config.decoder_layers, norm=False)
        nn.init.zeros_(self.merge[-1].weight)
        nn.init.zeros_(self.merge[-1].bias)
        # Latent policy π(z | h_t) and its critic (used by PPO in the code space). Their own norms: RL trains
        # these two alone and must not move anything the inverse dynamics or the decoder read.
        self.policy = mlp(H, config.policy_hidden, K, config.policy_layers)
        self.critic = mlp(H, config.policy_hidden, 1, config.policy_layers)

    def world_model_parameters(self) -> list[nn.Parameter]:
        """What phase 1 trains: codebook, inverse dynamics, decoder merge (not the policy or critic)."""
        return [self.codebook, self.end_state, *self.skill_embedding.parameters(), *self.idm_norm.parameters(),
                *self.idm.parameters(), *self.merge_norm.parameters(), *self.merge.parameters()]

    def policy_parameters(self) -> list[nn.Parameter]:
        """What phases 2 (the policy) and 3 (policy and critic) train."""
        return [*self.policy.parameters(), *self.critic.parameters()]

    @property
    def num_codes(self) -> int:
        return self.config.num_codes

    def _check_hidden(self, h: torch.Tensor, name: str) -> None:
        if h.dim() != 2 or h.shape[1] != self.config.hidden_size:
            raise ValueError(f"{name} must be B×{self.config.hidden_size} (LARM hidden states), got {tuple(h.shape)}")

    # ---- inverse dynamics
    def inverse_dynamics(self, h_t: torch.Tensor, skill_index: torch.Tensor, h_next: torch.Tensor | None,
                         has_next: torch.Tensor | None = None) -> torch.Tensor:
        """Logits B×K of the intent behind taking `skill_index` in h_t and reaching h_next.

        h_next None (or rows where has_next is False) means the episode ended there: the learned end vector
        is used instead.
        """
        self._check_hidden(h_t, "h_t")
        if skill_index.shape != (h_t.shape[0],):
            raise ValueError(f"skill_index must have shape ({h_t.shape[0]},), got {tuple(skill_index.shape)}")
        end = self.end_state.to(h_t.dtype).expand_as(h_t)
        if h_next is None:
            h_next = end
        else:
            self._check_hidden(h_next, "h_next")
            if has_next is not None:
                h_next = torch.where(has_next.view(-1, 1).to(torch.bool), h_next, end)
        x = torch.cat([self.idm_norm(h_t), self.skill_embedding(skill_index), self.idm_norm(h_next)], dim=-1)
        return self.idm(x)

    def assign(self, idm_logits: torch.Tensor, sample: bool = True,
               generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(one-hot code B×K, code index B): Gumbel straight-through when training, argmax otherwise."""
        if sample:
            return gumbel_softmax_st(idm_logits, self.config.tau, generator=generator)
        index = idm_logits.argmax(dim=-1)
        return F.one_hot(index, self.num_codes).to(idm_logits.dtype), index

    # ---- decoder
    def merge_code(self, h_t: torch.Tensor, z_onehot: torch.Tensor) -> torch.Tensor:
        """h' = h_t + rms(h_t) · MLP([norm(h_t); e_z]): the hidden state with the intent merged in.

        The change is measured in units of h_t's own size (rms over its features), so the same merge works on
        a backbone whose hidden states are of size 1 or of size 100.
        """
        self._check_hidden(h_t, "h_t")
        if z_onehot.shape != (h_t.shape[0], self.num_codes):
            raise ValueError(f"z_onehot must be B×{self.num_codes}, got {tuple(z_onehot.shape)}")
        e_z = z_onehot.to(self.codebook.dtype) @ self.codebook          # B×D; differentiable in z and e
        delta = self.merge(torch.cat([self.merge_norm(h_t), e_z.to(h_t.dtype)], dim=-1))
        return h_t + h_t.pow(2).mean(-1, keepdim=True).sqrt() * delta

    def decode(self, larm: Any, h_t: torch.Tensor, z_onehot: torch.Tensor,
               mask: torch.Tensor | None) -> torch.Tensor:
        """Skill logits B×V of p(skill | h_t, z) through LARM's own skill-matching head (-inf where masked)."""
        return _skill_head(larm)(self.merge_code(h_t, z_onehot), mask)

    # ---- latent policy
    def latent_policy(self, h_t: torch.Tensor) -> torch.Tensor:
        """Logits B×K of π(z | h_t)."""
        self._check_hidden(h_t, "h_t")
        return self.policy(h_t)

    def value(self, h_t: torch.Tensor) -> torch.Tensor:
        """V(h_t), B: the critic of PPO in the latent space."""
        self._check_hidden(h_t, "h_t")
        return self.critic(h_t).squeeze(-1)

    def code_onehot(self, index: torch.Tensor) -> torch.Tensor:
        return F.one_hot(index, self.num_codes).to(self.codebook.dtype)

    # ---- losses of the first phase
    def idm_decoder_loss(self, larm: Any, h_t: torch.Tensor, skill: torch.Tensor, h_next: torch.Tensor | None,
                         has_next: torch.Tensor | None, mask: torch.Tensor | None,
                         generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Phase 1 loss: cross-entropy of the decoder's skill logits for the skill taken + the usage regulariser.

        The skill taken is always allowed in the mask (a recorded step whose precondition check disagrees
        with what the expert actually did would otherwise give an infinite loss).
        """
        logits_q = self.inverse_dynamics(h_t, skill, h_next, has_next)
        z, index = self.assign(logits_q, sample=True, generator=generator)
        if mask is not None:
            mask = mask.clone()
            mask[torch.arange(mask.shape[0], device=mask.device), skill] = True
        skill_logits = self.decode(larm, h_t, z, mask)
        reconstruction = F.cross_entropy(skill_logits, skill)
        usage = usage_regulariser(logits_q)
        return {"loss": reconstruction + self.config.usage_weight * usage, "reconstruction": reconstruction,
                "usage": usage, "codes": index, "skill_logits": skill_logits}


def cola_from_checkpoint(parts: Mapping[str, Mapping[str, torch.Tensor]], meta: Any, where: str) -> Cola:
    """The Cola module stored in a checkpoint (its parts and meta); a clear error when it has none."""
    from brain.model.checkpoint import CheckpointError

    if "cola" not in parts or "cola" not in meta.configs:
        raise CheckpointError(f"{where} has no CoLA part (phases run: {[h.get('phase') for h in meta.history]}); "
                              f"run --phase cola-idm first")
    cola = Cola(ColaConfig.from_dict(meta.configs["cola"]))
    cola.load_state_dict(parts["cola"])
    return cola
