"""`run_agent.py finetune` (brain/training/finetune.py): referee RL with PPO on the skill head. In scripted
worlds under the real environment (tests/scripted_world.py): the policy moves toward the skills the referee
approves, the curves reach TensorBoard, --resume continues exactly, bad input is refused by name; in a real
embedded world (slow): the command plays, judges, updates and writes a checkpoint eval plays."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from conftest import run_cli
from scripted_world import ScriptedWorld, use_scripted_worlds

TASK = "wooden_sword"


@pytest.fixture(scope="module")
def init(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen-trunk LARM on the tiny backbone, as DAgger would have left it."""
    from brain.model.larm import LarmConfig, LarmModel

    torch.manual_seed(0)
    model = LarmModel.create(LarmConfig(backbone="tiny-random", vision=None, trunk="frozen"))
    return model.save(tmp_path_factory.mktemp("init") / "larm", {"phase": "dagger", "beta": 1.0, "decisions": 1})


def _finetune(init: Path, out: Path, steps: int, **fields: Any) -> dict[str, Any]:
    from brain.referee import make_referee
    from brain.training.finetune import FinetuneOptions, FinetuneSettings, run
    from brain.training.ppo import PpoSettings

    settings = FinetuneSettings(**{"episode_steps": 8, "rollout": 8, **fields.pop("settings", {})})
    options = FinetuneOptions(task=TASK, init=init, checkpoint_dir=out, steps=steps, referee=make_referee("oracle"),
                              lr=3e-3, settings=settings, ppo=PpoSettings(minibatch_size=8), **fields)
    return run(options, lambda m: None)


def _start_state(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any]]:
    from agent.registration import make_env
    from brain.policy import input_from_observation

    env = make_env(task=TASK, max_steps=4)
    obs, info = env.reset(seed=1)
    env.close()
    return input_from_observation(obs, info, TASK), info["state"]


def _probabilities(checkpoint: Path, inp: Any) -> torch.Tensor:
    from brain.model.larm import LarmModel

    model = LarmModel.from_checkpoint(checkpoint)[0].eval()
    with torch.no_grad():
        return torch.softmax(model.skill_logits(model.encode([inp]), inp.mask[None]), -1)[0]


def test_finetune_moves_the_policy_toward_the_skills_the_referee_approves(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, init: Path) -> None:
    from brain.model.larm import LarmModel
    from brain.referee.judgement import Question
    from brain.referee.oracle import OracleReferee

    worlds = use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    report = _finetune(init, tmp_path / "run", 64, settings={"episode_steps": 16, "rollout": 16})
    assert report["env_steps"] == 64 and report["updates"] == 4 and len(report["episodes"]) == 4
    assert [w.seed for w in worlds if w.seed and w.seed >= 300_000][:4] == [300_000, 300_001, 300_002, 300_003]
    mix = report["referee"]["class_mix"]
    assert report["referee"]["calls"] == 64 and mix["a"] > 0 and mix["c"] > 0
    # the skills the oracle calls right at the start of a world (mining any log) gained probability
    inp, start = _start_state(monkeypatch)
    vocab = LarmModel.from_checkpoint(init)[0].vocab
    oracle = OracleReferee()
    right = [i for i in np.flatnonzero(inp.mask) if oracle.judge(
        Question(TASK, start, vocab[i].token, {}, {"ok": False}, start)).verdict.value in "ab"]
    assert {vocab[i].token for i in right} >= {"mine:oak_log", "mine:birch_log"}
    before, after = _probabilities(init, inp)[right].sum(), _probabilities(tmp_path / "run" / "latest", inp)[right].sum()
    assert after > before + 0.04, (float(before), float(after))
    # the curves, in TensorBoard's own format
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    curves = EventAccumulator(str(tmp_path / "run" / "tb")).Reload().Tags()["scalars"]
    assert {"referee/share_a", "referee/share_none", "losses/policy_loss", "losses/value_loss", "losses/kl_ref",
            "losses/entropy", "losses/explained_variance", "charts/episode_return", "tiers/wooden",
            "perf/decisions_per_s"} <= set(curves)
    history = LarmModel.from_checkpoint(tmp_path / "run" / "latest")[2].history
    assert [h["phase"] for h in history] == ["dagger", "finetune"] and history[-1]["env_steps"] == 64
    # the ablation's report: an arm per reward, success against decisions
    _finetune(init, tmp_path / "env_only", 16, settings={"referee_weight": 0})
    result = run_cli("report", "--finetune", str(tmp_path / "run"), str(tmp_path / "env_only"), "--png",
                     str(tmp_path / "arms.png"), "--json")
    assert result.returncode == 0, result.stderr
    arms = json.loads(result.stdout)
    assert [(a["arm"], a["runs"], a["decisions"], a["episodes"]) for a in arms] == [
        ("referee oracle", 1, 64, 4), ("environment only", 1, 16, 2)]
    assert arms[0]["decisions_per_hour"] > 0 and (tmp_path / "arms.png").read_bytes()[:4] == b"\x89PNG"
    assert arms[0]["return_last"] == pytest.approx(np.mean([e["env_return"] for e in report["episodes"]]), abs=0.01)
    result = run_cli("report", "--finetune", str(init.parent))
    assert result.returncode == 2 and "not a finetune run" in result.stderr
    result = run_cli("report", "--finetune", str(tmp_path / "arms.png"))   # a file, as a shell glob gives
    assert result.returncode == 2 and "not a finetune run (not a folder)" in result.stderr


