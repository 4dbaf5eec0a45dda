"""CoLA at the level of skill decisions: Gumbel straight-through, inverse dynamics + decoder, latent BC, PPO.

The fast tests run the CoLA modules on synthetic hidden states with a fixed linear "LARM skill head", so they
test the mechanism (does the latent carry the information the decoder needs, does PPO move the latent policy)
without a backbone. The phase runners are tested end to end on the tiny-random LARM; the live cola-rl run
on an embedded world is marked slow.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import gymnasium as gym
import pytest
import torch

from brain.model.checkpoint import CheckpointError, CheckpointMeta, load_checkpoint, save_checkpoint
from brain.model.cola import Cola, ColaConfig, code_usage, gumbel_softmax_st, usage_regulariser
from brain.training import cola_bc, cola_idm, cola_rl
from brain.training.cola_bc import idm_labels, train_latent_bc
from brain.training.cola_common import Encoded, Start, cola_from_checkpoint, evaluate_offline, save_cola
from brain.training.cola_idm import train_idm_decoder
from brain.training.ppo import PpoSettings, Rollout, compute_gae, kl_divergence, ppo_update

H, V = 16, 8


class LinearHead:
    """Stands in for LarmModel.skill_logits: a fixed random linear map, masked with -inf."""

    def __init__(self, hidden: int = H, skills: int = V, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.W = torch.randn(hidden, skills, generator=g) / math.sqrt(hidden)

    def skill_logits(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        logits = h @ self.W
        return logits if mask is None else logits.masked_fill(~mask, float("-inf"))


def small_config(**kw: Any) -> ColaConfig:
    base = dict(hidden_size=H, num_skills=V, num_codes=16, code_dim=16, skill_dim=16, idm_hidden=64,
                decoder_hidden=64, policy_hidden=64)
    base.update(kw)
    return ColaConfig(**base)


def synthetic(n: int, seed: int, skill_from_state: bool, scale: float = 1.0) -> Encoded:
    """Decisions whose skill shows in (h_t, h_next): h_next = h_t + 3·P[skill].

    skill_from_state False: the skill is random, so h_t alone says nothing about it.
    skill_from_state True: the skill is argmax(h_t[:V]), a function of the state (what a policy can learn).
    """
    g = torch.Generator().manual_seed(seed)
    P = torch.randn(V, H, generator=torch.Generator().manual_seed(123))
    h = torch.randn(n, H, generator=g)
    skill = h[:, :V].argmax(-1) if skill_from_state else torch.randint(0, V, (n,), generator=g)
    h_next = h + 3 * P[skill]
    has_next = torch.ones(n, dtype=torch.bool)
    has_next[::10] = False                     # some episode ends: the learned end vector stands in
    h_next[~has_next] = 0
    return Encoded(h * scale, h_next * scale, has_next, skill, torch.ones(n, V, dtype=torch.bool))


def quiet(_: str) -> None:
    pass


@pytest.fixture(autouse=True)
def one_thread() -> Any:
    """Small matrices: one thread is faster than two fighting over a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------------------------------ Gumbel

