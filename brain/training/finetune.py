"""`run_agent.py finetune`: online referee RL (LARM; papers.md, design sections 6 and 7), one readable loop.

    ./larm finetune --task T --referee oracle|openai|hf --init C --checkpoint-dir D --steps N [--latent] [--resume]

The policy plays fresh training-range worlds (episode i: world --set world_seed + i). After every skill the
referee judges (task, state before, skill and result, state after) on threads beside the bot; at the end
of each rollout its reward joins the environment's, r = (r_env + referee_weight · r_referee) · reward_scale,
and one PPO + GAE update (brain/training/ppo.py) trains:
- the skill head (default): LARM's actor over the skills its preconditions allow, and its critic; the
  backbone and the frozen trunk's readout stay as they are, so a rollout keeps LARM's hidden state h and
  an update never runs the backbone;
- or, with --latent, CoLA's latent policy π(z | h) and its critic, the decoder frozen (the skill is decoded
  greedily from h and z).
Either way a KL penalty keeps the policy near the one it started from (the init checkpoint's), and the
first --set value_warmup updates train the critic alone (the DAgger checkpoint's critic never learned).

D/latest is a LARM checkpoint that play and eval take; it also holds what --resume needs (the optimiser,
the counters, the random state), written in the same atomic save. A resumed run starts its next episode
in the next fresh world. Curves go to TensorBoard in D/tb: returns, tiers reached, the referee's class mix,
losses, KL, entropy, explained variance, decisions per second. The same numbers, each decision's rewards and
the referee's judgements go to a watcher (agent/dashboard/training.py: the dashboard's page, when one is served).
"""
from __future__ import annotations

import copy
import dataclasses
import io
import math
import shutil
import time
from collections import Counter
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from agent.dashboard.training import TrainingWatcher
from agent.env import DEFAULT_STUCK_AFTER, FAST_SPEED
from agent.seeds import check_training_seeds
from agent.tasks import TIERS, get_task
from brain.model.checkpoint import CheckpointError, read_meta
from brain.model.device import resolve_device
from brain.model.larm import LarmModel
from brain.policy import input_from_observation, skill_arguments
from brain.referee import Judgement, Question, Referee, RefereeRewards, Verdict
from brain.referee.background import BackgroundReferee
from brain.training.options import Progress
from brain.training.ppo import PpoSettings, Rollout, compute_gae, ppo_update
from world.embedded_server import check_speed

MASKED = -1e9   # a masked skill's logit in PPO: finite, so entropy and KL stay defined


@dataclass
class FinetuneSettings:
    """finetune's --set settings (beside PpoSettings)."""
    episode_steps: int = 150
    """decisions per episode before it is truncated"""
    rollout: int = 32
    """decisions per PPO update"""
    world_seed: int = 300_000
    """episode i plays world world_seed + i (training seeds only: agent/seeds.py)"""
    speed: float = FAST_SPEED
    """the embedded world's game clock, K times real time"""
    stuck_after: int = DEFAULT_STUCK_AFTER
    """end an episode after this many decisions without progress (0: never)"""
    referee_weight: float = 1.0
    """the referee's share of the reward (0: the environment's reward alone, the ablation's baseline arm)"""
    reward_scale: float = 0.1
    """both rewards are multiplied by this (milestones pay up to 20: keeps the critic's targets small)"""
    value_warmup: int = 1
    """updates at the start that train the critic alone"""
    save_every: int = 1
    """write D/latest every this many updates (and at the end)"""
    rewards: tuple[float, ...] = (0.5, 0.1, -0.1, -1.0)
    """r_a, r_b, r_c, r_d: the referee's reward per class"""
    temperature: float = 1.0
    """the policy PPO samples and trains is softmax(logits / temperature): above 1, a clone trained to near
    certainty still tries other skills (at p ~ 1 the policy gradient vanishes); play and eval stay greedy"""

    def __post_init__(self) -> None:
        self.speed = check_speed(self.speed)
        RefereeRewards(*self.rewards)  # refuses an order other than r_a > r_b > 0 > r_c > r_d
        if not self.temperature > 0:
            raise ValueError(f"temperature must be above 0, got {self.temperature}")
        if min(self.episode_steps, self.rollout, self.save_every) < 1 or self.value_warmup < 0:
            raise ValueError("episode_steps, rollout and save_every must be at least 1, value_warmup 0 or more")


