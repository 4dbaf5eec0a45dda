"""LARM (brain/model/larm.py), its prompt, its dataset and behaviour cloning, on the tiny-random backbone.

The synthetic sessions below are written with the real recorder: a toy wood-age planner whose choice
depends on the inventory (so the prompt must be read) and whose counts depend on the skill (so the argument
head has something to learn), states rendered by the real observation renderer.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from agent.observation_text import render_state_text
from agent.recording import SessionRecorder
from agent.tasks import TASKS
from skills.vocabulary import action_mask, argument_class, token_index, vocabulary

TASK = "wooden_sword"


def _state(inventory: dict[str, int]) -> dict[str, Any]:
    return {"alive": True, "health": 20, "food": 20, "xp": {"level": 0}, "position": {"x": 1.5, "y": 70, "z": 2.5},
            "biome": "forest", "dimension": "overworld", "time_of_day": 1000, "inventory": dict(inventory),
            "equipment": {"hand": None}, "enchanted": {},
            "nearby_blocks": {"radius": 16, "counts": {"oak_log": 6, "stone": 300, "dirt": 80},
                              "nearest": {"oak_log": {"distance": 4.2}}},
            "nearby_entities": [{"name": "pig", "distance": 7.0}], "dropped_items": []}


def toy_expert(inv: dict[str, int]) -> str:
    """The toy planner: which skill the inventory calls for."""
    if inv.get("wooden_pickaxe"):
        return "mine:stone"
    if inv.get("crafting_table") and inv.get("oak_planks", 0) >= 3 and inv.get("stick", 0) >= 2:
        return "craft:wooden_pickaxe"
    if inv.get("oak_planks", 0) >= 4 and not inv.get("crafting_table"):
        return "craft:crafting_table"
    if inv.get("oak_planks", 0) >= 2 and inv.get("stick", 0) < 2:
        return "craft:stick"
    if inv.get("oak_log"):
        return "craft:oak_planks"
    return "mine:oak_log"


# The toy planner's arguments: a count per skill (the argument head learns them from the recordings).
TOY_ARGS = {"mine:oak_log": {"count": 3}, "craft:oak_planks": {"count": 8}, "craft:stick": {"count": 4},
            "mine:stone": {"count": 6}}


def _random_inventory(rng: random.Random) -> dict[str, int]:
    inv = {}
    for item, top in (("oak_log", 3), ("oak_planks", 6), ("stick", 3), ("crafting_table", 1), ("wooden_pickaxe", 1)):
        if rng.random() < (0.15 if item == "wooden_pickaxe" else 0.45):
            inv[item] = rng.randint(1, top)
    return inv


def write_sessions(root: Path, sessions: int = 4, steps: int = 12, seed: int = 0, frames: bool = True) -> Path:
    """Recorded sessions of the toy planner; each step's frame is a flat colour c(step) for checking."""
    rng = random.Random(seed)
    task = TASKS[TASK]
    for s in range(sessions):
        with SessionRecorder(root / f"toy_{s:02d}", {"task": TASK, "policy": {"name": "toy"}}) as rec:
            inv = _random_inventory(rng)
            state, recent = _state(inv), []
            text = render_state_text(state, recent, task=task.description)
            ref = rec.add_frame(np.full((24, 32, 3), 0, np.uint8)) if frames else None
            rec.log_reset(text, state=state, frame=ref)
            for k in range(1, steps + 1):
                token = toy_expert(inv)
                inv = _random_inventory(rng)  # the next state: random, so every decision is its own example
                result = {"token": token, "ok": k % 4 != 0, "inventory_delta": {},
                          "error": None if k % 4 else {"kind": "not_found", "message": "none in sight"}}
                recent = (recent + [result])[-5:]
                new_state = _state(inv)
                ref = rec.add_frame(np.full((24, 32, 3), k * 10, np.uint8)) if frames else None
                rec.log_step(k, text, token, result, 0.5 if k == steps else -0.01, frame=ref, state=new_state,
                             args=TOY_ARGS.get(token), terminated=k == steps, truncated=False)
                text = render_state_text(new_state, recent, task=task.description)
    return root


