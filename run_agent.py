#!/usr/bin/env python3
"""The LARM Minecraft agent's command line: one entry point, one subcommand per task (design section 9).

    python run_agent.py check-world [--json] [--seed N] [--recipes all|N]
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

# Subcommands in the contract that later issues implement, and where each is tracked.
NOT_YET = {
    "play": ("start the embedded server (or --server HOST:PORT), the bridge and the agent", 3),
    "eval": ("the evaluation protocol: --policy --task --seeds N --json", 3),
    "bench": ("latency (policy decision time) and bridge (observation and frame rates)", 3),
    "replay": ("a recorded session, as a timeline and video", 3),
    "train": ("offline phases: domain pretraining, behaviour cloning, CoLA phases", 4),
    "finetune": ("online referee RL while playing", 4),
}


def _recipes(value: str) -> str:
    """--recipes: 'all', or how many recipes to sample (0 skips the measurement)."""
    if value == "all" or value.isdigit():
        return value
    raise argparse.ArgumentTypeError(f"expected 'all' or a number, got {value!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_agent.py",
        description="A LARM agent playing Minecraft 1.21.4 through mineflayer, toward enchanted diamond gear.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ("play",):
        _not_yet(sub, name)
    check = sub.add_parser(
        "check-world",
        help="start a fresh embedded server and a bot, exercise every survival mechanic, one row each",
        description="Start a fresh embedded server and a mineflayer bot and exercise every survival mechanic "
        "through the protocol with mineflayer's standard API. Exit 0 iff all pass.",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    check.add_argument("--seed", type=int, default=1, help="world seed (default 1)")
    check.add_argument("--recipes", type=_recipes, default="all", metavar="all|N",
                       help="crafting recipes to measure bot.craft on: all (default), a sample of N, or 0 to skip")
    check.add_argument("--only", metavar="PREFIX[,PREFIX]", help="run only the mechanics whose names start so")
    check.add_argument("--verbose", action="store_true", help="also relay the server's log to stderr")
    for name in ("eval", "train", "finetune", "bench", "replay"):
        _not_yet(sub, name)
    return parser


def _not_yet(sub: argparse._SubParsersAction, name: str) -> None:
    summary, issue = NOT_YET[name]
    sub.add_parser(name, help=f"{summary} (not implemented yet: issue {issue})", description=summary)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)  # unimplemented commands accept their future options
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command in NOT_YET:
        print(f"run_agent.py {args.command}: not implemented yet: tracked in issue {NOT_YET[args.command][1]}", file=sys.stderr)
        return 2
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "check-world":
        from bridge.check_world import main as check_world

        only = [p for p in args.only.split(",") if p] if args.only else None
        return check_world(seed=args.seed, recipes=args.recipes, as_json=args.json, only=only, verbose=args.verbose)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
