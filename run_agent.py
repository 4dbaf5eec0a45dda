#!/usr/bin/env python3
"""The LARM Minecraft agent's command line: one entry point, one subcommand per task (design section 9).

    python run_agent.py play [--task T] [--policy expert|random|larm] [--seed N] [--server HOST:PORT] [--record DIR]
    python run_agent.py eval --policy expert --task enchanted_diamond_sword --seeds 10 [--json]
    python run_agent.py check-world [--json] [--seed N] [--recipes all|N]
    python run_agent.py serve [--port P] [--seed S] [--world DIR] [--host HOST]
    python run_agent.py report EVAL.json[=CHECKPOINT] ... [--png OUT.png] [--json]
    python run_agent.py referee --eval SESSIONS [--referee oracle|openai|hf] [--referee-noise P] [--json]
    python run_agent.py replay SESSION_DIR [--video OUT.mp4] [--json] [--serve]
    python run_agent.py bench bridge [--json] [--seed N] [--server HOST:PORT]
    python run_agent.py bench soak [--minutes M] [--sample-every S] [--seed N] [--json]
    python run_agent.py bench latency [--json] [--backbone SPEC] [--checkpoint DIR] [--device cpu|cuda|auto] [--dtype auto|bf16|fp32 ...] [--decisions N]
    python run_agent.py train --phase {pretrain,vision,bc,dagger,cola-idm,cola-bc,cola-rl} --out DIR [--init DIR] [--sessions DIR ...]
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence

from agent.dashboard.cli import add_options as add_dashboard_options, live_dashboard
from agent.env import DEFAULT_STUCK_AFTER, FAST_SPEED
from agent.interrupt import sigterm_as_ctrl_c
from agent.seeds import DEFAULT_EVAL_SEED_START
from agent.tasks import DEFAULT_TASK, TASKS, TIERS
from world.embedded_server import MAX_SPEED
from brain.model.backbone import DEFAULT_BACKBONE, TINY_BACKBONE
from brain.model.device import DTYPES

if TYPE_CHECKING:
    from agent.policies import Policy

# Each training phase's module (imported only when asked for) and whether it reads recorded sessions.
PHASE_MODULES = {"pretrain": ("brain.training.pretrain", False), "vision": ("brain.training.vision", True),
                 "bc": ("brain.training.bc", True), "dagger": ("brain.training.dagger", False), "cola-idm": ("brain.training.cola_idm", True),
                 "cola-bc": ("brain.training.cola_bc", True), "cola-rl": ("brain.training.cola_rl", False)}
KNOWN_BACKBONES = (DEFAULT_BACKBONE, TINY_BACKBONE)


def _numbers(kind: type) -> Callable[[str], list[Any]]:
    """A comma-separated list of positive numbers ('1,2,4'); 0 alone is the empty list."""
    def parse(text: str) -> list[Any]:
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
        if values == [0]:
            return []
        if not values or any(v <= 0 for v in values):
            raise argparse.ArgumentTypeError(f"expected positive numbers separated by commas, got {text!r}")
        return values
    return parse


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
    _episode_options(play, default_policy="larm")
    play.add_argument("--seed", type=int, default=None, help="embedded world seed (default: random)")
    play.add_argument("--server", metavar="HOST:PORT", help="play on this Minecraft 1.21.4 server instead")
    play.add_argument("--assist", action="append", default=[], choices=["give", "teleport", "keepInventory"],
                      help="turn on an assist of the embedded server (off by default; every use is recorded)")
    play.add_argument("--finetune-dir", metavar="DIR",
                      help="--policy larm: be ready to switch into finetuning (referee RL) in the running world, "
                      "writing the run to DIR; the switch comes after --finetune-after decisions or when the "
                      "process gets SIGUSR1 (kill -USR1 PID)")
    play.add_argument("--finetune-after", type=int, default=0, metavar="N",
                      help="switch into finetuning after N decisions (default 0: only on SIGUSR1)")
    add_dashboard_options(play)
    play.add_argument("--finetune-steps", type=int, default=256, metavar="M",
                      help="decisions of finetuning once switched (default 256)")
    _referee_options(play)
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
    serve = sub.add_parser("serve", help="the embedded world alone, for people who join it with their own client",
                           description="Run the embedded Minecraft 1.21.4 world alone (offline mode) until Ctrl-C. "
                           "In memory by default; --world DIR saves it there when it stops and every 6000 ticks, "
                           "and continues the world a folder holds.")
    serve.add_argument("--port", type=int, default=25565, help="port (default 25565; 0: any free one)")
    serve.add_argument("--seed", type=int, default=1, help="seed of a new world (a world folder keeps its own)")
    serve.add_argument("--world", metavar="DIR", help="keep the world in this folder (region files, player data, "
                       "level.dat)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--speed", type=float, default=1.0, help="game clock, K times real time (default 1)")
    ev = sub.add_parser("eval", help="the evaluation protocol: --policy --task --seeds N --json",
                        description="Run the policy from fresh embedded worlds (seeds START..START+N-1, assists "
                        f"off) and report per tier ({', '.join(TIERS)}) the successes, median game ticks and "
                        "wall time.")
    _episode_options(ev, default_policy="expert")
    ev.add_argument("--seeds", type=int, default=10, help="how many fresh worlds (default 10)")
    ev.add_argument("--seed-start", type=int, default=DEFAULT_EVAL_SEED_START,
                    help=f"first seed (default {DEFAULT_EVAL_SEED_START}: the evaluation range, agent/seeds.py, "
                    "which no training phase plays)")
    ev.add_argument("--quiet", action="store_true", help="no per-step progress on stderr")
    ev.add_argument("--workers", type=int, default=1, metavar="N",
                    help="worlds at once, each a Ray actor (default 1: one world in this process, no Ray); more "
                    "than this machine holds (a CPU and about 1 GB each) is capped, with a warning")
    ev.add_argument("--ray-address", metavar="ADDR",
                    help="run the workers on this Ray cluster (every node with the project installed) instead of "
                    "a local Ray runtime")
    add_dashboard_options(ev)
    _train_parser(sub)
    report = sub.add_parser("report", help="success per tier against DAgger iteration and labelled decisions, "
                            "from eval --json reports of LARM checkpoints",
                            description="Place each `eval --policy larm --checkpoint C --json` report by C's training "
                            "history (DAgger iterations with the learner playing; decisions trained on), print the "
                            "table and draw the plot.")
    report.add_argument("reports", nargs="+", metavar="EVAL.json[=CHECKPOINT]",
                        help="eval --json reports (=CHECKPOINT where the report does not name its checkpoint); "
                        "with --finetune, finetune run folders")
    report.add_argument("--finetune", action="store_true",
                        help="the arguments are finetune --checkpoint-dir folders: success against decisions per "
                        "run, a colour per arm (referee, noise, latent), and a table per arm")
    report.add_argument("--png", metavar="OUT.png", help="write the plot here")
    report.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    _referee_parser(sub)
    _finetune_parser(sub)
    replay = sub.add_parser("replay", help="a recorded session, as a timeline and video",
                            description="Print a recorded session's timeline (step, token, ok/error, reward) "
                            "and optionally write an annotated video.")
    replay.add_argument("session", metavar="SESSION_DIR", help="a session folder (holds metadata.json, events.jsonl)")
    replay.add_argument("--video", "--export", metavar="OUT.mp4", dest="video",
                        help="write the frames to this video file, with the skill, its result, the reward and the "
                        "inventory written on each")
    replay.add_argument("--fps", type=float, default=2.0, help="frames per second of the video (default 2)")
    replay.add_argument("--json", action="store_true", help="print the timeline as JSON")
    replay.add_argument("--serve", action="store_true",
                        help="replay it in the dashboard page (SESSION_DIR may also be a folder of sessions: "
                        "the page lists them) until Ctrl-C")
    add_dashboard_options(replay, switch=False)
    bench = sub.add_parser("bench", help="latency (policy decision time), bridge (observation and frame rates), "
                           "world (game clock speeds, resets, workers), soak (memory over a long run)",
                           description="Benchmarks. bridge: observation round trip, frame stream rate and skill "
                           "dispatch overhead against a fresh embedded world (or --server). world: reset time, "
                           "the expert's decisions per hour at each game clock speed and with N workers, with CPU use. "
                           f"soak: the expert plays fresh worlds at speed {FAST_SPEED:g} for --minutes while the "
                           "memory of the bridge, the server and the agent is sampled: start, end, peak, MB per hour.")
    bench.add_argument("which", choices=["bridge", "latency", "world", "soak"], help="what to measure")
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.add_argument("--seed", type=int, default=1,
                       help="embedded world seed (default 1; soak: the first world's, then N+1, N+2...)")
    bench.add_argument("--minutes", type=float, default=30.0, help="soak: how long to play (default 30)")
    bench.add_argument("--sample-every", type=float, default=5.0, metavar="S",
                       help="soak: seconds between two memory samples (default 5)")
    bench.add_argument("--server", metavar="HOST:PORT", help="use this Minecraft server instead of a fresh embedded one")
    bench.add_argument("--observes", type=int, default=200, help="observe round trips to time (default 200)")
    bench.add_argument("--stream-seconds", type=float, default=10.0, help="seconds of frame streaming (default 10)")
    bench.add_argument("--fps", type=float, default=10, help="frame stream rate to request (default 10)")
    bench.add_argument("--size", default="224x224", metavar="WxH", help="frame size (default 224x224)")
    bench.add_argument("--skill-trials", type=int, default=30, help="trivial skills to time (default 30)")
    bench.add_argument("--backbone", default=DEFAULT_BACKBONE,
                       help="latency: backbone spec (gemma-3-270m, tiny-random or a HF folder; default gemma-3-270m)")
    bench.add_argument("--checkpoint", metavar="DIR", help="latency: a LARM checkpoint (default: untrained heads)")
    bench.add_argument("--dtype", action="append", choices=DTYPES, default=None,
                       help="latency: the backbone's precision, repeatable to compare in one run (default auto: "
                            "what the live policy uses, fp32 on a CPU and bf16 on CUDA)")
    bench.add_argument("--device", default="auto", choices=["cpu", "cuda", "auto"],
                       help="latency: where to run (auto: the CPU, and CUDA too when present)")
    bench.add_argument("--decisions", type=int, default=None,
                       help="latency: decisions to time (default 50); world: expert decisions per row (default 12)")
    bench.add_argument("--speeds", type=_numbers(float), default=[1.0, 2.0, 4.0, FAST_SPEED], metavar="K,K",
                       help=f"world: game clock speeds to measure (default 1,2,4,{FAST_SPEED:g})")
    bench.add_argument("--workers", type=_numbers(int), default=[1, 2, 4], metavar="N,N",
                       help="world: worlds at once on Ray, at --worker-speed (default 1,2,4; 0 to skip)")
    bench.add_argument("--worker-speed", type=_speed, default=FAST_SPEED, metavar="K",
                       help=f"world: the game clock of the worker rows (default {FAST_SPEED:g})")
    bench.add_argument("--resets", type=int, default=3, help="world: fresh worlds to time reset() on (default 3)")
    bench.add_argument("--seeds", type=int, default=4, help="world: training seeds every row plays (default 4)")
    bench.add_argument("--ray-address", metavar="ADDR", help="world: a Ray cluster for the workers")
    bench.add_argument("--sessions", nargs="+", default=None, metavar="DIR",
                       help="latency: recorded sessions to take observations from (default ./sessions if present, "
                       "else a built-in sample)")
    return parser


def _train_parser(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser("train", help="training phases: domain pretraining, vision, behaviour cloning, DAgger, CoLA phases",
                           description="Run one offline training phase and write its checkpoint (LoRA, heads, vision, "
                           "CoLA parts; the backbone by name and fingerprint) atomically to --out.")
    train.add_argument("--phase", required=True, choices=list(PHASE_MODULES), help="which phase")
    train.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder to write")
    train.add_argument("--init", metavar="DIR", help="checkpoint to start from (its other parts are kept)")
    train.add_argument("--backbone", default=None,
                       help="gemma-3-270m (default), tiny-random, or a Hugging Face causal-LM folder; with --init, "
                       "the init's backbone by default")
    train.add_argument("--sessions", nargs="+", default=[], metavar="DIR",
                       help="recorded session folders, or folders of them (default ./sessions when present)")
    train.add_argument("--corpus", nargs="+", default=[], metavar="PATH",
                       help="extra text for pretraining: .txt/.md files, or folders of them")
    train.add_argument("--steps", type=int, default=200, help="optimiser steps (default 200)")
    train.add_argument("--batch-size", type=int, default=8, help="batch size (default 8)")
    train.add_argument("--lr", type=float, default=2e-4, help="learning rate (default 2e-4)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--device", default="auto", help="cpu, cuda or auto (default: cuda when present)")
    train.add_argument("--eval-fraction", type=float, default=0.2, help="held-out share (default 0.2)")
    train.add_argument("--log-every", type=int, default=10, help="progress line every N steps (default 10)")
    train.add_argument("--allow-evaluation-seeds", action="store_true",
                       help="learn from worlds or recorded sessions of evaluation seeds (refused by default: "
                            "agent/seeds.py); the checkpoint's training log says so")
    train.add_argument("--iterations", type=int, default=None, help="dagger: iterations (default 1)")
    train.add_argument("--episodes", type=int, default=None, help="dagger: worlds played per iteration (default 4; 0: "
                       "no play, retrain on --sessions only)")
    train.add_argument("--workers", type=int, default=None,
                       help="dagger: worlds at once, each a Ray actor (default 1: in this process)")
    train.add_argument("--ray-address", default=None, metavar="ADDR", help="dagger: run the worlds on this Ray cluster")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                       help="a phase-specific option (repeatable)")
    train.add_argument("--json", action="store_true", help="print the metrics report as JSON")


def _set_pairs(items: Sequence[str]) -> dict[str, str]:
    """--set KEY=VALUE ... as a dict; ValueError for an item without '='."""
    extra = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        extra[key.strip()] = value.strip()
    return extra


def _train_options(args: argparse.Namespace) -> object:
    """TrainOptions from the arguments; ValueError with a one-line reason for bad input."""
    from pathlib import Path

    from brain.training.options import TrainOptions

    out = Path(args.out)
    if not out.parent.is_dir():
        raise ValueError(f"--out {out}: the folder {out.parent} does not exist")
    loop = {"iterations": args.iterations, "episodes": args.episodes, "workers": args.workers,
            "ray_address": args.ray_address}
    given = sorted(f"--{k.replace('_', '-')}" for k, v in loop.items() if v is not None)
    if given and args.phase != "dagger":
        raise ValueError(f"{', '.join(given)}: only --phase dagger plays worlds in a loop")
    if any(v is not None and v < (0 if k == "episodes" else 1) for k, v in loop.items() if k != "ray_address"):
        raise ValueError("--iterations and --workers must be at least 1, --episodes at least 0")
    if args.workers is not None and args.ray_address is None:
        from agent.rollout import fit_workers

        workers, warning = fit_workers(args.workers)
        if warning:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
        loop["workers"] = workers
    init = Path(args.init) if args.init else None
    if init is not None and not (init / "meta.json").is_file():
        raise ValueError(f"--init {init}: not a checkpoint folder (no meta.json)")
    backbone = args.backbone
    if backbone is None:
        if init is not None:
            from brain.model.checkpoint import CheckpointError, read_meta

            try:
                backbone = read_meta(init).backbone
            except CheckpointError as err:
                raise ValueError(str(err)) from None
        else:
            backbone = KNOWN_BACKBONES[0]
    if backbone not in KNOWN_BACKBONES and not Path(backbone).expanduser().is_dir():
        raise ValueError(f"--backbone {backbone!r}: no such folder (give {' or '.join(KNOWN_BACKBONES)}, "
                         "or the path of a Hugging Face causal-LM folder)")
    sessions = [Path(p) for p in args.sessions]
    for p in sessions:
        if not p.exists():
            raise ValueError(f"--sessions {p}: no such folder")
    if PHASE_MODULES[args.phase][1] and not sessions:
        if Path("sessions").is_dir():
            sessions = [Path("sessions")]
        else:
            raise ValueError(f"--phase {args.phase} learns from recorded sessions: pass --sessions DIR "
                             "(./sessions does not exist)")
    for p in args.corpus:
        if not Path(p).exists():
            raise ValueError(f"--corpus {p}: no such file or folder")
    extra = _set_pairs(args.settings)
    if args.steps < 0 or args.batch_size < 1 or args.lr <= 0:
        raise ValueError("--steps must be >= 0, --batch-size >= 1 and --lr > 0")
    if not 0 <= args.eval_fraction < 1:
        raise ValueError("--eval-fraction must be in [0, 1)")
    return TrainOptions(phase=args.phase, out=out, init=init, backbone=backbone, sessions=sessions,
                        corpus=[Path(p) for p in args.corpus], steps=args.steps, batch_size=args.batch_size,
                        lr=args.lr, seed=args.seed, device=args.device, eval_fraction=args.eval_fraction,
                        log_every=args.log_every, allow_evaluation_seeds=args.allow_evaluation_seeds, extra=extra,
                        **{k: v for k, v in loop.items() if v is not None})


def _train(args: argparse.Namespace) -> int:
    """Dispatch to the phase's module; bad input (options, sessions, checkpoints, backbone) exits 2."""
    import importlib
    import json

    def fail(message: str) -> int:
        print(f"run_agent.py train: error: {message}", file=sys.stderr)
        return 2

    try:
        options = _train_options(args)
    except ValueError as err:
        return fail(str(err))
    module_name = PHASE_MODULES[args.phase][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:
            return fail(f"--phase {args.phase} is not available: {module_name} is not part of this installation")
        raise
    from agent.recording import SessionError
    from brain.model.backbone import BackboneError
    from brain.model.checkpoint import CheckpointError

    def progress(message: str) -> None:
        print(f"[train {args.phase}] {message}", file=sys.stderr, flush=True)

    try:
        report = module.run(options, progress)
    except (SessionError, CheckpointError, BackboneError, ValueError, FileNotFoundError) as err:
        return fail(str(err).splitlines()[0] if str(err) else type(err).__name__)
    if args.json:
        print(json.dumps(report, default=str))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


def _bench_latency(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from brain.model.backbone import BackboneError
    from brain.model.checkpoint import CheckpointError

    sessions = [Path(p) for p in args.sessions] if args.sessions else ([Path("sessions")] if Path("sessions").is_dir() else [])
    if args.checkpoint and not Path(args.checkpoint).is_dir():
        print(f"run_agent.py bench latency: error: --checkpoint {args.checkpoint}: no such folder", file=sys.stderr)
        return 2
    from agent.recording import SessionError
    from brain.evaluation.latency import run as latency

    try:
        reports = latency(args.backbone, args.checkpoint, args.device, args.decisions, sessions,
                          progress=lambda m: print(f"[latency] {m}", file=sys.stderr, flush=True),
                          strict_sessions=bool(args.sessions), dtypes=args.dtype or ["auto"])
    except (ValueError, SessionError, CheckpointError, BackboneError) as err:
        print(f"run_agent.py bench latency: error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"latency": reports}))
    else:
        for r in reports:
            print(f"{r['device']}: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms over {r['decisions']} decisions "
                  f"({r['backbone']}, {r['dtype']}, {r['prompt_tokens_mean']} prompt tokens); peak memory "
                  f"{r['peak_memory_mb']} MB ({r['memory_kind']}); inputs: {r['inputs']}; reference matmul "
                  f"{r['reference_gflops']} GFLOP/s")
    return 0


def _bench_world(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from agent.bench_world import main as bench_world
    from world.embedded_server import check_speed

    decisions = 12 if args.decisions is None else args.decisions
    if decisions < 1 or args.resets < 0 or args.seeds < 1:
        parser.error("--decisions and --seeds must be at least 1 and --resets at least 0")
    if not args.speeds:
        parser.error("--speeds needs at least one speed")
    try:
        speeds = [check_speed(k) for k in args.speeds]
    except ValueError as err:
        parser.error(f"--speeds: {err}")
    return bench_world(args.json, speeds, args.workers, decisions, args.seeds, args.resets, args.ray_address,
                       args.worker_speed)


def _bench_soak(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from agent.bench_soak import main as bench_soak

    if not args.minutes > 0 or not args.sample_every > 0:
        parser.error("--minutes and --sample-every must be above 0")
    if args.server:
        parser.error("bench soak plays fresh embedded worlds (their processes are what it samples): --server is not for it")
    return bench_soak(args.json, args.minutes, args.sample_every, args.seed)


def _policies(name: str, task: str, checkpoint: str | None, temperature: float = 0.0, head: str = "auto"
              ) -> tuple[Callable[[int | None], Policy], dict[str, Any]]:
    """A builder of the --policy for a seed (expert and random from agent/, larm from brain/), and what the
    sessions' metadata says of it: its name, its checkpoint when one is given, LARM's temperature and head."""
    meta: dict[str, Any] = {"name": name}
    if name == "larm":
        from brain.policy import default_checkpoint

        checkpoint = checkpoint or default_checkpoint()
        meta.update(temperature=temperature, head=head)
    if checkpoint:
        from brain.policy import checkpoint_meta

        meta.update(checkpoint_meta(checkpoint))
    if name != "larm":
        from agent.policies import make_policy

        return (lambda seed: make_policy(name, task, seed)), meta

    if not checkpoint:
        def missing(seed: int | None) -> Policy:
            raise ValueError("--policy larm needs --checkpoint DIR (a folder written by run_agent.py train --phase bc "
                             "or dagger): this copy has no shipped checkpoint (brain/checkpoints/dagger)")
        return missing, meta
    from brain.policy import LarmPolicies

    return LarmPolicies(checkpoint, task, temperature, head), meta  # type: ignore[return-value]


def _episode_options(p: argparse.ArgumentParser, default_policy: str) -> None:
    p.add_argument("--task", default=DEFAULT_TASK, help=f"one of {', '.join(TASKS)} (default {DEFAULT_TASK})")
    # play: the learned policy that ships (it reaches the iron tier on 10 of 10 unseen worlds, README);
    # eval: the expert, the reference the learned policies are measured against
    p.add_argument("--policy", default=default_policy, choices=["expert", "random", "larm"],
                   help=f"who decides (default {default_policy})")
    p.add_argument("--checkpoint", help="the LARM policy's checkpoint folder (default: the one that ships, "
                   "brain/checkpoints/dagger)")
    p.add_argument("--temperature", type=float, default=0.0, metavar="T",
                   help="--policy larm: sample skills and arguments from softmax(logits / T) (default 0: the most "
                   "likely); recorded in the sessions' metadata")
    p.add_argument("--head", choices=["auto", "skill", "cola"], default="auto",
                   help="--policy larm: LARM's own skill head, or the checkpoint's CoLA path (latent policy, "
                   "decoder, skill head); auto (default): cola when the checkpoint has a CoLA part")
    p.add_argument("--record", metavar="DIR", help="where session folders go (default ./sessions)")
    p.add_argument("--max-steps", type=int, default=400, help="skill decisions per episode (default 400)")
    p.add_argument("--record-labels", action="store_true",
                   help="also record per-pixel block labels with the frames (training data for the vision encoder)")
    p.add_argument("--speed", type=_speed, default=None, metavar="K",
                   help="the embedded world's game clock, K times real time (play: 1, so people watch at normal "
                   f"speed; eval: {FAST_SPEED:g}, the fastest this 2-core machine keeps up with; at most "
                   f"{MAX_SPEED:g}); the ticks per second achieved are recorded in each session")
    p.add_argument("--stuck-after", type=int, default=DEFAULT_STUCK_AFTER, metavar="N",
                   help="end an episode as stuck after N decisions in a row with no milestone and no inventory "
                   f"not held since the last milestone (default {DEFAULT_STUCK_AFTER}; 0: never)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _speed(text: str) -> float:
    from world.embedded_server import check_speed

    try:
        return check_speed(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _env_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The MinecraftEnv options of play and eval: the game clock (play watches at 1, eval runs at FAST_SPEED;
    a user's --server keeps its own) and when an episode counts as stuck."""
    if args.stuck_after < 0:
        parser.error("--stuck-after must be 0 (never) or a number of decisions")
    from agent.launch import check_world_speed

    server = getattr(args, "server", None)
    speed = args.speed if args.speed is not None else (1.0 if args.command == "play" or server else FAST_SPEED)
    try:
        check_world_speed(server, speed)
    except ValueError as err:
        parser.error(str(err))
    return {"speed": speed, "stuck_after": args.stuck_after or None}


def _referee_options(p: argparse.ArgumentParser) -> None:
    """Choosing a referee (referee --eval; finetune)."""
    p.add_argument("--referee", default="oracle", choices=["oracle", "openai", "hf"],
                   help="oracle (default: offline, from the recipe graph), openai (an OpenAI-compatible chat "
                   "endpoint), hf (a local transformers model)")
    p.add_argument("--referee-model", metavar="NAME",
                   help="openai: the model name (or LARM_REFEREE_MODEL); hf: gemma-3-270m (default), tiny-random "
                   "or a Hugging Face folder")
    p.add_argument("--referee-url", metavar="URL",
                   help="openai: the endpoint, e.g. http://127.0.0.1:8000/v1 (or LARM_REFEREE_URL)")
    p.add_argument("--referee-key-env", metavar="VAR", default="LARM_REFEREE_KEY",
                   help="openai: the environment variable holding the key (default LARM_REFEREE_KEY, then "
                   "OPENAI_API_KEY; a key never goes on the command line)")
    p.add_argument("--referee-timeout", type=float, default=20.0, metavar="S", help="openai: per request (default 20)")
    p.add_argument("--referee-retries", type=int, default=2, metavar="N",
                   help="openai: retries after a timeout, connection error, 429 or 5xx (default 2)")
    p.add_argument("--referee-rpm", type=float, default=0.0, metavar="N",
                   help="openai: at most N requests per minute (default 0: no limit)")
    p.add_argument("--referee-price", type=float, nargs=2, default=(0.0, 0.0), metavar=("IN", "OUT"),
                   help="openai: price per million prompt and completion tokens, for the cost counted")
    p.add_argument("--referee-noise", type=float, default=0.0, metavar="P",
                   help="replace a fraction P of judgements by a wrong class (default 0)")


def _make_referee(args: argparse.Namespace) -> object:
    """The referee the options name; ValueError (one line) for bad input."""
    from brain.referee import make_referee

    if args.referee_rpm < 0 or args.referee_retries < 0 or args.referee_timeout <= 0:
        raise ValueError("--referee-rpm and --referee-retries must be 0 or more, --referee-timeout above 0")
    if args.referee != "openai" and (args.referee_url or args.referee_rpm or any(args.referee_price)):
        raise ValueError("--referee-url, --referee-rpm and --referee-price apply to --referee openai only")
    from brain.model.backbone import BackboneError

    try:
        return make_referee(args.referee, model=args.referee_model, url=args.referee_url,
                            key=os.environ.get(args.referee_key_env), noise=args.referee_noise,
                            timeout_s=args.referee_timeout, retries=args.referee_retries,
                            min_interval_s=60.0 / args.referee_rpm if args.referee_rpm else 0.0,
                            price_in=args.referee_price[0], price_out=args.referee_price[1])
    except BackboneError as err:  # --referee hf with a model that is not there
        raise ValueError(f"--referee-model: {err}") from None


def _switch(args: argparse.Namespace, parser: argparse.ArgumentParser, policy_meta: dict[str, Any]
            ) -> tuple[Callable[[int], bool] | None, Callable[[Any, dict[str, Any], dict[str, Any]], int] | None]:
    """play --finetune-dir: when to switch into finetuning, and the finetuning that then takes the running
    world over; (None, None) without --finetune-dir."""
    if not args.finetune_dir:
        if args.finetune_after:
            parser.error("--finetune-after needs --finetune-dir (where the finetuning run is written)")
        return None, None
    if args.policy != "larm":
        parser.error("--finetune-dir: only the LARM policy can switch into finetuning (--policy larm)")
    if args.finetune_after < 0 or args.finetune_steps < 1:
        parser.error("--finetune-after must be 0 (SIGUSR1 only) or more, --finetune-steps at least 1")
    from agent.seeds import EVALUATION_SEEDS

    if args.seed is not None and args.seed in EVALUATION_SEEDS:
        parser.error(f"--seed {args.seed} is an evaluation seed (agent/seeds.py): finetuning never learns there")
    try:
        referee = _make_referee(args)
    except ValueError as err:
        parser.error(str(err))
    import signal
    import threading
    from pathlib import Path

    asked = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: asked.set())
    print(f"finetuning: {'after ' + str(args.finetune_after) + ' decisions, or ' if args.finetune_after else ''}"
          f"when asked: kill -USR1 {os.getpid()}", file=sys.stderr)

    def switch(decisions: int) -> bool:
        return asked.is_set() or bool(args.finetune_after and decisions >= args.finetune_after)

    def then(env: Any, obs: dict[str, Any], info: dict[str, Any], dashboard: Any = None) -> int:
        from brain.model.checkpoint import CheckpointError
        from brain.training.finetune import FinetuneOptions, run

        print(f"switching into finetuning at decision {info.get('step')} (referee {referee.name}, "  # type: ignore[attr-defined]
              f"{args.finetune_steps} decisions, run in {args.finetune_dir})", file=sys.stderr)
        env.get_wrapper_attr("note")("switch", to="finetune", checkpoint_dir=str(args.finetune_dir),
                                     referee=referee.name, steps=args.finetune_steps)  # type: ignore[attr-defined]
        # the episodes finetuning plays after this one are recorded as its own
        env.get_wrapper_attr("session_info")["policy"] = {"name": "finetune", "init": policy_meta["checkpoint"],
                                                          "referee": referee.name}  # type: ignore[attr-defined]
        options = FinetuneOptions(task=args.task, init=Path(policy_meta["checkpoint"]), steps=args.finetune_steps,
                                  checkpoint_dir=Path(args.finetune_dir), referee=referee,  # type: ignore[arg-type]
                                  latent=policy_meta.get("head") == "cola")
        try:
            report = run(options, lambda m: print(f"[finetune] {m}", file=sys.stderr, flush=True),
                         start=(env, obs, info), watcher=_training_feed(dashboard))
        except (CheckpointError, ValueError) as err:
            print(f"run_agent.py play: finetuning: error: {str(err).splitlines()[0]}", file=sys.stderr)
            return 2
        print(f"finetuning: {report['env_steps']} decisions, {report['updates']} updates; checkpoint "
              f"{report['checkpoint']}")
        return 0

    return switch, then


def _training_feed(dashboard: Any) -> Any:
    """What finetuning tells the dashboard's page (agent/dashboard/training.py); None without a page."""
    if dashboard is None or dashboard.hub is None:
        return None
    from agent.dashboard.training import TrainingFeed

    return TrainingFeed(dashboard.hub)


def _finetune_parser(sub: argparse._SubParsersAction) -> None:
    ft = sub.add_parser("finetune", help="online referee RL: PPO on the skill head (or --latent: CoLA's latent "
                        "policy) in fresh training worlds, a referee judging every skill",
                        description="Play fresh training-range worlds with the LARM policy; a referee judges every "
                        "executed skill and its reward joins the environment's; PPO with GAE updates the skill "
                        "head and critic (--latent: CoLA's latent policy, the decoder frozen) with a KL penalty to "
                        "the starting policy. Writes DIR/latest (a checkpoint play and eval take) and TensorBoard "
                        "curves in DIR/tb.")
    ft.add_argument("--task", default=DEFAULT_TASK, help=f"one of {', '.join(TASKS)} (default {DEFAULT_TASK})")
    _referee_options(ft)
    ft.add_argument("--init", metavar="DIR", help="the LARM checkpoint to start from (default: the one that ships, "
                    "brain/checkpoints/dagger)")
    ft.add_argument("--checkpoint-dir", required=True, metavar="DIR", help="where the run writes latest/ and tb/")
    ft.add_argument("--steps", type=int, default=256, help="decisions in all, counting those before a --resume "
                    "(default 256)")
    ft.add_argument("--latent", action="store_true", help="PPO on the checkpoint's CoLA latent policy instead")
    ft.add_argument("--resume", action="store_true", help="continue the run in --checkpoint-dir (optimiser, "
                    "counters and the next world as they were saved)")
    ft.add_argument("--workers", type=int, default=1, metavar="N",
                    help="worlds at once, each a Ray actor (default 1: one world in this process); with more, each "
                    "update learns from a round of N whole episodes played with the latest policy")
    ft.add_argument("--ray-address", metavar="ADDR", help="run the workers on this Ray cluster")
    ft.add_argument("--lr", type=float, default=1e-4, help="learning rate (default 1e-4)")
    ft.add_argument("--seed", type=int, default=0, help="random seed of the sampling (default 0)")
    ft.add_argument("--device", default="auto", help="cpu, cuda or auto (default: cuda when present)")
    ft.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                    help="a finetune or PPO setting (repeatable; brain/training/finetune.py, brain/training/ppo.py)")
    ft.add_argument("--json", action="store_true", help="print the report as JSON")
    add_dashboard_options(ft)


def _finetune(args: argparse.Namespace) -> int:
    """run_agent.py finetune; bad input exits 2 with one line."""
    import json
    from pathlib import Path

    from brain.model.backbone import BackboneError
    from brain.model.checkpoint import CheckpointError
    from brain.training.options import parse_settings

    def fail(message: str) -> int:
        print(f"run_agent.py finetune: error: {message}", file=sys.stderr)
        return 2

    if args.task not in TASKS:
        return fail(f"unknown --task {args.task!r}; known: {', '.join(TASKS)}")
    if args.workers < 1:
        return fail("--workers must be at least 1")
    try:
        from brain.policy import default_checkpoint
        from brain.training.finetune import FinetuneOptions, FinetuneSettings, run
        from brain.training.ppo import PpoSettings

        settings, ppo = parse_settings(_set_pairs(args.settings), "finetune", FinetuneSettings, PpoSettings)
        init = args.init or default_checkpoint()
        if init is None:
            return fail("no --init given and no shipped checkpoint (brain/checkpoints/dagger) in this installation")
        referee = _make_referee(args)
    except ValueError as err:
        return fail(str(err))
    options = FinetuneOptions(task=args.task, init=Path(init), checkpoint_dir=Path(args.checkpoint_dir),
                              steps=args.steps, referee=referee, latent=args.latent, resume=args.resume, lr=args.lr,
                              workers=args.workers, ray_address=args.ray_address,
                              seed=args.seed, device=args.device, settings=settings, ppo=ppo)  # type: ignore[arg-type]

    def progress(message: str) -> None:
        print(f"[finetune] {message}", file=sys.stderr, flush=True)

    dashboard = live_dashboard(args, Path(args.checkpoint_dir) / "sessions")   # the run's episodes, replayable
    try:
        report = run(options, progress, watcher=_training_feed(dashboard))
    except (CheckpointError, BackboneError, ValueError) as err:
        return fail(str(err).splitlines()[0])
    finally:
        if dashboard is not None:
            dashboard.stop()
    print(json.dumps(report, default=str) if args.json else
          f"{report['env_steps']} decisions, {report['updates']} updates, {len(report['episodes'])} episodes "
          f"finished; checkpoint {report['checkpoint']}")
    return 0


def _referee_parser(sub: argparse._SubParsersAction) -> None:
    ref = sub.add_parser("referee", help="--eval SESSIONS: a referee's agreement with the oracle on recorded steps",
                         description="Judge every recorded step of the sessions with the referee and with the "
                         "oracle; print the agreement, Cohen's kappa, the confusion matrix and the referee's "
                         "calls, tokens, cost and latency.")
    ref.add_argument("--eval", nargs="+", required=True, metavar="SESSIONS",
                     help="session folders, or folders of them")
    _referee_options(ref)
    ref.add_argument("--limit", type=int, default=0, metavar="N", help="judge the first N steps only (default all)")
    ref.add_argument("--json", action="store_true", help="print the report as JSON")


def _referee(args: argparse.Namespace) -> int:
    """run_agent.py referee --eval SESSIONS."""
    import json

    from agent.recording import SessionError
    from brain.referee.agreement import confusion, questions, table

    if args.limit < 0:
        print("run_agent.py referee: error: --limit must be 0 (all) or more", file=sys.stderr)
        return 2
    try:
        referee = _make_referee(args)
        items = list(questions(args.eval))
    except (ValueError, SessionError) as err:
        print(f"run_agent.py referee: error: {err}", file=sys.stderr)
        return 2
    items = items[:args.limit] if args.limit else items
    if not items:
        print(f"run_agent.py referee: error: no recorded step of a known task in {' '.join(args.eval)}",
              file=sys.stderr)
        return 2
    try:
        report = confusion(referee, items, progress=lambda m: print(m, file=sys.stderr))  # type: ignore[arg-type]
    finally:
        referee.close()  # type: ignore[attr-defined]
    print(json.dumps(report) if args.json else table(report))
    return 0


def _report(args: argparse.Namespace) -> int:
    """run_agent.py report: the DAgger progress table (and plot) from eval reports."""
    import json
    from pathlib import Path

    from brain.evaluation.progress import ReportError, check_comparable, load_point, plot_success, rows, table

    if args.finetune:
        return _report_finetune(args)
    try:
        points = [load_point(spec) for spec in args.reports]
        check_comparable(points)
    except ReportError as err:
        print(f"run_agent.py report: error: {err}", file=sys.stderr)
        return 2
    report_rows = rows(points)
    print(json.dumps(report_rows) if args.json else table(report_rows))
    if args.png:
        seeds = points[0].evaluation.get("seeds") or []
        title = f"{points[0].evaluation.get('task')}, seeds {seeds[0]}..{seeds[-1]}" if seeds else None
        plot_success(report_rows, Path(args.png), title)
        print(f"plot: {args.png}", file=sys.stderr)
    return 0


def _report_finetune(args: argparse.Namespace) -> int:
    """run_agent.py report --finetune D ...: the ablation's table and success curves."""
    import json
    from pathlib import Path

    from brain.evaluation.progress import ReportError, arm_rows, arm_table, load_run, plot_runs

    try:
        runs = [load_run(folder) for folder in args.reports]
        report_rows = arm_rows(runs)
    except ReportError as err:
        print(f"run_agent.py report: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(report_rows) if args.json else arm_table(report_rows))
    if args.png:
        plot_runs(runs, Path(args.png))
        print(f"plot: {args.png}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; Ctrl-C (or a SIGTERM, as `kill` sends) ends it with exit 130 and one line, not a
    traceback (episodes close their recording and worlds on the way out, checkpoints are written atomically)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("run_agent.py: interrupted", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)  # train reports unknown arguments itself
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "train":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return _train(args)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "check-world":
        from world.check_world import main as check_world

        only = [p for p in args.only.split(",") if p] if args.only else None
        return check_world(seed=args.seed, recipes=args.recipes, as_json=args.json, only=only, verbose=args.verbose)
    if args.command == "serve":
        from world.serve import serve

        if not 0 <= args.port < 65536:
            parser.error(f"--port must be 0..65535, got {args.port}")
        try:
            return serve(args.port, args.seed, args.world, host=args.host, speed=args.speed)
        except ValueError as err:  # a bad --speed
            parser.error(str(err))
    if args.command in ("play", "eval"):
        if args.task not in TASKS:
            parser.error(f"unknown --task {args.task!r}; known: {', '.join(TASKS)}")
        if args.max_steps < 1:
            parser.error("--max-steps must be at least 1")
        if args.temperature < 0:
            parser.error("--temperature must be 0 (the most likely skill) or more")
        if args.temperature and args.policy != "larm":
            parser.error("--temperature applies to --policy larm only")
        if args.command == "eval" and args.workers < 1:
            parser.error("--workers must be at least 1")
        if args.command == "eval" and args.seeds < 1:
            parser.error("--seeds must be at least 1")
        if args.head != "auto" and args.policy != "larm":
            parser.error("--head applies to --policy larm only")
        policies, policy_meta = _policies(args.policy, args.task, args.checkpoint, args.temperature, args.head)
        try:  # a bad policy (no plan for the task, a bad checkpoint) fails before any world starts
            first = policies(args.seed if args.command == "play" else args.seed_start)
        except (NotImplementedError, ValueError) as err:
            print(f"run_agent.py {args.command}: {err}", file=sys.stderr)
            return 2
        if getattr(first, "head", None):
            policy_meta["head"] = first.head  # the head auto chose: sessions and the eval report say which
        env_options = _env_options(args, parser)
        if args.command == "play":
            from agent.play import play

            switch, then = _switch(args, parser, policy_meta)
            dashboard = live_dashboard(args, args.record)
            try:
                return play(args.task, first, policy_meta, args.seed, args.server, args.record, args.max_steps,
                            args.assist, args.json, record_labels=args.record_labels, env_options=env_options,
                            switch=switch, then=then, dashboard=dashboard)
            finally:
                if dashboard is not None:
                    dashboard.stop()
        from agent.play import evaluate

        dashboard = live_dashboard(args, args.record)
        try:
            return evaluate(args.task, policies, policy_meta, args.seeds, args.seed_start, args.record,
                            args.max_steps, args.json, args.quiet, record_labels=args.record_labels,
                            env_options=env_options, workers=args.workers, ray_address=args.ray_address,
                            dashboard=dashboard)
        except ConnectionError as err:  # --ray-address: no cluster there, or it refused us
            print(f"run_agent.py eval: error: {err}", file=sys.stderr)
            return 2
        finally:
            if dashboard is not None:
                dashboard.stop()
    if args.command == "report":
        return _report(args)
    if args.command == "referee":
        return _referee(args)
    if args.command == "finetune":
        return _finetune(args)
    if args.command == "replay":
        from agent.replay import main as replay

        if args.serve:
            from agent.dashboard.cli import serve_replay

            return serve_replay(args)

        return replay(args.session, video=args.video, as_json=args.json, fps=args.fps)
    if args.command == "bench":
        if args.which == "latency":
            args.decisions = 50 if args.decisions is None else args.decisions
            return _bench_latency(args)
        if args.which == "world":
            return _bench_world(args, parser)
        if args.which == "soak":
            return _bench_soak(args, parser)
        from agent.bench_bridge import main as bench_bridge

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
    sigterm_as_ctrl_c()   # `kill PID` stops a run as cleanly as Ctrl-C
    sys.exit(main())