def test_straight_through_gumbel_is_one_hot_forward_with_soft_gradients() -> None:
    logits = torch.randn(32, 10, requires_grad=True)
    z, index = gumbel_softmax_st(logits, tau=2.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(z.detach(), torch.nn.functional.one_hot(index, 10).float())   # exactly one-hot forward
    weights = torch.randn(10)
    (z * weights).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0                    # the soft gradient flows
    # Sampling follows the logits: a strongly preferred code is drawn almost always.
    peaked = torch.zeros(1000, 4)
    peaked[:, 2] = 8.0
    _, idx = gumbel_softmax_st(peaked, tau=2.0, generator=torch.Generator().manual_seed(1))
    assert (idx == 2).float().mean() > 0.9


def test_code_usage_and_regulariser() -> None:
    assert code_usage(torch.zeros(50, dtype=torch.long), 8) == {"codes_used": 1, "perplexity": 1.0}
    uniform = code_usage(torch.arange(64) % 8, 8)
    assert uniform["codes_used"] == 8 and uniform["perplexity"] == pytest.approx(8.0)
    assert float(usage_regulariser(torch.zeros(4, 8))) == pytest.approx(0.0, abs=1e-6)
    collapsed = torch.full((4, 8), -20.0)
    collapsed[:, 0] = 20.0
    assert float(usage_regulariser(collapsed)) == pytest.approx(math.log(8), abs=1e-3)


def test_shapes_are_checked() -> None:
    cola = Cola(small_config())
    with pytest.raises(ValueError, match="B×16"):
        cola.latent_policy(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="hidden_size"):
        Cola(ColaConfig())


def test_decoder_starts_as_larm_head() -> None:
    cola, head = Cola(small_config()), LinearHead()
    h = torch.randn(5, H)
    z = cola.code_onehot(torch.tensor([0, 3, 5, 7, 9]))
    assert torch.equal(cola.decode(head, h, z, None), head.skill_logits(h, None))


# ------------------------------------------------------------------------------------------ phases 1 and 2

def test_idm_and_decoder_recover_a_skill_hidden_from_the_state() -> None:
    torch.manual_seed(0)
    head = LinearHead()
    # Hidden states far from unit size (as a real backbone's are): the code must still get through.
    train, held = synthetic(768, 1, False, scale=50.0), synthetic(256, 2, False, scale=50.0)
    cola = Cola(small_config())
    curve = train_idm_decoder(head, cola, train, steps=300, batch=64, lr=3e-3, seed=0, progress=quiet, log_every=50)
    assert curve[-1]["reconstruction"] < 0.5 * curve[0]["reconstruction"]
    report = evaluate_offline(head, cola, held)
    # With the inverse-dynamics code the decoder names the skill; from h_t alone nothing can (chance = 1/8).
    assert report["decoder_accuracy"] > 0.85, report
    assert report["larm_accuracy"] < 0.3 and report["best_fixed_code_accuracy"] < 0.35, report
    assert report["codes_used"] >= V and report["perplexity"] > V * 0.7, report


def test_latent_bc_imitates_the_inverse_dynamics_codes() -> None:
    torch.manual_seed(0)
    head = LinearHead()
    train, held = synthetic(1024, 3, skill_from_state=True), synthetic(256, 4, skill_from_state=True)
    cola = Cola(small_config(num_codes=V))   # as many codes as skills: a code is a function of the state
    train_idm_decoder(head, cola, train, steps=250, batch=64, lr=3e-3, seed=0, progress=quiet, log_every=50)
    before = evaluate_offline(head, cola, held)
    codes = idm_labels(cola, train)
    curve = train_latent_bc(cola, train.h, codes, steps=300, batch=64, lr=3e-3, seed=0, progress=quiet, log_every=50)
    assert curve[-1]["loss"] < curve[0]["loss"]
    after = evaluate_offline(head, cola, held)
    assert after["policy_agreement"] > 0.8 and after["policy_agreement"] > before["policy_agreement"] + 0.4, after
    # The full chain π -> decoder acts like the recorded policy, which LARM's (random) head does not.
    assert after["chain_accuracy"] > 0.8 and after["larm_accuracy"] < 0.4, after


# ------------------------------------------------------------------------------------------ PPO

def test_gae_matches_a_hand_computation() -> None:
    r = torch.tensor([1.0, 0.0, 2.0])
    v = torch.tensor([0.5, 0.2, 0.1])
    nv = torch.tensor([0.2, 0.1, 0.7])
    term = torch.tensor([False, False, True])
    ended = torch.tensor([False, True, True])
    adv, ret = compute_gae(r, v, nv, term, ended, gamma=0.9, lam=0.8)
    d2 = 2.0 - 0.1                          # terminal: no bootstrap
    d1 = 0.0 + 0.9 * 0.1 - 0.2              # truncated: bootstrap, but no flow from step 2
    d0 = 1.0 + 0.9 * 0.2 - 0.5
    expected = torch.tensor([d0 + 0.9 * 0.8 * d1, d1, d2])
    assert torch.allclose(adv, expected) and torch.allclose(ret, expected + v)


def test_kl_is_exact() -> None:
    a, b = torch.randn(6, 5), torch.randn(6, 5)
    ref = torch.distributions.kl_divergence(torch.distributions.Categorical(logits=a),
                                            torch.distributions.Categorical(logits=b))
    assert torch.allclose(kl_divergence(a, b), ref, atol=1e-6)
    assert torch.allclose(kl_divergence(a, a), torch.zeros(6), atol=1e-6)


def _bandit(kl_coef: float, iterations: int = 15) -> tuple[float, float, float]:
    """Contextual bandit: reward 1 for code 3. Returns (P(3) before, P(3) after, KL to the start policy)."""
    torch.manual_seed(0)
    cola = Cola(ColaConfig(hidden_size=8, num_skills=4, num_codes=8, policy_hidden=32))
    h = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref_logits = cola.latent_policy(h)
    p_before = float(torch.softmax(ref_logits, -1)[:, 3].mean())
    params = [*cola.policy.parameters(), *cola.critic.parameters()]
    optimizer = torch.optim.Adam(params, lr=3e-3)
    settings = PpoSettings(kl_coef=kl_coef, ent_coef=0.0, minibatch_size=32, epochs=4)
    g = torch.Generator().manual_seed(1)
    for _ in range(iterations):
        with torch.no_grad():
            logits = cola.latent_policy(h)
            codes = torch.multinomial(torch.softmax(logits, -1), 1, generator=g).squeeze(1)
            logprobs = torch.log_softmax(logits, -1).gather(1, codes[:, None]).squeeze(1)
            values = cola.value(h)
        rollout = Rollout(hidden=h, codes=codes, logprobs=logprobs, values=values, ref_logits=ref_logits,
                          rewards=(codes == 3).float(), terminated=torch.ones(64, dtype=torch.bool),
                          ended=torch.ones(64, dtype=torch.bool), next_values=torch.zeros(64))
        stats = ppo_update(cola, params, optimizer, rollout, settings, generator=g)
        assert math.isfinite(stats["policy_loss"]) and stats["kl_ref"] >= 0
    with torch.no_grad():
        logits = cola.latent_policy(h)
    return p_before, float(torch.softmax(logits, -1)[:, 3].mean()), float(kl_divergence(logits, ref_logits).mean())


def test_ppo_moves_the_latent_policy_toward_rewarded_codes_and_kl_holds_it_back() -> None:
    before, free_after, free_kl = _bandit(kl_coef=0.0)
    _, held_after, held_kl = _bandit(kl_coef=2.0)
    assert before < 0.25 and free_after > 0.6, (before, free_after)
    assert held_kl < free_kl and held_after < free_after, (held_kl, free_kl, held_after, free_after)


# ------------------------------------------------------------------------------------------ checkpoints

def test_checkpoint_round_trip_of_the_cola_part(tmp_path: Path) -> None:
    cola = Cola(small_config(num_codes=12))
    with torch.no_grad():
        for p in cola.parameters():
            p.add_(torch.randn_like(p))
    other = {"heads": {"actor.weight": torch.randn(3, 4)}}
    meta = CheckpointMeta(backbone="tiny-random", backbone_fingerprint="b" * 64, vocabulary_fingerprint="v" * 64,
                          configs={"larm": {"x": 1}}, history=[{"phase": "bc"}])
    start = Start(larm=None, parts=other, meta=meta)
    save_cola(tmp_path / "ck", start, cola, {"phase": "cola-idm"})
    parts, meta2 = load_checkpoint(tmp_path / "ck")
    assert torch.equal(parts["heads"]["actor.weight"], other["heads"]["actor.weight"])   # copied through
    assert [h["phase"] for h in meta2.history] == ["bc", "cola-idm"] and meta.history == [{"phase": "bc"}]
    loaded = cola_from_checkpoint(parts, meta2, "ck")
    assert loaded.config == cola.config
    for name, t in cola.state_dict().items():
        assert torch.equal(t, loaded.state_dict()[name]), name
    h = torch.randn(3, H)
    assert torch.equal(cola.latent_policy(h), loaded.latent_policy(h))
    save_checkpoint(tmp_path / "plain", other, meta)
    with pytest.raises(CheckpointError, match="no CoLA part"):
        cola_from_checkpoint(*load_checkpoint(tmp_path / "plain"), "plain")


# ------------------------------------------------------------------------------------------ the phases end to end

TOY_TOKENS = ("mine:oak_log", "mine:dirt", "kill:cow", "explore")


def toy_session(folder: Path, seed: int, steps: int = 12) -> None:
    """A recorded session on states whose preconditions hold with an empty inventory: the 'expert' picks
    the token named by the count of logs it holds (so the skill is readable from the state)."""
    from agent.recording import SessionRecorder

    rng = np.random.default_rng(seed)
    with SessionRecorder(folder, {"task": "wooden_sword", "seed": seed, "policy": "toy"}) as rec:
        state: dict[str, Any] = {"inventory": {}, "health": 20, "food": 20}
        rec.log_reset(f"task: toy\ninventory: empty\nseed {seed}", state=state,
                      frame=rec.add_frame(np.full((24, 24, 3), seed * 10 % 255, np.uint8)))
        logs = 0
        for k in range(1, steps + 1):
            token = TOY_TOKENS[logs]                 # decided on the state before the step
            text = f"task: toy\ninventory: oak_log {logs}\nstep {k}"
            logs = int(rng.integers(0, 4))
            state = {"inventory": {"oak_log": logs} if logs else {}, "health": 20, "food": 20}
            rec.log_step(k, text, token, {"token": token, "ok": True}, 0.0, frame=rec.add_frame(
                rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)), state=state)


