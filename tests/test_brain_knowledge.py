"""Domain pretraining: the generated knowledge text, held-out items, the user corpus, the LoRA training phase
and the recipe quiz (tiny-random backbone; the Gemma figures come from a separate run, see brain/training/pretrain.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from brain.data import knowledge as K
from brain.evaluation import knowledge_quiz as KE


@pytest.fixture(autouse=True)
def one_thread():
    """The tiny model's matrices are small: one thread is faster than two fighting a loaded machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def docs() -> list[K.Document]:
    return K.knowledge_documents(seed=0)


# ------------------------------------------------------------------------------------------- corpus

def test_known_recipes_from_minecraft_data() -> None:
    r = K.recipe("stone_pickaxe")
    assert r.canonical == {"cobblestone": 3, "stick": 2}
    assert r.needs_table and r.makes == 1
    # minecraft-data expands the stone tool materials tag into variants
    assert {"cobbled_deepslate": 3, "stick": 2} in r.variants and {"blackstone": 3, "stick": 2} in r.variants
    assert r.answer() == "3 cobblestone and 2 sticks"
    assert K.recipe("oak_planks").canonical == {"oak_log": 1} and not K.recipe("oak_planks").needs_table
    assert K.recipe("oak_planks").makes == 4
    assert K.recipe("torch").canonical == {"coal": 1, "stick": 1}
    with pytest.raises(K.KnowledgeError):
        K.recipe("bedrock")


def test_corpus_states_the_facts(docs: list[K.Document]) -> None:
    texts = [d.text for d in docs]
    assert "Q: What do I need to craft a stone pickaxe?\nA: 3 cobblestone and 2 sticks." in texts
    assert any(t.startswith("To craft a stone pickaxe,") and "3 cobblestone and 2 sticks, at a crafting table" in t
               for t in texts)
    assert "Q: What pickaxe do I need to mine iron ore?\nA: A stone pickaxe or better." in texts
    assert "Q: What pickaxe do I need to mine diamond ore?\nA: An iron pickaxe or better." in texts
    assert any(t in texts for t in ("Smelting raw iron in a furnace gives an iron ingot.",
                                    "Put raw iron in a furnace with fuel and you get an iron ingot."))
    assert "Q: What do I get from smelting raw iron?\nA: An iron ingot." in texts
    assert "Q: What does iron ore drop?\nA: Raw iron." in texts
    assert "Coal burns for 80 seconds in a furnace, enough to smelt 8 items." in texts
    assert any("Efficiency can be put on a pickaxe" in t for t in texts)
    assert any("lapis lazuli" in t and "enchanting table" in t.lower() for t in texts)
    # several phrasings per recipe, every document tagged with the items it names
    stone = [d for d in docs if d.kind == "recipe" and d.items[0] == "stone_pickaxe"]
    assert len(stone) >= 5 and all({"stone_pickaxe", "cobblestone", "stick"} <= set(d.items) for d in stone)
    assert {d.kind for d in docs} >= {"recipe", "use", "harvest", "drop", "mob", "smelt", "fuel", "food", "enchant"}


def test_corpus_is_deterministic_per_seed(docs: list[K.Document]) -> None:
    assert K.knowledge_documents(seed=0) == docs
    other = K.knowledge_documents(seed=1)
    assert other != docs and sorted(d.items for d in other) == sorted(d.items for d in docs)


def test_held_out_choice_allows_generalisation() -> None:
    held = K.choose_held_out(0.2, seed=0)
    assert held == K.choose_held_out(0.2, seed=0)
    assert "stone_pickaxe" in held and len(held) >= 5
    for grid_materials in (K.TOOL_MATERIALS, K.ARMOR_MATERIALS):
        cells = [h for h in held if h.split("_")[0] in grid_materials and
                 h.split("_", 1)[1] in (K.TOOL_KINDS if grid_materials is K.TOOL_MATERIALS else K.ARMOR_KINDS)]
        assert len({c.split("_")[0] for c in cells}) == len(cells)       # one per material
        assert len({c.split("_", 1)[1] for c in cells}) == len(cells)    # one per kind
    # the stone pickaxe's neighbours stay in the training text
    train = K.build_corpus(0, held).train
    text = "\n".join(d.text for d in train)
    for neighbour in ("stone sword", "stone shovel", "wooden pickaxe", "iron pickaxe", "diamond pickaxe"):
        assert f"craft a {neighbour}" in text or f"craft an {neighbour}" in text


