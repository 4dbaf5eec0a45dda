"""The command line: the contract's subcommands exist and arguments are checked."""
from __future__ import annotations

import pytest

from conftest import run_cli

CONTRACT = ["play", "check-world", "eval", "train", "finetune", "bench", "replay", "referee", "report", "serve"]


def test_help_lists_every_contract_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in CONTRACT:
        assert command in result.stdout


def test_no_command_prints_help_and_exits_2() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "COMMAND" in result.stderr


def test_unknown_command_is_an_error() -> None:
    result = run_cli("fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--seed", "abc"], ["--recipes", "some"], ["--seed"]])
def test_check_world_rejects_bad_arguments(args: list[str]) -> None:
    result = run_cli("check-world", *args)
    assert result.returncode == 2
    assert "error" in result.stderr


def test_check_world_help_documents_its_options() -> None:
    result = run_cli("check-world", "--help")
    assert result.returncode == 0
    for option in ("--json", "--seed", "--recipes"):
        assert option in result.stdout


def test_finetune_refuses_an_unknown_task() -> None:
    result = run_cli("finetune", "--task", "x", "--checkpoint-dir", "unused")
    assert result.returncode == 2 and "unknown --task 'x'" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--phase", "bc"], "required: --out"),
    (["--phase", "fly", "--out", "x"], "invalid choice"),
    (["--phase", "bc", "--out", "/no/such/folder/ck"], "/no/such/folder does not exist"),
    (["--phase", "bc", "--out", "OUT", "--backbone", "/no/such/backbone"], "no such folder"),
    (["--phase", "bc", "--out", "OUT", "--sessions", "/no/such/sessions"], "--sessions /no/such/sessions: no such folder"),
    (["--phase", "bc", "--out", "OUT", "--init", "/no/such/ck"], "not a checkpoint folder"),
    (["--phase", "bc", "--out", "OUT", "--backbone", "tiny-random", "--sessions", "EMPTY"], "no sessions under"),
    (["--phase", "bc", "--out", "OUT", "--backbone", "tiny-random", "--sessions", "EMPTY", "--set", "nokey"],
     "expected KEY=VALUE"),
])
def test_train_rejects_bad_input_with_one_clear_line(args: list[str], message: str, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    args = [str(tmp_path / "ck") if a == "OUT" else str(tmp_path / "empty") if a == "EMPTY" else a for a in args]
    result = run_cli("train", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_train_bc_then_bench_latency_on_its_checkpoint(tmp_path) -> None:
    import json

    from test_brain_larm import write_sessions

    sessions = write_sessions(tmp_path / "sessions", sessions=2, steps=6)
    out = tmp_path / "bc"
    result = run_cli("train", "--phase", "bc", "--backbone", "tiny-random", "--sessions", str(sessions), "--out",
                     str(out), "--steps", "3", "--batch-size", "4", "--device", "cpu", "--set", "vision=none", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["phase"] == "bc" and report["held_out_decisions"] == 6 and (out / "meta.json").is_file()
    assert "[train bc] step 3/3" in result.stderr
    result = run_cli("bench", "latency", "--checkpoint", str(out), "--device", "cpu", "--decisions", "4",
                     "--sessions", str(sessions), "--dtype", "auto", "--dtype", "bf16", "--json")
    assert result.returncode == 0, result.stderr
    live, bf16 = json.loads(result.stdout)["latency"]   # the live policy's precision on a CPU, then bf16 beside it
    assert (live["dtype"], bf16["dtype"]) == ("float32", "bfloat16")
    for cpu in (live, bf16):
        assert cpu["device"] == "cpu" and cpu["decisions"] == 4 and cpu["backbone"] == "tiny-random"
        assert 0 < cpu["p50_ms"] <= cpu["p99_ms"] and cpu["peak_memory_mb"] > 0


def test_ctrl_c_ends_with_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import run_agent

    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("agent.play.play", interrupted)
    assert run_agent.main(["play", "--policy", "expert", "--seed", "3", "--no-dashboard"]) == 130
    assert capsys.readouterr().err == "run_agent.py: interrupted\n"
