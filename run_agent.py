#!/usr/bin/env python3
"""The LARM Minecraft agent's command line: one entry point, one subcommand per task (design section 9).

    python run_agent.py play [--task T] [--policy expert|random|larm] [--seed N] [--server HOST:PORT] [--record DIR]
    python run_agent.py eval --policy expert --task enchanted_diamond_sword --seeds 10 [--json]
    python run_agent.py check-world [--json] [--seed N] [--recipes all|N]
    python run_agent.py replay SESSION_DIR [--video OUT.mp4] [--json]
    python run_agent.py bench bridge [--json] [--seed N] [--server HOST:PORT]
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

# Subcommands in the contract that later issues implement, and where each is tracked.
NOT_YET = {
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
    play = sub.add_parser("play", help="start the embedded server (or --server HOST:PORT), the bridge and the agent",
                          description="Play one episode: start a fresh embedded world (or join --server), the "
                          "bridge and the agent, show each decision, record the session.")
    _episode_options(play)
    play.add_argument("--seed", type=int, default=None, help="embedded world seed (default: random)")
    play.add_argument("--server", metavar="HOST:PORT", help="play on this Minecraft 1.21.4 server instead")
    play.add_argument("--assist", action="append", default=[], choices=["give", "teleport", "keepInventory"],
                      help="turn on an assist of the embedded server (off by default; every use is recorded)")
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
    ev = sub.add_parser("eval", help="the evaluation protocol: --policy --task --seeds N --json",
                        description="Run the policy from fresh embedded worlds (seeds START..START+N-1, assists "
                        "off) and report per tier (wooden, stone, iron, diamond, enchanted diamond) the "
                        "successes, median game ticks and wall time.")
    _episode_options(ev)
    ev.add_argument("--seeds", type=int, default=10, help="how many fresh worlds (default 10)")
    ev.add_argument("--seed-start", type=int, default=1, help="first seed (default 1)")
    ev.add_argument("--quiet", action="store_true", help="no per-step progress on stderr")
    for name in ("train", "finetune"):
        _not_yet(sub, name)
    replay = sub.add_parser("replay", help="a recorded session, as a timeline and video",
                            description="Print a recorded session's timeline (step, token, ok/error, reward) "
                            "and optionally write an annotated video.")
    replay.add_argument("session", metavar="SESSION_DIR", help="a session folder (holds metadata.json, events.jsonl)")
    replay.add_argument("--video", metavar="OUT.mp4", help="write the frames, annotated, to this video file")
    replay.add_argument("--fps", type=float, default=2.0, help="frames per second of the video (default 2)")
    replay.add_argument("--json", action="store_true", help="print the timeline as JSON")
    bench = sub.add_parser("bench", help="latency (policy decision time) and bridge (observation and frame rates)",
                           description="Benchmarks. bridge: observation round trip, frame stream rate and skill "
                           "dispatch overhead against a fresh embedded world (or --server).")
    bench.add_argument("which", choices=["bridge", "latency"], help="what to measure")
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.add_argument("--seed", type=int, default=1, help="embedded world seed (default 1)")
    bench.add_argument("--server", metavar="HOST:PORT", help="use this Minecraft server instead of a fresh embedded one")
    bench.add_argument("--observes", type=int, default=200, help="observe round trips to time (default 200)")
    bench.add_argument("--stream-seconds", type=float, default=10.0, help="seconds of frame streaming (default 10)")
    bench.add_argument("--fps", type=float, default=10, help="frame stream rate to request (default 10)")
    bench.add_argument("--size", default="224x224", metavar="WxH", help="frame size (default 224x224)")
    bench.add_argument("--skill-trials", type=int, default=30, help="trivial skills to time (default 30)")
    return parser


def _episode_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", default="enchanted_diamond_sword",
                   help="wooden_sword, stone_sword, iron_sword, diamond_sword or enchanted_diamond_sword (default)")
    p.add_argument("--policy", default="expert", choices=["expert", "random", "larm"], help="who decides (default expert)")
    p.add_argument("--checkpoint", help="the LARM policy's checkpoint folder")
    p.add_argument("--record", metavar="DIR", help="where session folders go (default ./sessions)")
    p.add_argument("--max-steps", type=int, default=400, help="skill decisions per episode (default 400)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


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
    if args.command in ("play", "eval"):
        from agent.rewards import TASKS

        if args.task not in TASKS:
            parser.error(f"unknown --task {args.task!r}; known: {', '.join(TASKS)}")
        if args.max_steps < 1:
            parser.error("--max-steps must be at least 1")
        if args.command == "play":
            from agent.play import play

            return play(args.task, args.policy, args.seed, args.server, args.record, args.max_steps, args.checkpoint,
                        args.assist, args.json)
        if args.seeds < 1:
            parser.error("--seeds must be at least 1")
        from agent.play import evaluate

        return evaluate(args.task, args.policy, args.seeds, args.seed_start, args.record, args.max_steps,
                        args.checkpoint, args.json, args.quiet)
    if args.command == "replay":
        from agent.replay import main as replay

        return replay(args.session, video=args.video, as_json=args.json, fps=args.fps)
    if args.command == "bench":
        if args.which == "latency":
            print("run_agent.py bench latency: not implemented yet: tracked in issue 4", file=sys.stderr)
            return 2
        from bridge.bench import main as bench_bridge

        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            parser.error(f"--size must be WxH, got {args.size!r}")
        return bench_bridge(as_json=args.json, seed=args.seed, server=args.server, observes=args.observes,
                            pings=args.observes, stream_seconds=args.stream_seconds, fps=args.fps, width=width,
                            height=height, skill_trials=args.skill_trials)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