@pytest.fixture(scope="module")
def toy_sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sessions(tmp_path_factory.mktemp("toy") / "sessions", sessions=6, steps=20)


@pytest.fixture(scope="module")
def tiny_larm() -> Any:
    from brain.model.larm import LarmConfig, LarmModel

    torch.manual_seed(0)
    return LarmModel.create(LarmConfig(backbone="tiny-random", vision="default", max_prompt_tokens=192))


# ----------------------------------------------------------------------------------------- prompt

def test_the_prompt_is_written_from_the_state_with_the_last_outcomes_and_fits_the_budget() -> None:
    from brain.model.backbone import load_backbone
    from brain.model.prompt import PromptBuilder, describe

    inv = {f"item_{i}": i + 1 for i in range(40)}  # a huge inventory: the description must be cut
    failed = {"token": "mine:iron_ore", "ok": False, "error": {"kind": "not_found", "message": "x" * 200}}
    recent = [{"token": "craft:stick", "ok": True, "inventory_delta": {"stick": 4, "oak_planks": -2}}, failed, failed, failed]
    state = _state(inv)
    text = describe(state, recent)
    lines = text.splitlines()
    assert lines[0] == "hp 20 food 20 xp 0 y 70 day" and lines[1] == "hand nothing"
    assert lines[2].startswith("inv: 1 item 0, ") and lines[3] == "last: craft:stick ok +4 stick; mine:iron ore failed not found x3"
    assert "xxxx" not in text                                     # the error's kind, never its message
    assert "see: oak log 4m" in text and "mobs: pig 7m" in text   # stone is worked on but has no nearest here
    state["in_water"] = True
    assert describe(state, []).splitlines()[0].endswith("in water") and "last:" not in describe(state, [])
    tokenizer = load_backbone("tiny-random").tokenizer
    builder = PromptBuilder(tokenizer, max_tokens=64, vision_tokens=4)
    ids = builder.build(TASKS[TASK].description, _state(inv), recent)
    assert ids.length(4) <= 64
    task_ids = tokenizer(f"Task: {TASKS[TASK].description}", add_special_tokens=False)["input_ids"]
    assert ids.before[1:1 + len(task_ids)] == task_ids                 # the task is whole, right after <bos>
    assert ids.after == builder.after                                  # the skill slot's lead-in is never cut
    with pytest.raises(ValueError, match="no task"):
        builder.build("  ", _state({}))


# ----------------------------------------------------------------------------------------- dataset

def test_decisions_read_the_state_before_each_step(tmp_path: Path) -> None:
    from brain.data.decisions import DatasetError, load_decisions, split_by_session

    root = write_sessions(tmp_path / "s", sessions=3, steps=5)
    decisions = load_decisions([root], frame_size=None)
    assert len(decisions) == 15
    index, vocab = token_index(), vocabulary()
    first = [d for d in decisions if d.session == "toy_00"]
    events = [e for e in (root / "toy_00" / "events.jsonl").read_text().splitlines()]
    import json

    events = [json.loads(e) for e in events if json.loads(e)["type"] in ("reset", "step")]
    for k, d in enumerate(first):
        step, before = events[k + 1], events[k]
        assert d.skill == index[step["token"]]
        assert d.input.state == before["state"]                                    # the state the decision saw
        assert list(d.input.recent) == [e["result"] for e in events[1:k + 1]][-5:]  # and the results before it
        assert d.argument == argument_class(step["token"], TOY_ARGS.get(step["token"]))
        assert np.array_equal(d.input.mask, action_mask(vocab, before["state"]))   # recomputed from the state before
        assert int(d.input.frame[0, 0, 0]) == pytest.approx(k * 10, abs=3)          # the frame before the step
        assert d.input.mask[d.skill]
        if k + 1 < len(first):
            assert d.next_input is not None and d.next_input.state == first[k + 1].input.state
            assert list(d.next_input.recent) == list(first[k + 1].input.recent)
    assert any(d.argument is not None for d in first) and any(d.argument is None for d in decisions)
    assert first[-1].done and not first[0].done and first[-1].reward == 0.5
    assert first[-1].next_input is not None and first[-1].next_input.state == events[-1]["state"]
    train, held = split_by_session(decisions, 0.34, seed=1)
    assert {d.session for d in train}.isdisjoint({d.session for d in held}) and len(held) == 5
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception, match="no sessions"):
        load_decisions([tmp_path / "empty"])
    with pytest.raises(DatasetError, match="no sessions given"):
        load_decisions([])


