"""The one parser of `train --set KEY=VALUE` into each phase's typed settings (brain/training/options.py)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from brain.training.options import TrainOptions, parse_settings


@dataclass
class Demo:
    steps: int = 3
    rate: float = 0.5
    name: str = "x"
    flag: bool = False
    limit: int | None = None
    sizes: tuple[int, ...] = (1, 2)

    def __post_init__(self) -> None:
        if self.steps < 0:
            raise ValueError("--set steps must be >= 0")


@dataclass
class Other:
    depth: int = 1


def test_values_take_their_declared_types() -> None:
    (demo,) = parse_settings({"steps": "7", "rate": "0.25", "name": "y", "flag": "yes", "limit": "4",
                              "sizes": "32,64,128"}, "demo", Demo)
    assert demo == Demo(steps=7, rate=0.25, name="y", flag=True, limit=4, sizes=(32, 64, 128))
    (demo,) = parse_settings({"limit": "none", "flag": "0"}, "demo", Demo)
    assert demo.limit is None and demo.flag is False


def test_defaults_when_nothing_is_set() -> None:
    assert parse_settings({}, "demo", Demo, Other) == (Demo(), Other())


def test_keys_go_to_the_class_that_has_them() -> None:
    demo, other = parse_settings({"steps": "2", "depth": "9"}, "demo", Demo, Other)
    assert demo.steps == 2 and other.depth == 9


def test_an_unknown_key_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"--phase demo has no setting bogus \(known: depth, flag, limit, name"):
        parse_settings({"bogus": "1"}, "demo", Demo, Other)


@pytest.mark.parametrize("key, raw", [("steps", "many"), ("rate", "fast"), ("flag", "maybe"), ("sizes", "a,b")])
def test_a_value_of_the_wrong_type_is_refused(key: str, raw: str) -> None:
    with pytest.raises(ValueError, match=f"--set {key}={raw}: expected a value of type"):
        parse_settings({key: raw}, "demo", Demo)


def test_a_class_checks_its_own_values() -> None:
    with pytest.raises(ValueError, match="steps must be >= 0"):
        parse_settings({"steps": "-1"}, "demo", Demo)


@pytest.mark.parametrize("phase, module", [("pretrain", "brain.training.pretrain"), ("vision", "brain.training.vision"),
                                           ("bc", "brain.training.bc"), ("cola-idm", "brain.training.cola_idm"),
                                           ("cola-bc", "brain.training.cola_bc"), ("cola-rl", "brain.training.cola_rl")])
def test_every_phase_refuses_an_unknown_setting_before_it_starts(phase: str, module: str, tmp_path: Path) -> None:
    options = TrainOptions(phase=phase, out=tmp_path / "out", init=tmp_path / "no-such-init", backbone="tiny-random",
                           sessions=[tmp_path], device="cpu", extra={"no_such_setting": "1"})
    with pytest.raises(ValueError, match=f"--phase {phase} has no setting no_such_setting"):
        importlib.import_module(module).run(options, lambda message: None)
    assert not (tmp_path / "out").exists()