class ToyEnv(gym.Env):
    """A stand-in for MinecraftEnv: reward 1 for mine:oak_log, episodes of 3 steps."""

    def __init__(self) -> None:
        from skills.vocabulary import action_mask, vocabulary

        self.action_space = gym.spaces.Discrete(len(vocabulary()))
        self.vocab = vocabulary()
        self.mask = action_mask(self.vocab, {})
        self.t = 0
        self.resets = 0

    def _obs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"text": f"task: toy\nstep {self.t}", "frame": np.zeros((24, 24, 3), np.uint8)},
                {"action_mask": self.mask, "state": {"inventory": {}, "health": 20, "food": 20}})

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.t, self.resets = 0, self.resets + 1
        return self._obs()

    def step(self, action: int) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        assert self.mask[action], "the decoder picked a masked skill"
        self.t += 1
        obs, info = self._obs()
        return obs, float(self.vocab[action].token == "mine:oak_log"), self.t >= 3, False, info


@pytest.fixture(scope="module")
def larm_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh tiny-random LARM saved as a checkpoint (stands in for the bc phase's output)."""
    from brain.model.larm import LarmConfig, LarmModel

    folder = tmp_path_factory.mktemp("larm") / "bc"
    LarmModel.create(LarmConfig(backbone="tiny-random"), "cpu").save(folder, {"phase": "bc"})
    return folder


def test_phases_idm_bc_rl_write_checkpoints(tmp_path: Path, larm_checkpoint: Path) -> None:
    from brain.training.options import TrainOptions

    for seed in range(3):
        toy_session(tmp_path / "sessions" / f"s{seed}", seed)
    common = dict(sessions=[tmp_path / "sessions"], backbone="tiny-random", device="cpu", eval_fraction=0.34,
                  log_every=20)
    idm = cola_idm.run(TrainOptions(phase="cola-idm", out=tmp_path / "idm", init=larm_checkpoint, steps=40, lr=3e-3,
                           extra={"num_codes": "16", "batch": "16"}, **common), quiet)
    assert idm["train_decisions"] == 24 and idm["held_out_decisions"] == 12
    assert idm["curve"][-1]["reconstruction"] < idm["curve"][0]["reconstruction"]
    assert idm["train"]["decoder_accuracy"] > idm["train"]["larm_accuracy"]
    assert 1 <= idm["held_out"]["codes_used"] <= 16 and idm["held_out"]["perplexity"] >= 1.0
    bc = cola_bc.run(TrainOptions(phase="cola-bc", out=tmp_path / "bc", init=tmp_path / "idm", steps=40, lr=3e-3, **common),
             quiet)
    assert bc["train"]["policy_agreement"] > 0.8
    parts, meta = load_checkpoint(tmp_path / "bc")
    base, _ = load_checkpoint(larm_checkpoint)
    assert [h["phase"] for h in meta.history] == ["bc", "cola-idm", "cola-bc"]
    assert meta.configs["cola"]["num_codes"] == 16
    for part in base:                                        # LARM's own parts copied through unchanged
        assert all(torch.equal(t, parts[part][k]) for k, t in base[part].items()), part
    _plays_the_cola_path(tmp_path / "bc", larm_checkpoint, tmp_path / "sessions")
    env = ToyEnv()
    rl = cola_rl.run(TrainOptions(phase="cola-rl", out=tmp_path / "rl", init=tmp_path / "bc", steps=7, device="cpu",
                             extra={"rollout": "4", "minibatch_size": "4"}), quiet, env=env)
    assert rl["env_steps"] == 7 and len(rl["updates"]) == 2 and rl["episodes_finished"] == 2 and env.resets == 3
    assert rl["kl_ref"] >= -1e-6 and 1 <= rl["codes_used"] <= 16          # a KL, up to float rounding
    _, meta = load_checkpoint(tmp_path / "rl")
    assert meta.history[-1]["phase"] == "cola-rl"
    with pytest.raises(ValueError, match="has no setting tau"):
        cola_bc.run(TrainOptions(phase="cola-bc", out=tmp_path / "x", init=tmp_path / "idm", extra={"tau": "1"}, **common),
            quiet)
    fresh = cola_idm.run(TrainOptions(phase="cola-idm", out=tmp_path / "fresh", steps=5, extra={"num_codes": "4"}, **common),
                quiet)                                # no --init: a fresh LARM, saved with the cola part
    _, meta = load_checkpoint(tmp_path / "fresh")
    assert fresh["held_out"]["codes_used"] <= 4 and {"larm", "cola"} <= set(meta.configs)
    with pytest.raises(ValueError, match="batch=x: expected a value of type int"):
        cola_idm.run(TrainOptions(phase="cola-idm", out=tmp_path / "x", init=larm_checkpoint, extra={"batch": "x"}, **common),
            quiet)
    with pytest.raises(CheckpointError, match="no CoLA part"):
        cola_bc.run(TrainOptions(phase="cola-bc", out=tmp_path / "x", init=larm_checkpoint, **common), quiet)


def _plays_the_cola_path(cola_checkpoint: Path, plain_checkpoint: Path, sessions: Path) -> None:
    """The live policy plays a checkpoint's CoLA path (latent policy, decoder, skill head) when it has one:
    cola-bc taught it the toy expert's decisions, while LARM's own skill head was never trained."""
    from brain.data.decisions import load_decisions
    from brain.policy import LarmPolicy

    decisions = load_decisions([sessions])

    def agreement(policy: LarmPolicy) -> float:
        right = 0
        for d in decisions:
            info = {"state": d.input.state, "recent": d.input.recent, "action_mask": d.input.mask}
            right += policy.act({"frame": d.input.frame}, info)[0] == policy.vocab[d.skill].token
        return right / len(decisions)

    auto = LarmPolicy(str(cola_checkpoint), "wooden_sword")
    assert auto.head == "cola" and LarmPolicy(str(cola_checkpoint), "wooden_sword", head="skill").head == "skill"
    assert agreement(auto) >= 0.75 > agreement(LarmPolicy(str(cola_checkpoint), "wooden_sword", head="skill"))
    with pytest.raises(ValueError, match="has no CoLA part"):
        LarmPolicy(str(plain_checkpoint), "wooden_sword", head="cola")
    assert LarmPolicy(str(plain_checkpoint), "wooden_sword").head == "skill"


@pytest.mark.slow
def test_cola_rl_runs_on_a_live_embedded_world(tmp_path: Path, larm_checkpoint: Path) -> None:
    from brain.model.larm import LarmModel
    from brain.training.options import TrainOptions

    larm, parts, meta = LarmModel.from_checkpoint(larm_checkpoint)
    cola = Cola(ColaConfig(hidden_size=larm.hidden_size, num_skills=len(larm.vocab), num_codes=8))
    save_cola(tmp_path / "bc", Start(larm, parts, meta), cola, {"phase": "cola-bc"})
    report = cola_rl.run(TrainOptions(phase="cola-rl", out=tmp_path / "rl", init=tmp_path / "bc", steps=3, device="cpu",
                              extra={"rollout": "2", "episode_steps": "10", "minibatch_size": "2"}), print)
    assert report["env_steps"] == 3 and len(report["updates"]) == 2
    assert all(np.isfinite(u["policy_loss"]) for u in report["updates"])
    assert load_checkpoint(tmp_path / "rl")[1].history[-1]["phase"] == "cola-rl"