# ----------------------------------------------------------------------------------------- model

def test_one_forward_gives_masked_skill_logits_and_a_value(tiny_larm: Any, toy_sessions: Path) -> None:
    from brain.data.decisions import load_decisions

    decisions = load_decisions([toy_sessions])[:5]
    inputs = [d.input for d in decisions]
    out = tiny_larm(inputs)
    v = len(vocabulary())
    assert out.logits.shape == (5, v) and out.value.shape == (5,) and out.hidden.shape == (5, tiny_larm.hidden_size)
    mask = np.stack([i.mask for i in inputs])
    assert torch.isinf(out.logits[torch.from_numpy(~mask)]).all()
    assert torch.isfinite(out.logits[torch.from_numpy(mask)]).all()
    # A batch (right-padded) gives each row what it gives alone.
    with torch.no_grad():
        single = torch.cat([tiny_larm([i]).logits for i in inputs])
    finite = torch.from_numpy(mask)
    assert torch.allclose(out.logits[finite], single[finite], atol=1e-4)
    # The frame is read: another frame changes the decision's hidden state.
    other = [type(inputs[0])(inputs[0].task, inputs[0].state, np.full((112, 112, 3), 200, np.uint8), inputs[0].mask,
                             inputs[0].recent)]
    with torch.no_grad():
        assert not torch.allclose(tiny_larm(other).hidden, tiny_larm(inputs[:1]).hidden)
    with pytest.raises(ValueError, match="mask shape"):
        tiny_larm.skill_logits(out.hidden, np.ones((5, 3), bool))


def test_behaviour_cloning_learns_the_toy_expert(toy_sessions: Path, tmp_path: Path) -> None:
    from brain.training import bc as behaviour_cloning
    from brain.model.larm import LarmModel
    from brain.training.options import TrainOptions

    lines: list[str] = []
    options = TrainOptions(phase="bc", out=tmp_path / "bc", backbone="tiny-random", sessions=[toy_sessions],
                           steps=40, batch_size=16, lr=4e-3, seed=0, device="cpu", eval_fraction=0.34, log_every=20,
                           extra={"vision": "none", "max_prompt_tokens": "160"})
    report = behaviour_cloning.run(options, lines.append)
    held = report["held_out"]
    assert report["held_out_decisions"] == 40 and len(report["held_out_sessions"]) == 2
    assert sum(report["last_losses"]) < 0.5 * sum(report["first_losses"])
    assert held["top1"] > held["baseline_majority_top1"] + 0.2
    assert held["top1"] >= held["baseline_masked_majority_top1"]
    assert held["top5"] >= held["top1"] and held["loss"] < report["held_out_before"]["loss"]
    assert held["argued"] > 10 and held["argument_accuracy"] >= 0.9        # counts are learned from the recordings
    assert any(line.startswith("step 20/40") for line in lines)
    model, parts, meta = LarmModel.from_checkpoint(options.out)
    assert meta.history[-1]["phase"] == "bc" and set(parts) == {"lora", "heads"}
    # The saved policy plays the toy expert: the live policy path (bf16, LoRA merged) on a fresh state.
    from brain.policy import LarmPolicy

    policy = LarmPolicy(str(options.out), TASK)
    rng, right, counted = random.Random(99), 0, 0
    for _ in range(20):
        inv = _random_inventory(rng)
        state = _state(inv)
        obs = {"text": render_state_text(state, [], task=TASKS[TASK].description), "frame": None}
        token, args = policy.act(obs, {"action_mask": action_mask(vocabulary(), state), "state": state, "recent": []})
        assert action_mask(vocabulary(), state)[token_index()[token]]
        right += token == toy_expert(inv)
        counted += token in TOY_ARGS and args == TOY_ARGS[token]
        assert set(args) <= {"count"} and (args or token not in TOY_ARGS)   # the toy's verbs all take a count
    assert right >= 12 and counted >= 10