def test_held_out_items_never_appear_in_training_text() -> None:
    for seed in (0, 3):
        corpus = K.build_corpus(seed)
        assert corpus.held_out_items and corpus.held_out_docs
        text = "\n".join(d.text for d in corpus.train).lower()
        for item in corpus.held_out_items:
            assert K.name(item) not in text, item
            assert not any(item in d.items for d in corpus.train)
        assert all(any(i in d.items for i in corpus.held_out_items) for d in corpus.held_out_docs)


def test_user_corpus_is_chunked_and_mixed_in(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nCreepers explode near players.\n\n" + "Lava is hot. " * 100 + "\n\nThe end.\n")
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "a.txt").write_text("Villagers trade emeralds.")
    user = K.load_user_corpus([notes, folder], max_chars=300)
    assert all(len(d.text) <= 300 and d.kind == "user" and d.items == () for d in user)
    assert any("Creepers explode" in d.text for d in user) and any("Villagers" in d.text for d in user)
    assert sum(d.text.count("Lava is hot.") for d in user) == 100
    corpus = K.build_corpus(0, user_paths=[notes, folder])
    n_user = len(K.load_user_corpus([notes, folder]))
    assert sum(d.kind == "user" for d in corpus.train) == n_user
    assert corpus.train.index(next(d for d in corpus.train if d.kind == "user")) < len(corpus.train) - n_user

    with pytest.raises(K.KnowledgeError, match="does not exist"):
        K.load_user_corpus([tmp_path / "missing.txt"])
    (tmp_path / "x.pdf").write_text("no")
    with pytest.raises(K.KnowledgeError, match="plain text"):
        K.load_user_corpus([tmp_path / "x.pdf"])
    (tmp_path / "empty.txt").write_text("  \n\n ")
    with pytest.raises(K.KnowledgeError, match="empty"):
        K.load_user_corpus([tmp_path / "empty.txt"])


# ------------------------------------------------------------------------------------------- quiz

def test_questions_have_one_right_answer() -> None:
    held = K.choose_held_out(0.2, 0)
    questions = KE.build_questions(held, KE.trained_sample(held, 6), seed=0)
    assert [q.item for q in questions if q.held_out] == held
    for q in questions:
        assert len(q.choices) == 4 and len(set(q.choices)) == 4
        assert KE.answer_is_right(q.choices[q.answer], q.truths)
        assert sum(KE.answer_is_right(c, q.truths) for c in q.choices) == 1, q
    stone = questions[held.index("stone_pickaxe")]
    assert stone.choices[stone.answer] == " 3 cobblestone and 2 sticks."
    assert KE.answer_is_right("2 sticks and 3 cobbled deepslate.", stone.truths)
    assert not KE.answer_is_right("3 cobblestone and 1 stick.", stone.truths)
    assert not KE.answer_is_right("The pickaxe is a tool.", stone.truths)


def test_choice_scores_are_the_answer_log_likelihood() -> None:
    from brain.model.backbone import load_backbone

    bb = load_backbone("tiny-random")
    q = KE.build_questions(["stone_pickaxe"], [], seed=0)[0]
    scores = KE.choice_scores(bb.model, bb.tokenizer, [q])[0]
    prompt = [bb.tokenizer.bos_token_id] + bb.tokenizer(q.prompt, add_special_tokens=False).input_ids
    for choice, score in zip(q.choices, scores):
        full = prompt + bb.tokenizer(choice, add_special_tokens=False).input_ids
        with torch.no_grad():
            logp = torch.log_softmax(bb.model(input_ids=torch.tensor([full])).logits[0].float(), -1)
        want = torch.stack([logp[i - 1, full[i]] for i in range(len(prompt), len(full))]).mean().item()
        assert score == pytest.approx(want, abs=1e-4)


def test_quiz_scores_a_taught_answer() -> None:
    """Teach the tiny model one Q/A pair: the quiz must then pick it (and did not before)."""
    from brain.model.backbone import load_backbone
    from brain.model.lora import LoraSettings, add_lora
    from brain.training.pretrain import TokenLoss, pack, tokenize_documents

    bb = load_backbone("tiny-random")
    torch.manual_seed(0)
    model = add_lora(bb.model, LoraSettings(rank=8, dropout=0.0))
    q = KE.build_questions(["stone_pickaxe"], [], seed=0)[0]
    before = KE.evaluate(model, bb.tokenizer, [q], generate=False)
    doc = K.Document(q.prompt + q.choices[q.answer], ("stone_pickaxe",), "recipe")
    ids, labels = pack(tokenize_documents(bb.tokenizer, [doc], 64), 64, bb.tokenizer.pad_token_id)
    loss = TokenLoss(model, None, 0, "cpu", 0)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    for _ in range(40):
        value, _ = loss(ids, labels)
        opt.zero_grad()
        value.backward()
        opt.step()
    after = KE.evaluate(model, bb.tokenizer, [q], generate=True)
    assert after.held_out.choice_accuracy == 1.0
    assert after.held_out.greedy_accuracy == 1.0
    assert after.examples[0]["scores"][q.answer] > before.examples[0]["scores"][q.answer] + 1.0


