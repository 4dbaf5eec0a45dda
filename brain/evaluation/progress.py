"""How the learned policy improves: with DAgger, success per tier against the iteration and against the
labelled decisions it was trained on (`run_agent.py report EVAL.json[=CHECKPOINT] ... --png OUT.png`); with
referee RL, success against decisions per finetune run and arm (`run_agent.py report --finetune D ...`).

Each point is one `eval --policy larm --checkpoint C --json` report. Where it stands comes from C's training
history (brain/model/checkpoint.py), so the points need no bookkeeping of their own:
- DAgger iteration: the history's dagger entries in which the learner played (beta below 1); cloning alone,
  where the expert played every world, is iteration 0.
- labelled decisions: those the last phase trained on (its history entry's `decisions`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from agent.tasks import TIERS
from brain.model.checkpoint import CheckpointError, read_meta


class ReportError(ValueError):
    """A report or checkpoint that cannot be placed on the plot; the message names it and why."""


@dataclass(frozen=True)
class Point:
    """One evaluated checkpoint."""
    checkpoint: str
    iteration: int
    decisions: int
    evaluation: dict[str, Any]   # the eval report (tiers, repeated_failure_rate, seeds, ...)


def dagger_iteration(history: Sequence[dict[str, Any]]) -> int:
    """How many DAgger iterations had the learner play (beta < 1), in a checkpoint's training history."""
    return sum(1 for h in history if h.get("phase") == "dagger" and h.get("beta") is not None and h["beta"] < 1)


def load_point(spec: str) -> Point:
    """'EVAL.json' (the report names its checkpoint) or 'EVAL.json=CHECKPOINT'."""
    path_text, _, checkpoint = spec.partition("=")
    path = Path(path_text)
    try:
        evaluation = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ReportError(f"{path}: not an eval --json report ({err})") from None
    if not isinstance(evaluation, dict) or "tiers" not in evaluation:
        raise ReportError(f"{path}: not an eval --json report (no per-tier results)")
    if evaluation.get("policy") != "larm":
        raise ReportError(f"{path}: evaluates the {evaluation.get('policy')!r} policy; only LARM checkpoints have "
                          "a training history to place them by")
    checkpoint = checkpoint or evaluation.get("checkpoint") or ""
    if not checkpoint:
        raise ReportError(f"{path} does not name its checkpoint: give it as {path}=CHECKPOINT")
    try:
        history = read_meta(checkpoint).history
    except CheckpointError as err:
        raise ReportError(str(err)) from None
    if not history or "decisions" not in history[-1]:
        raise ReportError(f"{checkpoint}: its training history does not say how many decisions it learned from")
    return Point(checkpoint, dagger_iteration(history), int(history[-1]["decisions"]), evaluation)


def check_comparable(points: Sequence[Point]) -> None:
    """Every point evaluated on the same seeds and task: otherwise the curve mixes worlds with progress."""
    first = points[0].evaluation
    for p in points[1:]:
        for key in ("task", "seeds"):
            if p.evaluation.get(key) != first.get(key):
                raise ReportError(f"the report of {p.checkpoint} differs in its {key} from that of "
                                  f"{points[0].checkpoint}: points of one plot share the task and the seeds")


def rows(points: Sequence[Point]) -> list[dict[str, Any]]:
    """One row per point, in iteration order: what the plot draws and the table prints."""
    out = []
    for p in sorted(points, key=lambda q: (q.iteration, q.decisions)):
        tiers = p.evaluation["tiers"]
        out.append({"checkpoint": p.checkpoint, "iteration": p.iteration, "labelled_decisions": p.decisions,
                    "tiers": {name: {"successes": tiers[name]["successes"], "episodes": tiers[name]["episodes"]}
                              for name in TIERS if name in tiers},
                    "repeated_failure_rate": p.evaluation.get("repeated_failure_rate"),
                    "ends": p.evaluation.get("ends", {})})
    return out