def test_the_policy_ppo_trains_is_the_one_it_samples_at_the_temperature(monkeypatch: pytest.MonkeyPatch,
                                                                          init: Path) -> None:
    from brain.model.larm import LarmModel
    from brain.training.finetune import SkillActor, skill_choice

    larm = LarmModel.from_checkpoint(init)[0].eval()
    with torch.no_grad():   # a confident policy, as a clone trained to near zero loss is
        for p in larm.heads.actor.parameters():
            p.mul_(6)
    inp, _ = _start_state(monkeypatch)
    mask = torch.as_tensor(np.asarray(inp.mask, dtype=bool))[None]
    reference = {k: v.clone() for k, v in larm.heads.state_dict().items()}
    entropies = []
    for temperature in (1.0, 4.0):
        actor = SkillActor(larm, reference, temperature)
        with torch.no_grad():
            h = larm.encode([inp]).float()
            logp = torch.log_softmax(actor.latent_policy(h, mask)[0], -1)
            ref = torch.log_softmax(actor.reference_logits(h, mask)[0], -1)
            for seed in range(5):
                _, skill, logprob = skill_choice(larm, h, mask, torch.Generator().manual_seed(seed), temperature)
                assert logprob == pytest.approx(float(logp[skill]), abs=1e-5)   # sampled and trained agree
        assert torch.allclose(logp, ref, atol=1e-6)   # the KL's anchor is read at the same temperature
        entropies.append(float(-(logp.exp() * logp).sum()))
    assert entropies[1] > entropies[0] + 0.1, entropies


def test_finetune_resumes_exactly_where_it_was_saved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     init: Path) -> None:
    from brain.model.checkpoint import load_checkpoint

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    _finetune(init, tmp_path / "straight", 32)
    _finetune(init, tmp_path / "stopped", 16)
    report = _finetune(init, tmp_path / "stopped", 32, resume=True)
    assert report["env_steps"] == 32 and report["updates"] == 4 and [e["seed"] for e in report["episodes"]] == [
        300_000, 300_001, 300_002, 300_003]
    straight, _ = load_checkpoint(tmp_path / "straight" / "latest")
    resumed, meta = load_checkpoint(tmp_path / "stopped" / "latest")
    assert all(torch.equal(straight["heads"][k], resumed["heads"][k]) for k in straight["heads"])  # nothing lost
    assert torch.equal(straight["finetune"]["generator"], resumed["finetune"]["generator"])
    assert [h["phase"] for h in meta.history] == ["dagger", "finetune"]        # one entry for the run