# ----------------------------------------------------------------------------------------- frozen trunk

def test_the_frozen_trunk_learns_the_toy_expert_from_states_computed_once(toy_sessions: Path, tmp_path: Path) -> None:
    from brain.data.decisions import load_decisions
    from brain.model.larm import LarmConfig, LarmModel
    from brain.training.dagger import StateCache, agreement, held_out, train_heads
    from brain.training.options import TrainOptions

    torch.manual_seed(0)
    model = LarmModel.create(LarmConfig(backbone="tiny-random", vision=None, trunk="frozen"))
    assert not [p for p in model.trainable_parameters() if p.requires_grad and p not in set(model.heads.parameters())]
    decisions = load_decisions([toy_sessions], with_frames=False)
    held = [d for d in decisions if d.session in ("toy_00", "toy_01")]
    train = [d for d in decisions if d.session not in ("toy_00", "toy_01")]
    cache = StateCache(model, batch=16, path=tmp_path / "states.pt")
    cache.add(decisions, lambda m: None)
    assert 0 < len(cache.states) <= len(decisions)
    # A later run on the same backbone reads the states from disk and computes none.
    again, said = StateCache(model, batch=16, path=tmp_path / "states.pt"), []
    again.add(decisions, said.append)
    assert not said and again.states.keys() == cache.states.keys()
    # A cut-off file is not fatal: it is said, and the states are computed again.
    (tmp_path / "cut.pt").write_bytes((tmp_path / "states.pt").read_bytes()[:1000])
    said = []
    cut = StateCache(model, batch=16, path=tmp_path / "cut.pt", progress=said.append)
    assert not cut.states and len(said) == 1 and "cut.pt is unreadable" in said[0]
    frozen = {k: v.clone() for k, v in cache.states.items()}
    # The readout over the cached states is what a live decision computes (one backbone forward).
    with torch.no_grad():
        assert torch.allclose(cache.hidden(held[:3]), model.encode([d.input for d in held[:3]]), atol=2e-2)
    before = agreement(model, cache, held, train)
    options = TrainOptions(phase="dagger", out=tmp_path, steps=80, batch_size=16, lr=3e-3, log_every=1000)
    optimiser = torch.optim.AdamW(model.trainable_parameters(vision=False), lr=options.lr)
    fit = train_heads(model, cache, train, options, optimiser, random.Random(0), lambda m: None)
    after = agreement(model, cache, held, train)
    assert all(torch.equal(frozen[k], v) for k, v in cache.states.items())    # the backbone never changed
    assert fit["last_loss"] < 0.5 * fit["first_loss"]
    learner = sum(r["learner"] * r["decisions"] for r in after.values()) / len(held)
    majority = sum(r["majority"] * r["decisions"] for r in after.values()) / len(held)
    assert learner > majority + 0.2 and learner > sum(r["learner"] * r["decisions"] for r in before.values()) / len(held)
    assert set(after) <= {"none", "wooden"} and all(0 <= r["repeat_last"] <= 1 for r in after.values())
    # A session is held out or not by its name alone, the same in every iteration.
    assert [held_out(f"s{i}", 0.2) for i in range(50)] == [held_out(f"s{i}", 0.2) for i in range(50)]
    assert 3 <= sum(held_out(f"s{i}", 0.2) for i in range(50)) <= 20