# ------------------------------------------------------------------------------------- pretraining

def test_pretrain_lowers_loss_and_writes_a_loadable_checkpoint(tmp_path: Path) -> None:
    from brain.model.backbone import load_backbone
    from brain.model.checkpoint import CheckpointMeta, load_checkpoint, read_meta, save_checkpoint
    from brain.model.lora import LoraSettings, add_lora, load_lora_state, lora_state
    from brain.training.pretrain import run
    from brain.training.options import TrainOptions

    notes = tmp_path / "notes.txt"
    notes.write_text("Creepers explode near players.\n\nPigs drop porkchops.")
    lines: list[str] = []
    extra = {"seq_len": "64", "max_docs": "60", "amp": "fp32", "eval_trained": "2", "eval_generate": "0",
             "save_every": "10", "lora_rank": "8", "held_out": "stone_pickaxe,iron_hoe"}
    opts = TrainOptions(phase="pretrain", out=tmp_path / "ckpt", backbone="tiny-random", corpus=[notes], steps=30,
                        batch_size=8, lr=1e-2, log_every=10, extra=extra)
    report = run(opts, lines.append)
    assert report["loss_final"] < report["loss_first"] - 0.1, report
    assert report["held_out_items"] == ["stone_pickaxe", "iron_hoe"]
    assert report["quiz_before"]["held_out"]["n"] == 2 and report["quiz_after"]["trained"]["n"] == 2
    assert any(line.startswith("step 10/30 loss") and "tokens/s" in line for line in lines)

    parts, meta = load_checkpoint(tmp_path / "ckpt", load_backbone("tiny-random").fingerprint)
    assert set(parts) == {"lora"}
    assert meta.configs["lora"]["rank"] == 8
    entry = meta.history[-1]
    assert entry["phase"] == "pretrain" and entry["steps"] == 30 and entry["held_out_items"] == ["stone_pickaxe", "iron_hoe"]
    assert entry["final_loss"] == report["loss_final"] and entry["user_corpus"] == [str(notes)]
    fresh = add_lora(load_backbone("tiny-random").model, LoraSettings(**{**meta.configs["lora"], "targets": tuple(meta.configs["lora"]["targets"])}))
    load_lora_state(fresh, parts["lora"])
    for key, value in lora_state(fresh).items():
        assert torch.equal(value, parts["lora"][key])
    assert any(v.abs().sum() > 0 for k, v in parts["lora"].items() if "lora_B" in k)   # it trained

    # --init: LoRA continues from the checkpoint, other parts and history are copied through
    heads = {"w": torch.arange(6.0).reshape(2, 3)}
    save_checkpoint(tmp_path / "with_heads", {**parts, "heads": heads}, CheckpointMeta(**{**meta.__dict__, "configs": {**meta.configs, "larm": {"x": 1}}}))
    again = TrainOptions(phase="pretrain", out=tmp_path / "ckpt2", init=tmp_path / "with_heads", backbone="tiny-random",
                         steps=2, batch_size=4, lr=1e-3, log_every=1,
                         extra={"seq_len": "64", "max_docs": "20", "amp": "fp32", "eval": "0", "lora_rank": "4"})
    run(again, lambda _: None)
    parts2, meta2 = load_checkpoint(tmp_path / "ckpt2")
    assert torch.equal(parts2["heads"]["w"], heads["w"]) and meta2.configs["larm"] == {"x": 1}
    assert meta2.configs["lora"]["rank"] == 8                 # the init's LoRA settings win
    assert [h["phase"] for h in read_meta(tmp_path / "ckpt2").history] == ["pretrain", "pretrain"]


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    from brain.training.pretrain import run
    from brain.training.options import TrainOptions

    def opts(**extra: str) -> TrainOptions:
        return TrainOptions(phase="pretrain", out=tmp_path / "c", backbone="tiny-random", steps=1, extra=extra)

    with pytest.raises(ValueError, match="--phase pretrain has no setting sequence"):
        run(opts(sequence="3"), print)
    with pytest.raises(ValueError, match="unknown items"):
        run(opts(held_out="stone_pickax"), print)
    with pytest.raises(K.KnowledgeError, match="does not exist"):
        run(TrainOptions(phase="pretrain", out=tmp_path / "c", backbone="tiny-random", corpus=[tmp_path / "nope.txt"]), print)