def test_finetune_refuses_what_it_cannot_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, init: Path) -> None:
    from brain.model.checkpoint import CheckpointError

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    with pytest.raises(CheckpointError, match="holds no finetuning run"):
        _finetune(init, tmp_path / "empty", 8, resume=True)
    with pytest.raises(CheckpointError, match="has no CoLA part"):
        _finetune(init, tmp_path / "latent", 8, latent=True)
    with pytest.raises(ValueError, match="evaluation seed"):
        _finetune(init, tmp_path / "eval", 8, settings={"world_seed": 1_000_000})
    _finetune(init, tmp_path / "done", 8)
    with pytest.raises(CheckpointError, match="already holds a finetuning run"):
        _finetune(init, tmp_path / "done", 16)
    with pytest.raises(CheckpointError, match="finetunes task wooden_sword"):
        from brain.referee import make_referee
        from brain.training.finetune import FinetuneOptions, run

        run(FinetuneOptions(task="stone_sword", init=init, checkpoint_dir=tmp_path / "done", steps=16,
                            referee=make_referee("oracle"), resume=True), lambda m: None)
    # --init of another kind: a checkpoint that holds no LARM
    (tmp_path / "notes").mkdir()
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        _finetune(tmp_path / "notes", tmp_path / "other", 8)
    result = run_cli("finetune", "--checkpoint-dir", str(tmp_path / "cli"), "--init", str(init), "--workers", "0")
    assert result.returncode == 2 and "--workers must be at least 1" in result.stderr
    result = run_cli("finetune", "--checkpoint-dir", str(tmp_path / "cli"), "--init", str(init), "--set", "rewards=1,2,3,4")
    assert result.returncode == 2 and "r_a > r_b > 0 > r_c > r_d" in result.stderr


def test_finetune_latent_trains_the_latent_policy_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        init: Path) -> None:
    from brain.model.checkpoint import load_checkpoint
    from brain.model.cola import Cola, ColaConfig
    from brain.model.larm import LarmModel

    use_scripted_worlds(monkeypatch, lambda seed: ScriptedWorld(seed))
    larm = LarmModel.from_checkpoint(init)[0]
    torch.manual_seed(1)
    cola = Cola(ColaConfig(hidden_size=larm.hidden_size, num_skills=len(larm.vocab), num_codes=8))
    with_cola = larm.save(tmp_path / "cola", {"phase": "cola-bc"},
                          extra_parts={"cola": {k: v.clone() for k, v in cola.state_dict().items()}},
                          extra_configs={"cola": cola.config.to_dict()})
    report = _finetune(with_cola, tmp_path / "run", 16, latent=True)
    assert report["updates"] == 2
    before, _ = load_checkpoint(with_cola)
    after, meta = load_checkpoint(tmp_path / "run" / "latest")
    changed = {k for k in before["cola"] if not torch.equal(before["cola"][k], after["cola"][k])}
    assert changed and all(k.startswith(("policy.", "critic.")) for k in changed), changed  # the decoder stays
    assert all(torch.equal(before["heads"][k], after["heads"][k]) for k in before["heads"])  # LARM too
    assert meta.configs["finetune"]["latent"] is True


