"""The command line: the contract's subcommands exist, arguments are checked, unfinished commands say so."""
from __future__ import annotations

import pytest

from conftest import run_cli

CONTRACT = ["play", "check-world", "eval", "train", "finetune", "bench", "replay"]


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


@pytest.mark.parametrize("command", ["train", "finetune"])
def test_unfinished_commands_exit_2_and_say_where_they_are_tracked(command: str) -> None:
    result = run_cli(command, "--task", "x")
    assert result.returncode == 2
    assert "not implemented yet: tracked in issue" in result.stderr