@dataclass
class FinetuneOptions:
    task: str
    init: Path
    checkpoint_dir: Path
    steps: int                       # decisions (environment steps) in all, counting those before a resume
    referee: Referee
    latent: bool = False
    resume: bool = False
    workers: int = 1                 # > 1: rounds of that many whole episodes on Ray workers (agent/rollout.py)
    ray_address: str | None = None
    lr: float = 1e-4
    seed: int = 0
    device: str = "auto"
    settings: FinetuneSettings = field(default_factory=FinetuneSettings)
    ppo: PpoSettings = field(default_factory=PpoSettings)


# ------------------------------------------------------------------------------------------- the actors

@contextmanager
def _heads(larm: LarmModel, heads: nn.Module) -> Iterator[None]:
    """LARM computing with other heads (the reference policy's) for a moment."""
    own = larm.heads
    larm.heads = heads  # type: ignore[assignment]
    try:
        yield
    finally:
        larm.heads = own


class SkillActor(nn.Module):
    """PPO's view of LARM's skill head: logits over the allowed skills, the critic, a frozen reference."""

    def __init__(self, larm: LarmModel, reference: dict[str, torch.Tensor], temperature: float = 1.0) -> None:
        super().__init__()
        self.larm, self.temperature = larm, temperature
        self.reference = copy.deepcopy(larm.heads)
        self.reference.load_state_dict(reference)  # the policy the run started from, the KL's anchor
        self.reference.eval().requires_grad_(False)

    def latent_policy(self, h: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return self.larm.skill_logits(h, masks).clamp(min=MASKED) / self.temperature

    def value(self, h: torch.Tensor) -> torch.Tensor:
        return self.larm.value(h)

    def reference_logits(self, h: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        with _heads(self.larm, self.reference):
            return self.larm.skill_logits(h, masks).clamp(min=MASKED) / self.temperature

    def trained(self) -> list[nn.Parameter]:
        heads = self.larm.heads
        return [*heads.actor.parameters(), *heads.critic.parameters(), *heads.skill_proj.parameters()]

    def act(self, h: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> tuple[int, int, float]:
        return skill_choice(self.larm, h, mask, g, self.temperature)


class LatentActor(nn.Module):
    """PPO's view of CoLA: the latent policy over intents, its critic, the decoder frozen."""

    def __init__(self, larm: LarmModel, cola: Any, reference: dict[str, torch.Tensor],
                 temperature: float = 1.0) -> None:
        super().__init__()
        self.larm, self.cola, self.temperature = larm, cola, temperature
        self.reference = copy.deepcopy(cola.policy)
        self.reference.load_state_dict({k.removeprefix("policy."): v for k, v in reference.items()
                                        if k.startswith("policy.")})
        self.reference.eval().requires_grad_(False)

    def latent_policy(self, h: torch.Tensor, masks: torch.Tensor | None = None) -> torch.Tensor:
        return self.cola.latent_policy(h) / self.temperature

    def value(self, h: torch.Tensor) -> torch.Tensor:
        return self.cola.value(h)

    def reference_logits(self, h: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return self.reference(h) / self.temperature

    def trained(self) -> list[nn.Parameter]:
        return list(self.cola.policy_parameters())

    def act(self, h: torch.Tensor, mask: torch.Tensor, g: torch.Generator) -> tuple[int, int, float]:
        return latent_choice(self.larm, self.cola, h, mask, g, self.temperature)


def _draw(logits: torch.Tensor, g: torch.Generator) -> tuple[int, float]:
    """An index drawn from softmax(logits) (one row) and its log-probability."""
    logp = torch.log_softmax(logits.float().cpu(), -1)
    index = int(torch.multinomial(logp.exp(), 1, generator=g))
    return index, float(logp[index])


def skill_choice(larm: LarmModel, h: torch.Tensor, mask: torch.Tensor, g: torch.Generator, temperature: float = 1.0
                 ) -> tuple[int, int, float]:
    """(the action PPO learns, the skill played, its log-probability): a skill drawn from the skill head."""
    skill, logprob = _draw(larm.skill_logits(h, mask)[0].clamp(min=MASKED) / temperature, g)
    return skill, skill, logprob


def latent_choice(larm: LarmModel, cola: Any, h: torch.Tensor, mask: torch.Tensor, g: torch.Generator,
                  temperature: float = 1.0) -> tuple[int, int, float]:
    """An intent drawn from CoLA's latent policy, the skill decoded greedily from it, the intent's log-probability."""
    code, logprob = _draw(cola.latent_policy(h)[0] / temperature, g)
    z = cola.code_onehot(torch.tensor([code], device=h.device))
    return code, int(cola.decode(larm, h, z, mask).argmax(-1)), logprob


# ------------------------------------------------------------------------------------------- one rollout

@dataclass
class Episode:
    seed: int
    env_return: float = 0.0
    steps: int = 0
    tiers: set[str] = field(default_factory=set)


@dataclass
class Counters:
    """What --resume carries on from (written with the checkpoint)."""
    env_steps: int = 0
    updates: int = 0
    wall_s: float = 0.0          # time spent playing and learning (decisions per hour = env_steps / wall_s)
    episodes: int = 0           # episodes started: the next one plays world_seed + episodes
    finished: list[dict[str, Any]] = field(default_factory=list)   # one row per finished episode


def _question(task: str, before: dict[str, Any], token: str, args: dict[str, Any], info: dict[str, Any],
              episode: Episode) -> Question:
    return Question(task, before, token, args, info.get("result") or {}, info.get("state") or {},
                    tuple(info.get("events") or ()), episode=f"seed{episode.seed}")


def _reward(env: Any, referee: Any, settings: FinetuneSettings) -> Any:
    """What PPO learns from (numbers or tensors): the environment's reward and the referee's, scaled."""
    return (env + settings.referee_weight * referee) * settings.reward_scale


@dataclass
class Judging:
    """Every played decision goes through here: to the referee (in the background) and to the watcher, which
    hears the decision at once and its judgement, with the reward PPO will learn from, as soon as it comes."""
    referee: BackgroundReferee
    rewards: RefereeRewards
    settings: FinetuneSettings
    watcher: TrainingWatcher

    def played(self, question: Question, step: int, env_reward: float, ok: bool,
               where: dict[str, Any] | None = None) -> Future[Judgement]:
        """Decision `step` of the run (its question, the environment's reward; where: the seed of the world that
        played it) to be judged; the future's result is its Judgement."""
        self.watcher.decision({"step": step, "token": question.token, "ok": ok, "env_reward": round(env_reward, 4),
                               **(where or {})})
        future = self.referee.submit(question)
        future.add_done_callback(lambda done: self._tell(done, step, env_reward))
        return future

    def _tell(self, done: Future[Judgement], step: int, env_reward: float) -> None:
        if done.cancelled():   # the run is closing
            return
        judgement = done.result()
        referee_reward = self.rewards.of(judgement.verdict)
        self.watcher.judged(step, judgement.verdict.value if judgement.verdict else None, referee_reward,
                            round(_reward(env_reward, referee_reward, self.settings), 4), judgement.reason)


# ------------------------------------------------------------------------------------------- the run

def run(options: FinetuneOptions, progress: Progress, env_factory: Any = None,
        start: tuple[Any, dict[str, Any], dict[str, Any]] | None = None,
        watcher: TrainingWatcher | None = None) -> dict[str, Any]:
    """The finetuning run. start (env, obs, info): carry on in a world that is already playing (play's
    switch): its episode goes on under finetuning, the env stays its owner's; later episodes reset it to
    fresh training worlds. env_factory(episode index) -> env replaces the live world (tests only).
    watcher: told of the run, its worlds, decisions, judgements and updates (the dashboard's TrainingFeed)."""
    settings, ppo, task = options.settings, options.ppo, get_task(options.task)
    out = Path(options.checkpoint_dir)
    latest = out / "latest"
    if options.steps < 1:
        raise ValueError("--steps must be at least 1 (decisions)")
    check_training_seeds(range(settings.world_seed, settings.world_seed + options.steps))
    device = resolve_device(options.device)
    larm, cola, counters, saved = _start(options, latest, device, progress)
    reference = _reference(options, cola is not None)
    temperature = settings.temperature
    actor: SkillActor | LatentActor = (LatentActor(larm, cola, reference, temperature) if options.latent
                                       else SkillActor(larm, reference, temperature))
    params = actor.trained()
    for p in larm.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.Adam(params, lr=options.lr, eps=1e-5)
    g = torch.Generator().manual_seed(options.seed)
    if saved is not None:  # --resume: the optimiser and the sampling go on exactly where they were saved
        optimizer.load_state_dict(torch.load(io.BytesIO(saved["optimizer"].numpy().tobytes()), weights_only=True))
        g.set_state(saved["generator"])
    rewards = RefereeRewards(*settings.rewards)
    referee = BackgroundReferee(options.referee)
    watcher = watcher or TrainingWatcher()
    judging = Judging(referee, rewards, settings, watcher)
    watcher.started({"task": options.task, "referee": options.referee.name, "steps": options.steps,
                     "workers": options.workers, "latent": options.latent, "init": str(options.init),
                     "checkpoint_dir": str(out), "rollout": settings.rollout, "rewards": list(settings.rewards),
                     "referee_weight": settings.referee_weight, "reward_scale": settings.reward_scale,
                     "env_steps": counters.env_steps, "updates": counters.updates})

    def make_world(index: int) -> Any:
        return watcher.env(env_factory(index) if env_factory is not None else _make_env(options))

    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(out / "tb"))
    env = None
    rounds: Iterator[dict[str, Any]] | None = None
    started, steps_at_start = time.monotonic(), counters.env_steps
    clock = started
    try:
        if options.workers > 1:
            rounds = _rounds_on_workers(actor, larm, cola, options, counters, judging, out, progress)
        else:
            if start is not None:
                env, obs, info = start
                episode = Episode(int(info.get("seed") or 0), steps=int(info.get("step") or 0))
                progress(f"finetuning from here on, in the world that is playing (seed {episode.seed})")
            else:
                env, obs, info, episode = _new_episode(options, counters, make_world, progress)
        while counters.env_steps < options.steps:
            if options.workers > 1:
                batch = next(rounds)
            else:
                batch, obs, info, env, episode = _collect(actor, larm, env, obs, info, episode, judging, options,
                                                          counters, g, make_world, progress)
            judgements = [f.result() for f in batch.pop("futures")]
            referee_r = torch.tensor([rewards.of(j.verdict) for j in judgements])
            env_r = torch.tensor(batch.pop("env_rewards"))
            rollout = Rollout(rewards=_reward(env_r, referee_r, settings), **batch)
            actor.train()
            stats = ppo_update(actor, params, optimizer, rollout, ppo, generator=g,
                               train_policy=counters.updates >= settings.value_warmup)
            actor.eval()
            counters.updates += 1
            watcher.update(_log(writer, counters, stats, rollout, judgements, time.monotonic() - started,
                                counters.env_steps - steps_at_start, progress))
            if counters.updates % settings.save_every == 0 or counters.env_steps >= options.steps:
                counters.wall_s, clock = counters.wall_s + time.monotonic() - clock, time.monotonic()
                _save(latest, larm, cola, optimizer, g, counters, options)
    finally:
        if env is not None and start is None:
            env.close()
        if rounds is not None:
            rounds.close()   # ends the worker pool
        referee.close()
        writer.close()
    return {"phase": "finetune", "checkpoint": str(latest), "env_steps": counters.env_steps,
            "updates": counters.updates, "episodes": counters.finished, "referee": options.referee.stats.summary(),
            "settings": dataclasses.asdict(settings), "ppo": dataclasses.asdict(ppo)}


def _reference(options: FinetuneOptions, latent: bool) -> dict[str, torch.Tensor]:
    """The starting policy's part (heads, or CoLA's with --latent), read from --init: the KL's anchor, the
    same after a --resume."""
    from brain.model.checkpoint import load_checkpoint

    try:
        parts, _ = load_checkpoint(options.init)
    except CheckpointError as err:
        raise CheckpointError(f"--init {options.init} (the policy the KL anchors to): {err}") from None
    return parts["cola" if latent else "heads"]


def _start(options: FinetuneOptions, latest: Path, device: str, progress: Progress
           ) -> tuple[LarmModel, Any, Counters, dict[str, torch.Tensor] | None]:
    """LARM (and CoLA with --latent) from --init, or from D/latest with --resume, and what resumes (the
    checkpoint's "finetune" part: the optimiser's state as bytes, the sampling generator's state)."""
    if options.resume:
        if not (latest / "meta.json").is_file():
            raise CheckpointError(f"--resume: {options.checkpoint_dir} holds no finetuning run (no latest/ checkpoint)")
        state = read_meta(latest).configs.get("finetune")
        if state is None:
            raise CheckpointError(f"--resume: {latest} was not written by finetune")
        if state["task"] != options.task or state["latent"] != options.latent:
            raise CheckpointError(f"--resume: {latest} finetunes task {state['task']} (latent {state['latent']}), "
                                  f"not {options.task} (latent {options.latent})")
        if str(options.init) != state["init"]:
            progress(f"--resume: this run started from {state['init']}, which stays the policy its KL anchors to")
            options.init = Path(state["init"])
        source = latest
    else:
        if (latest / "meta.json").is_file():
            raise CheckpointError(f"{options.checkpoint_dir} already holds a finetuning run: --resume it, or give "
                                  "another --checkpoint-dir")
        source = Path(options.init)
    larm, parts, meta = LarmModel.from_checkpoint(source, device=device)
    cola = None
    if options.latent:
        from brain.model.cola import cola_from_checkpoint

        if "cola" not in parts:
            raise CheckpointError(f"--latent: {source} has no CoLA part (phases run: "
                                  f"{[h.get('phase') for h in meta.history]}); train cola-idm and cola-bc first")
        cola = cola_from_checkpoint(parts, meta, str(source)).to(device)
    larm.eval()
    if not options.resume:
        progress(f"finetuning {source} (phases {[h.get('phase') for h in meta.history]}) on {options.task}")
        return larm, cola, Counters(), None
    state = meta.configs["finetune"]
    if larm.history and larm.history[-1].get("phase") == "finetune":
        larm.history = larm.history[:-1]  # this run's entry: the next save writes it again
    counters = Counters(state["env_steps"], state["updates"], state["wall_s"], state["episodes"],
                        list(state["finished"]))
    progress(f"resuming {latest}: {counters.env_steps} decisions, {counters.updates} updates, "
             f"{counters.episodes} episodes so far")
    return larm, cola, counters, parts["finetune"]


def _make_env(options: FinetuneOptions) -> Any:
    """A world for finetuning's episodes, recorded in its run folder."""
    from agent.registration import make_env

    settings = options.settings
    return make_env(task=options.task, max_steps=settings.episode_steps,
                    record_dir=Path(options.checkpoint_dir) / "sessions", speed=settings.speed,
                    stuck_after=settings.stuck_after or None,
                    policy={"name": "finetune", "init": str(options.init), "referee": options.referee.name,
                            "latent": options.latent})


def _new_episode(options: FinetuneOptions, counters: Counters, make_world: Callable[[int], Any], progress: Progress,
                 env: Any = None) -> tuple[Any, dict[str, Any], dict[str, Any], Episode]:
    """The next episode, in the next fresh training world (in `env`, or one make_world(episode index) makes)."""
    seed = options.settings.world_seed + counters.episodes
    counters.episodes += 1
    if env is None:
        env = make_world(counters.episodes - 1)
    progress(f"episode {counters.episodes}: world seed {seed}")
    obs, info = env.reset(seed=seed)
    return env, obs, info, Episode(seed)


def _collect(actor: SkillActor | LatentActor, larm: LarmModel, env: Any, obs: dict[str, Any], info: dict[str, Any],
             episode: Episode, judging: Judging, options: FinetuneOptions, counters: Counters,
             g: torch.Generator, make_world: Callable[[int], Any], progress: Progress
             ) -> tuple[dict[str, Any], Any, Any, Any, Episode]:
    """One rollout of --set rollout decisions (fewer at the end of the run); episodes run across rollouts."""
    n = min(options.settings.rollout, options.steps - counters.env_steps)
    cols: dict[str, list[Any]] = {k: [] for k in ("hidden", "codes", "logprobs", "values", "ref_logits", "env_rewards",
                                                  "terminated", "ended", "next_values", "masks", "futures")}
    inp = input_from_observation(obs, info, options.task)
    with torch.no_grad():
        h = larm.encode([inp])
    for _ in range(n):
        mask = torch.as_tensor(np.asarray(inp.mask, dtype=bool), device=h.device)[None]
        with torch.no_grad():
            code, skill, logprob = actor.act(h, mask, g)
            logp = torch.tensor(logprob, device=h.device)
            value = actor.value(h)[0]
            ref = actor.reference_logits(h, mask)[0]
            args = skill_arguments(larm, h, skill)
        token, before = larm.vocab[skill].token, info["state"]
        obs, reward, terminated, truncated, info = env.step((token, args))
        counters.env_steps += 1
        episode.steps += 1
        episode.env_return += float(reward)
        episode.tiers |= {name for name, tier in TIERS.items() if tier.reached(info["state"])}
        result = info.get("result") or {}
        future = judging.played(_question(options.task, before, token, args, info, episode), counters.env_steps,
                                float(reward), bool(result.get("ok")), {"seed": episode.seed})
        progress(f"  step {counters.env_steps}/{options.steps}: {token} -> "
                 f"{'ok' if result.get('ok') else (result.get('error') or {}).get('kind', 'failed')}, env {reward:+.2f}")
        next_inp = input_from_observation(obs, info, options.task)
        with torch.no_grad():
            h_next = larm.encode([next_inp])
            next_value = actor.value(h_next)[0]       # bootstraps a truncated episode
        for k, v in (("hidden", h[0]), ("codes", code), ("logprobs", logp), ("values", value), ("ref_logits", ref),
                     ("env_rewards", float(reward)), ("terminated", bool(terminated)),
                     ("ended", bool(terminated or truncated)), ("next_values", next_value), ("masks", mask[0]),
                     ("futures", future)):
            cols[k].append(v)
        if terminated or truncated:
            _finish(counters, episode, info, progress)
            if counters.env_steps < options.steps:
                env, obs, info, episode = _new_episode(options, counters, make_world, progress, env)
                next_inp = input_from_observation(obs, info, options.task)
                with torch.no_grad():
                    h_next = larm.encode([next_inp])
        inp, h = next_inp, h_next
    batch = {k: torch.stack(cols[k]) if k in ("hidden", "logprobs", "values", "ref_logits", "next_values", "masks")
             else cols[k] for k in cols}
    batch["codes"] = torch.tensor(cols["codes"], device=h.device)
    batch["terminated"] = torch.tensor(cols["terminated"], device=h.device)
    batch["ended"] = torch.tensor(cols["ended"], device=h.device)
    batch["ended"][-1] = True if counters.env_steps >= options.steps else batch["ended"][-1]
    if options.latent:
        batch["masks"] = None
    return batch, obs, info, env, episode


# ------------------------------------------------------------------------------------------- many worlds

@dataclass
class SamplingPolicies:
    """A picklable seed -> the policy a worker plays finetuning's episodes with: the skill (or, latent, the
    intent) sampled, the argument the most likely; each step's notes carry what PPO needs from the worker
    (LARM's hidden state, the sampled action and its log-probability), recorded with the step."""
    checkpoint: str
    task: str
    latent: bool
    temperature: float = 1.0

    def __call__(self, seed: int) -> Any:
        from brain.policy import LarmPolicy

        policy = LarmPolicy(self.checkpoint, self.task, seed, head="cola" if self.latent else "skill")
        return _Sampling(policy, self.latent, self.temperature)


class _Sampling:
    name = "finetune"

    def __init__(self, policy: Any, latent: bool, temperature: float) -> None:
        self.policy, self.latent, self.temperature = policy, latent, temperature

    def reset(self) -> None:
        self.policy.reset()

    def observe(self, token: str, result: dict[str, Any]) -> None:
        pass

    def act(self, obs: dict[str, Any], info: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        larm, g = self.policy.model, self.policy.generator
        inp = input_from_observation(obs, info, self.policy.task.name)
        mask = torch.as_tensor(np.asarray(inp.mask, dtype=bool))[None].to(larm.device)
        with torch.inference_mode():
            h = larm.encode([inp]).float()
            if self.latent:
                action, skill, logprob = latent_choice(larm, self.policy.cola, h, mask, g, self.temperature)
            else:
                action, skill, logprob = skill_choice(larm, h, mask, g, self.temperature)
            args = skill_arguments(larm, h, skill)
        sampled = {"action": action, "logprob": logprob, "hidden": [round(float(x), 6) for x in h[0].cpu()],
                   "allowed": np.flatnonzero(inp.mask).tolist()}
        return larm.vocab[skill].token, args, {"sampled": sampled}


def _rounds_on_workers(actor: SkillActor | LatentActor, larm: LarmModel, cola: Any, options: FinetuneOptions,
                       counters: Counters, judging: Judging, out: Path, progress: Progress
                       ) -> Iterator[dict[str, Any]]:
    """Rounds of --workers whole episodes at once, each played with the policy as it is after the last update
    (saved to OUT/policies/ for the workers to load); each round is one rollout. The hidden states come back in
    the recorded steps, so the learner never runs the backbone; a truncated episode's last step bootstraps
    from its own value (the world after it was never encoded)."""
    from agent.recording import load_session
    from agent.rollout import RolloutPool

    settings = options.settings
    env_options = {"task": options.task, "max_steps": settings.episode_steps, "record_dir": out / "sessions",
                   "speed": settings.speed, "stuck_after": settings.stuck_after or None,
                   "policy": {"name": "finetune", "init": str(options.init), "referee": options.referee.name,
                              "latent": options.latent}}
    with RolloutPool(options.workers, env_options, options.ray_address, progress=progress) as pool:
        workers = len(pool.slots)
        while True:
            round_folder = out / "policies" / f"u{counters.updates:05d}"   # the checkpoint and its lock file
            policy = _save_policy(round_folder / "policy", larm, cola)
            seeds = [settings.world_seed + counters.episodes + i for i in range(workers)]
            counters.episodes += workers
            steps: list[dict[str, Any]] = []
            sampling = SamplingPolicies(str(policy), options.task, options.latent, options.settings.temperature)
            for report in pool.run(seeds, sampling, watch=judging.watcher.world_watch):
                if not report.session:
                    progress(f"seed {report.seed}: {report.end}: nothing recorded to learn from")
                    continue
                played = _played(load_session(Path(report.session)), options.task)
                for i, (event, question) in enumerate(played):
                    future = judging.played(question, counters.env_steps + i + 1, float(event.get("reward") or 0.0),
                                            bool((event.get("result") or {}).get("ok")), {"seed": report.seed})
                    steps.append({"event": event, "future": future, "last": i == len(played) - 1,
                                  "terminated": bool(event.get("terminated"))})
                counters.env_steps += len(played)
                counters.finished.append({"seed": report.seed, "at": counters.env_steps, "steps": report.steps,
                                          "env_return": round(report.episode_return, 3), "success": report.success,
                                          "tiers": list(report.tiers), "end": report.end})
            shutil.rmtree(round_folder, ignore_errors=True)
            if steps:
                yield _round_batch(actor, steps, larm.device)


def _played(session: Any, task: str) -> list[tuple[dict[str, Any], Question]]:
    """A worker's recorded steps that carry what PPO needs, each with its question to the referee."""
    out: list[tuple[dict[str, Any], Question]] = []
    before: dict[str, Any] = {}
    for event in session.events:
        state = event.get("state") if isinstance(event.get("state"), dict) else {}
        if event.get("type") == "step" and isinstance(event.get("sampled"), dict):
            out.append((event, Question(task, before, str(event["token"]), event.get("args") or {},
                                        event.get("result") or {}, state, tuple(event.get("events") or ()),
                                        episode=str(session.path))))
        if event.get("type") in ("reset", "step") and state:
            before = state
    return out


def _save_policy(folder: Path, larm: LarmModel, cola: Any) -> Path:
    extra = {"cola": {k: v.detach().cpu().clone() for k, v in cola.state_dict().items()}} if cola is not None else None
    configs = {"cola": cola.config.to_dict()} if cola is not None else None
    path = larm.save(folder, {"phase": "finetune", "policy_of_round": True}, extra_parts=extra, extra_configs=configs)
    larm.history = larm.history[:-1]
    return path


def _round_batch(actor: SkillActor | LatentActor, steps: list[dict[str, Any]], device: torch.device) -> dict[str, Any]:
    """The rollout fields of a round's recorded steps (in episode order)."""
    h = torch.tensor([s["event"]["sampled"]["hidden"] for s in steps], dtype=torch.float32, device=device)
    vocab_size = len(actor.larm.vocab)
    masks = torch.zeros(len(steps), vocab_size, dtype=torch.bool, device=device)
    for i, s in enumerate(steps):
        masks[i, s["event"]["sampled"]["allowed"]] = True
    with torch.no_grad():
        values = actor.value(h)
        ref = actor.reference_logits(h, masks)
    last = torch.tensor([s["last"] for s in steps], device=device)
    next_values = torch.where(last, values, torch.roll(values, -1))
    return {"hidden": h, "codes": torch.tensor([s["event"]["sampled"]["action"] for s in steps], device=device),
            "logprobs": torch.tensor([s["event"]["sampled"]["logprob"] for s in steps], device=device),
            "values": values, "ref_logits": ref, "env_rewards": [float(s["event"]["reward"]) for s in steps],
            "terminated": torch.tensor([s["terminated"] for s in steps], device=device), "ended": last,
            "next_values": next_values, "masks": None if isinstance(actor, LatentActor) else masks,
            "futures": [s["future"] for s in steps]}


def _finish(counters: Counters, episode: Episode, info: dict[str, Any], progress: Progress) -> None:
    row = {"seed": episode.seed, "at": counters.env_steps, "steps": episode.steps,
           "env_return": round(episode.env_return, 3),
           "success": bool(info.get("success")), "tiers": [t for t in TIERS if t in episode.tiers],
           "end": info.get("truncated_reason") or ("task done" if info.get("success") else "ended")}
    counters.finished.append(row)
    progress(f"episode {len(counters.finished)} (seed {episode.seed}) ended after {episode.steps} decisions: "
             f"{row['end']}; tiers {', '.join(row['tiers']) or 'none'}; environment return {episode.env_return:+.2f}")


def _scalars(counters: Counters, stats: dict[str, float], rollout: Rollout, judgements: list[Judgement],
             wall: float, steps: int) -> dict[str, float]:
    """One update's numbers under their TensorBoard tags: PPO's losses, KL and entropy, explained variance, the
    referee's class shares, the rollout's reward, decisions per second, and over the last ten finished
    episodes the environment's return and the tiers reached."""
    _, returns = compute_gae(rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
                             rollout.ended, 0.99, 0.95)
    variance = float(returns.var()) if returns.numel() > 1 else 0.0
    out = {f"losses/{k}": float(v) for k, v in stats.items()}
    out["losses/explained_variance"] = float(1 - (returns - rollout.values).var() / variance) if variance > 0 else math.nan
    mix = Counter(j.verdict.value if j.verdict else "none" for j in judgements)
    for c in [v.value for v in Verdict] + ["none"]:
        out[f"referee/share_{c}"] = mix[c] / max(1, len(judgements))
    out["charts/rollout_reward"] = float(rollout.rewards.sum())
    out["perf/decisions_per_s"] = steps / max(wall, 1e-9)
    recent = counters.finished[-10:]
    if recent:
        out["charts/episode_return"] = float(np.mean([r["env_return"] for r in recent]))
        for tier in TIERS:
            out[f"tiers/{tier}"] = float(np.mean([tier in r["tiers"] for r in recent]))
    return out


def _log(writer: Any, counters: Counters, stats: dict[str, float], rollout: Rollout, judgements: list[Judgement],
         wall: float, steps: int, progress: Progress) -> dict[str, Any]:
    """TensorBoard scalars at the run's decision count and one progress line per update; returns the same
    numbers as the watcher's curve point (the page and TensorBoard show one set of figures)."""
    x = counters.env_steps
    scalars = _scalars(counters, stats, rollout, judgements, wall, steps)
    for tag, value in scalars.items():
        writer.add_scalar(tag, value, x)
    writer.flush()
    mix = Counter(j.verdict.value if j.verdict else "none" for j in judgements)
    progress(f"update {counters.updates} at {x} decisions: policy {stats.get('policy_loss', 0):+.4f} value "
             f"{stats['value_loss']:.4f} KL(init) {stats.get('kl_ref', 0):.4f} entropy {stats.get('entropy', 0):.3f} "
             f"explained variance {scalars['losses/explained_variance']:.2f}; referee {dict(mix)}; "
             f"{scalars['perf/decisions_per_s'] * 3600:.0f} decisions/h")
    return {"update": counters.updates, "decisions": x, "scalars": scalars}


def _save(latest: Path, larm: LarmModel, cola: Any, optimizer: torch.optim.Optimizer, g: torch.Generator,
          counters: Counters, options: FinetuneOptions) -> None:
    """D/latest: the LARM checkpoint and, in the same atomic save, what --resume needs."""
    buffer = io.BytesIO()
    torch.save(optimizer.state_dict(), buffer)
    extra = {"finetune": {"optimizer": torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8),
                          "generator": g.get_state()}}
    if cola is not None:
        extra["cola"] = {k: v.detach().cpu().clone() for k, v in cola.state_dict().items()}
    configs: dict[str, Any] = {"finetune": {
        "task": options.task, "latent": options.latent, "init": str(options.init), "env_steps": counters.env_steps,
        "updates": counters.updates, "wall_s": round(counters.wall_s, 1), "episodes": counters.episodes,
        "finished": counters.finished,
        "arm": {"referee": options.referee.name, "referee_weight": options.settings.referee_weight,
                "latent": options.latent, "seed": options.seed, "world_seed": options.settings.world_seed}}}
    if cola is not None:
        configs["cola"] = cola.config.to_dict()
    entry = {"phase": "finetune", "task": options.task, "referee": options.referee.name, "latent": options.latent,
             "env_steps": counters.env_steps, "world_seeds": [options.settings.world_seed,
                                                               options.settings.world_seed + counters.episodes - 1],
             "allow_evaluation_seeds": False}
    larm.save(latest, entry, extra_parts=extra, extra_configs=configs)
    larm.history = larm.history[:-1]  # the next save replaces this run's entry


__all__ = ["FinetuneOptions", "FinetuneSettings", "LatentActor", "SkillActor", "run"]