@pytest.mark.slow
def test_finetune_plays_judges_and_learns_in_a_real_world(tmp_path: Path, init: Path) -> None:
    out = tmp_path / "run"
    result = run_cli("finetune", "--task", TASK, "--init", str(init), "--checkpoint-dir", str(out), "--steps", "6",
                     "--set", "rollout=3", "--set", "episode_steps=6", "--set", "world_seed=4321", "--json",
                     timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["env_steps"] == 6 and report["updates"] == 2 and report["referee"]["calls"] == 6
    assert sum(report["referee"]["class_mix"].values()) == 6                     # every skill judged
    (session,) = (out / "sessions").iterdir()                                    # the episode was recorded
    assert json.loads((session / "metadata.json").read_text())["seed"] == 4321
    played = run_cli("eval", "--policy", "larm", "--checkpoint", str(out / "latest"), "--task", TASK, "--seeds", "1",
                     "--seed-start", "4400", "--max-steps", "2", "--json", "--record", str(tmp_path / "eval"),
                     timeout=600)
    assert played.returncode == 0, played.stderr[-3000:]
    assert json.loads(played.stdout)["checkpoint"] == str((out / "latest").resolve())


def test_play_switches_into_finetuning_in_the_running_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                            init: Path) -> None:
    import os
    import signal

    import run_agent
    from agent.recording import load_sessions

    class AskedToLearn(ScriptedWorld):
        """A world in which someone sends the agent SIGUSR1 during the second skill."""

        def run(self, token: str, args: dict[str, Any] | None) -> Any:
            if len(self.calls) == 1:
                os.kill(os.getpid(), signal.SIGUSR1)
            return super().run(token, args)

    previous = signal.getsignal(signal.SIGUSR1)
    worlds = use_scripted_worlds(monkeypatch, lambda seed: AskedToLearn(seed))
    try:
        code = run_agent.main(["play", "--policy", "larm", "--checkpoint", str(init), "--task", TASK, "--seed", "77",
                               "--max-steps", "12", "--record", str(tmp_path / "sessions"),
                               "--finetune-dir", str(tmp_path / "run"), "--finetune-steps", "14"])
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert code == 0
    first = load_sessions(tmp_path / "sessions")[0]
    (switch,) = [e for e in first.events if e["type"] == "switch"]
    assert switch["step"] == 2 and switch["to"] == "finetune" and switch["referee"] == "oracle"
    # the same world and session go on: 2 decisions played, then finetuning's until the step limit (12)
    assert [e["step"] for e in first.steps] == list(range(1, 13)) and first.metadata["seed"] == 77
    assert worlds[0].seed == 77 and len(worlds[0].calls) == 12
    later = load_sessions(tmp_path / "sessions")[1]
    assert later.metadata["policy"]["name"] == "finetune" and later.metadata["seed"] == 300_000
    from brain.model.checkpoint import read_meta

    state = read_meta(tmp_path / "run" / "latest").configs["finetune"]
    assert state["env_steps"] == 14 and state["init"] == str(init.resolve())
    # --finetune-after without a run folder, and a switch on an evaluation world, are refused
    with pytest.raises(SystemExit):
        run_agent.main(["play", "--policy", "larm", "--checkpoint", str(init), "--finetune-after", "3"])
    with pytest.raises(SystemExit):
        run_agent.main(["play", "--policy", "larm", "--checkpoint", str(init), "--seed", "1000001",
                        "--finetune-dir", str(tmp_path / "x")])


@pytest.mark.slow
def test_finetune_learns_from_rounds_of_episodes_on_ray_workers(tmp_path: Path, init: Path) -> None:
    from agent.recording import load_sessions

    out = tmp_path / "run"
    result = run_cli("finetune", "--task", TASK, "--init", str(init), "--checkpoint-dir", str(out), "--steps", "4",
                     "--workers", "2", "--set", "episode_steps=2", "--set", "world_seed=4500", "--json", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["env_steps"] == 4 and report["updates"] == 1 and report["referee"]["calls"] == 4
    assert sorted(e["seed"] for e in report["episodes"]) == [4500, 4501]
    sessions = load_sessions(out / "sessions")
    assert len(sessions) == 2 and all(s.metadata["policy"]["name"] == "finetune" for s in sessions)
    sampled = [step["sampled"] for s in sessions for step in s.steps]
    assert len(sampled) == 4 and all(len(x["hidden"]) == 64 and x["logprob"] <= 0 for x in sampled)  # tiny: H 64
    assert not list((out / "policies").iterdir())                      # each round's policy is cleaned up