def table(report_rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of the rows (successes per tier, repeated-failure rate)."""
    head = "| iteration | labelled decisions | " + " | ".join(TIERS) + " | repeated failures |"
    lines = [head, "|" + "---|" * (len(TIERS) + 3)]
    for r in report_rows:
        cells = [f"{r['tiers'][n]['successes']}/{r['tiers'][n]['episodes']}" if n in r["tiers"] else "-" for n in TIERS]
        rate = r["repeated_failure_rate"]
        lines.append(f"| {r['iteration']} | {r['labelled_decisions']} | " + " | ".join(cells)
                     + f" | {'-' if rate is None else f'{rate:.3f}'} |")
    return "\n".join(lines)


def plot_success(report_rows: Sequence[dict[str, Any]], path: Path, title: str | None = None) -> None:
    """Success per tier against the iteration (left) and the labelled decisions (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for i, name in enumerate(TIERS):
        drawn = [r for r in report_rows if name in r["tiers"]]
        rate = [r["tiers"][name]["successes"] / max(1, r["tiers"][name]["episodes"]) for r in drawn]
        # tiers often share a rate (every world that reaches diamond enchants): the earlier tier's bigger
        # marker and solid line stay visible under the later one's
        style = {"marker": "os^Dv"[i % 5], "markersize": 11 - 1.5 * i, "linestyle": "-" if i % 2 == 0 else "--",
                 "label": name}
        axes[0].plot([r["iteration"] for r in drawn], rate, **style)
        axes[1].plot([r["labelled_decisions"] for r in drawn], rate, **style)
    axes[0].set_xlabel("DAgger iteration (0: cloning the expert alone)")
    axes[1].set_xlabel("labelled decisions trained on")
    axes[0].set_ylabel("success (evaluation worlds)")
    axes[0].set_ylim(-0.05, 1.05)
    axes[1].legend(loc="lower right", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------------------------ finetuning runs
# `report --finetune D ...`: the referee-RL ablation's success curves, one line per run, a colour per arm.

@dataclass(frozen=True)
class Run:
    """One finetune run (its D/latest checkpoint's "finetune" config)."""
    folder: str
    arm: str
    seed: int
    task: str
    episodes: list[dict[str, Any]]   # finished episodes: at (decisions so far), success, tiers, ...
    env_steps: int
    wall_s: float


def arm_name(arm: dict[str, Any]) -> str:
    """What distinguishes an ablation arm: the referee (or none) and the head PPO trains."""
    name = "environment only" if not arm.get("referee_weight") else f"referee {arm['referee']}"
    return name + (", latent" if arm.get("latent") else "")


def load_run(folder: str) -> Run:
    if not Path(folder).is_dir():
        raise ReportError(f"{folder}: not a finetune run (not a folder)")
    try:
        state = read_meta(Path(folder) / "latest").configs.get("finetune")
    except CheckpointError as err:
        raise ReportError(f"{folder}: not a finetune run ({err})") from None
    if not state or "arm" not in state:
        raise ReportError(f"{folder}: its latest/ checkpoint was not written by finetune")
    return Run(folder, arm_name(state["arm"]), int(state["arm"]["seed"]), state["task"], list(state["finished"]),
               int(state["env_steps"]), float(state.get("wall_s") or 0.0))


def success_curve(run: Run, window: int = 10) -> tuple[list[int], list[float]]:
    """Success over the last `window` finished episodes, at the decision each episode ended."""
    xs, ys = [], []
    for i, episode in enumerate(run.episodes):
        recent = run.episodes[max(0, i - window + 1):i + 1]
        xs.append(int(episode["at"]))
        ys.append(sum(bool(e["success"]) for e in recent) / len(recent))
    return xs, ys


def arm_rows(runs: Sequence[Run], last: int = 10) -> list[dict[str, Any]]:
    """Per arm: its runs, and the success over each run's last `last` episodes (mean, lowest, highest)."""
    if len({r.task for r in runs}) > 1:
        raise ReportError(f"the runs finetune different tasks ({', '.join(sorted({r.task for r in runs}))})")
    out = []
    for arm in dict.fromkeys(r.arm for r in runs):
        mine = [r for r in runs if r.arm == arm]
        rates = [sum(bool(e["success"]) for e in r.episodes[-last:]) / max(1, len(r.episodes[-last:])) for r in mine]
        returns = [float(e["env_return"]) for r in mine for e in r.episodes[-last:]]
        steps, wall = sum(r.env_steps for r in mine), sum(r.wall_s for r in mine)
        out.append({"arm": arm, "runs": len(mine), "seeds": sorted(r.seed for r in mine),
                    "decisions": steps // len(mine), "episodes": sum(len(r.episodes) for r in mine),
                    "success_last": round(sum(rates) / len(rates), 3), "lowest": min(rates), "highest": max(rates),
                    "return_last": round(sum(returns) / len(returns), 2) if returns else None,
                    "decisions_per_hour": round(steps / wall * 3600) if wall else None})
    return out


def arm_table(report_rows: Sequence[dict[str, Any]], last: int = 10) -> str:
    lines = [f"| arm | runs | decisions per run | episodes | success, last {last} episodes (lowest-highest) "
             f"| environment return, last {last} episodes | decisions per hour |", "|---|---|---|---|---|---|---|"]
    for r in report_rows:
        ret = "-" if r["return_last"] is None else f"{r['return_last']:.2f}"
        lines.append(f"| {r['arm']} | {r['runs']} | {r['decisions']} | {r['episodes']} | {r['success_last']:.2f} "
                     f"({r['lowest']:.2f}-{r['highest']:.2f}) | {ret} | {r['decisions_per_hour'] or '-'} |")
    return "\n".join(lines)


def plot_runs(runs: Sequence[Run], path: Path, window: int = 10) -> None:
    """Success (over the last `window` episodes) against decisions: one line per run, a colour per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(r.arm for r in runs))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for run in runs:
        xs, ys = success_curve(run, window)
        colour = colours[arms.index(run.arm) % len(colours)]
        first = run is next(r for r in runs if r.arm == run.arm)
        ax.plot(xs, ys, color=colour, alpha=0.8, label=run.arm if first else None)
    ax.set_xlabel("decisions (environment steps)")
    ax.set_ylabel(f"success, last {window} episodes")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"finetune on {runs[0].task}", fontsize=9)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


__all__ = ["Point", "ReportError", "Run", "arm_name", "arm_rows", "arm_table", "check_comparable",
           "dagger_iteration", "load_point", "load_run", "plot_runs", "plot_success", "rows", "success_curve",
           "table"]
