"""The wrappers make_env (agent/registration.py) puts around MinecraftEnv, innermost first:

- TokenActions: step() also takes a skill token, (token, args), or (token, args, notes) as the policies give
  them (notes: what the recording keeps with the step, e.g. DAgger's expert label);
- StepLimit: gymnasium's TimeLimit, saying why it truncated (info["truncated_reason"] = "step limit");
- RecordSession: every episode recorded as a session folder (agent/recording.py); outside the step limit,
  so that a truncation is recorded as one.
"""
from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any, Mapping

import gymnasium as gym
from gymnasium.wrappers import TimeLimit

from agent.env import MinecraftEnv, Step
from agent.recording import SessionRecorder

# An index of the vocabulary, a token, (token, args) or (token, args, notes).
Action = int | str | tuple[str, Mapping[str, Any] | None] | tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]
# Step fields a policy's notes may not overwrite.
_RECORDED = frozenset({"type", "t", "step", "observation", "token", "result", "reward", "timings", "frame", "args",
                       "state", "events", "milestones", "terminated", "truncated", "lost"})
Obs = dict[str, Any]


class TokenActions(gym.Wrapper[Obs, Action, Obs, int]):
    """step() takes an index, a token string or (token, args): the skill's arguments (count, distance...) reach
    the bridge, and a token outside the vocabulary runs too (MinecraftEnv.step_token). The action space stays
    the vocabulary's Discrete. Wraps MinecraftEnv itself."""

    def __init__(self, env: MinecraftEnv) -> None:
        if not isinstance(env, MinecraftEnv):
            raise TypeError(f"TokenActions wraps MinecraftEnv itself, not {env}")
        super().__init__(env)
        self.minecraft = env

    def step(self, action: Action) -> Step:
        if isinstance(action, str):
            return self.minecraft.step_token(action)
        if isinstance(action, (tuple, list)) and len(action) in (2, 3) and isinstance(action[0], str):
            return self.minecraft.step_token(action[0], dict(action[1] or {}))  # notes are for the recording
        return self.minecraft.step(action)  # type: ignore[arg-type]  # an index (step checks it)


def _notes(action: Any) -> dict[str, Any]:
    """The notes of a (token, args, notes) action ({} for any other action); they may not replace a step field."""
    if not (isinstance(action, (tuple, list)) and len(action) == 3):
        return {}
    notes = dict(action[2] or {})
    clash = sorted(_RECORDED & set(notes))
    if clash:
        raise ValueError(f"an action's notes may not replace the recorded step fields {clash}")
    return notes


class StepLimit(TimeLimit):
    """Truncate after max_episode_steps steps, with info["truncated_reason"] = "step limit" (unless the env
    truncated the same step for a reason of its own)."""

    def step(self, action: Any) -> Step:
        obs, reward, terminated, truncated, info = super().step(action)
        if truncated and "truncated_reason" not in info:
            info["truncated_reason"] = "step limit"
        return obs, float(reward), terminated, truncated, info


class RecordSession(gym.Wrapper[Obs, Any, Obs, Any]):
    """Record every episode as a session folder under `root`: the frames, one event per reset and step (the
    text the decision was made on, the token and args, the result, reward, state, events, milestones) and
    metadata (MinecraftEnv.session_metadata(), the episode number and `session_info`, e.g. policy and max_steps).

    info["session"] is the episode's folder. An episode's recording ends with the episode (end_reason
    success, lost, stuck or max_steps, and end_detail: why it was cut, as info["truncated_reason"] says), at the
    next reset (reset) or at close() (close); its metadata then holds the game clock asked for and achieved
    (MinecraftEnv.clock_report()) and the world the episode began in (world_at_start: id and game time).
    """

    def __init__(self, env: gym.Env[Obs, Any], root: str | Path, session_info: Mapping[str, Any] | None = None) -> None:
        if not isinstance(env.unwrapped, MinecraftEnv):
            raise TypeError(f"RecordSession records a MinecraftEnv, not {env.unwrapped}")
        super().__init__(env)
        self.minecraft = env.unwrapped
        self.root = Path(root)
        self.session_info = dict(session_info or {})
        self.recorder: SessionRecorder | None = None
        self.folder: Path | None = None     # the current (or last) episode's session folder
        self.episodes = 0
        self._decided_on = ""               # the text the next decision is made on
        self._last_info: dict[str, Any] = {}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Obs, dict[str, Any]]:
        self._close(reason="reset")
        obs, info = self.env.reset(seed=seed, options=options)
        self.episodes += 1
        self.recorder = self._open(info)
        frame = self.recorder.add_frame(obs["frame"], labels=info.get("labels"))
        self.recorder.log_reset(obs["text"], state=info["state"], frame=frame,
                                milestones_achieved=list(info["milestones_achieved"]))
        self._decided_on, self._last_info = obs["text"], info
        info["session"] = str(self.folder)
        return obs, info

    def step(self, action: Any) -> Step:
        notes = _notes(action)
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self.recorder is not None:
            frame = self.recorder.add_frame(obs["frame"], labels=info.get("labels"))
            self.recorder.log_step(info["step"], self._decided_on, info["token"], info["result"], reward,
                                   info["timings"], frame, args=info["args"], state=info["state"],
                                   events=info["events"], milestones=info["milestones"], terminated=terminated,
                                   truncated=truncated, lost=info.get("lost"), **notes)
            self._last_info = info
            if terminated or truncated:
                self._close(reason="success" if terminated else ("lost" if info.get("lost") else
                                                                  "stuck" if info.get("stuck") else "max_steps"))
        self._decided_on = obs["text"]
        if self.folder is not None:
            info["session"] = str(self.folder)
        return obs, float(reward), terminated, truncated, info

    def note(self, kind: str, **fields: Any) -> None:
        """An event of the caller's in the current session (play's switch into finetuning, for one)."""
        if self.recorder is not None:
            self.recorder.log({"type": kind, "t": time.time(), "step": self.minecraft.steps, **fields})

    def close(self) -> None:
        self._close(reason="close")
        super().close()

    def _open(self, info: Mapping[str, Any]) -> SessionRecorder:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        seed = info["seed"]
        name = f"{stamp}_ep{self.episodes:04d}_{info['task']}_{'seed' + str(seed) if seed is not None else 'server'}"
        folder = self.root / name
        n = 1
        while folder.exists():
            n += 1
            folder = self.root / f"{name}_{n}"
        world = self.minecraft.session_metadata()
        metadata = {"task": world.pop("task"), "episode": self.episodes, **self.session_info, **world}
        self.folder = folder
        return SessionRecorder(folder, metadata, fps=max(1.0, float(self.minecraft.frames.fps or 1)))

    def _close(self, reason: str) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        last = self._last_info
        recorder.close(end_reason=reason, end_detail=last.get("truncated_reason") if reason != "success" else None,
                       episode_return=last["episode_return"], success=last["success"],
                       milestones_achieved=list(last["milestones_achieved"]),
                       assists_used=self.minecraft.assists_used(), clock=self.minecraft.clock_report())
