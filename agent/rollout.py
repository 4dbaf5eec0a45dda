"""Many worlds at once: Ray actors that each own one world, and a pool that feeds their episodes to one consumer.

    env_options = {"task": "iron_sword", "max_steps": 400, "record_dir": "sessions", "policy": {"name": "expert"}}
    with RolloutPool(workers=2, env_options=env_options) as pool:          # a local Ray runtime
        for report in pool.run(seeds, lambda seed: make_policy("expert", "iron_sword", seed), progress=print):
            ...   # EpisodeReports as they finish, report.session the episode's folder

    # The same, shorter: the task, step limit and a policy by name (or any factory) given to the pool.
    with RolloutPool(2, {"record_dir": "sessions", "speed": 8}, task="iron_sword", max_steps=400,
                     policy="expert", progress=print) as pool:
        reports = list(pool.run(seeds))

- A `WorldWorker` actor owns one env (make_env(**env_options): its embedded world, bridge and recording). Each
  episode builds its policy in the worker from the factory shipped to it (a picklable callable seed -> Policy:
  a model is loaded there, never shipped), plays it there and returns only the EpisodeReport: frames and
  observations stay in the worker and its session folder, so the object store holds next to nothing.
- Progress lines stream back as the episode runs (a Ray generator), prefixed "[wI]" with the worker's index.
  With a `watch` callback (the dashboard's one tile per world), each reset, skill started and skill done streams
  back too, as a small summary of the state and the result (never a frame: those stay in the worker).
- A worker whose world is lost (the server or the bridge died, the world did not start, the episode raised) or
  whose process died is replaced by a fresh actor, its episode reported with end "lost: <why>" and success
  False; the run goes on with the other seeds. An episode with no progress for `stall_s` counts as lost too.
- `ray_address` joins a Ray cluster (every node needs this project installed, as here); otherwise a local
  runtime is started with one CPU per world, workers at normal priority, no dashboard, worker logs kept in Ray's
  session folder (their progress reaches the consumer through the generator) and the smallest object store
  Ray allows.

Ray is imported here only, inside the functions that need it: `import agent.rollout` does not import it.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import gymnasium as gym

from agent.dashboard.feed import action_token
from agent.dashboard.live import state_summary, step_summary
from agent.evaluation import EpisodeReport, run_episode
from agent.interrupt import sigterm_as_ctrl_c
from agent.policies import Policy, make_policy
from agent.registration import make_env

PolicyFactory = Callable[[int], Policy]

WORLD_MEMORY_BYTES = 1 << 30          # an embedded server and its bridge, measured at about 1 GB
RESERVED_MEMORY_BYTES = 1 << 30       # the consumer and Ray's own processes (about 0.6 GB)
OBJECT_STORE_BYTES = 80 * (1 << 20)   # Ray's minimum is 75 MiB; only small reports travel
STALL_S = 1800.0                      # an episode with no progress line for this long is lost
LOST_PREFIX = "lost: "


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ how many worlds fit


@dataclasses.dataclass(frozen=True)
class Capacity:
    cpus: int
    memory_free_bytes: int

    @property
    def worlds(self) -> int:
        """Worlds this machine runs at once: one per CPU, and about 1 GB of free memory each (at least 1)."""
        by_memory = (self.memory_free_bytes - RESERVED_MEMORY_BYTES) // WORLD_MEMORY_BYTES
        return max(1, min(self.cpus, by_memory))


def machine_capacity() -> Capacity:
    """This machine's CPUs (those this process may use) and free memory (MemAvailable)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    free = 0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
    if free == 0:  # no /proc: assume memory is not what limits
        free = RESERVED_MEMORY_BYTES + cpus * WORLD_MEMORY_BYTES
    return Capacity(cpus=cpus, memory_free_bytes=free)


def fit_workers(requested: int, capacity: Capacity | None = None) -> tuple[int, str | None]:
    """The workers to use for `requested` on this machine, and a warning when that is fewer.
    ValueError for fewer than 1."""
    if requested < 1:
        raise ValueError(f"--workers must be at least 1, got {requested}")
    capacity = capacity or machine_capacity()
    if requested <= capacity.worlds:
        return requested, None
    return capacity.worlds, (
        f"--workers {requested}: this machine holds {capacity.worlds} worlds at once ({capacity.cpus} CPUs, "
        f"{capacity.memory_free_bytes / (1 << 30):.1f} GB of memory free, about "
        f"{WORLD_MEMORY_BYTES / (1 << 30):.0f} GB a world); using {capacity.worlds} workers")


# ------------------------------------------------------------------------------ the worker (a Ray actor)


def lost_report(seed: int, policy: str, task: str, why: str) -> EpisodeReport:
    """The report of an episode whose world or worker was lost."""
    return EpisodeReport(seed=seed, policy=policy, task=task, success=False, end=LOST_PREFIX + why, end_kind="world lost")


def is_lost(report: EpisodeReport) -> bool:
    return report.end_kind == "world lost"


def world_pids(env: gym.Env[Any, Any]) -> dict[str, int]:
    """The process ids of the env's embedded server and bridge (empty when no world is up)."""
    world = getattr(env.unwrapped, "world", None)
    out: dict[str, int] = {}
    for name, part in (("server", getattr(world, "embedded_server", None)), ("bridge", getattr(world, "bridge", None))):
        process = getattr(part, "process", None)
        if process is not None:
            out[name] = int(process.pid)
    return out


class _AnnounceWorld(gym.Wrapper[Any, Any, Any, Any]):
    """After each reset, tells `announce` the new world's process ids (the pool ends them if the worker dies);
    and, when `post` is set (someone watches the worlds), tells it ("reset" | "skill" | "step", summary)."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        super().__init__(env)
        self.announce: Callable[[dict[str, int]], None] = lambda pids: None
        self.post: Callable[[str, dict[str, Any]], None] | None = None

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        try:
            obs, info = self.env.reset(**kwargs)
        finally:
            self.announce(world_pids(self.env))
        if self.post is not None:
            self.post("reset", {"seed": info.get("seed"), "task": info.get("task"),
                                "state": state_summary(info.get("state") or {})})
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self.post is not None:
            token, args = action_token(action, self.env.unwrapped.vocab)
            self.post("skill", {"token": token, "args": args, "step": self.env.unwrapped.steps + 1})
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self.post is not None:
            self.post("step", step_summary(info, float(reward), terminated, truncated))
        return obs, reward, terminated, truncated, info


@dataclasses.dataclass(frozen=True)
class PolicyByName:
    """A picklable factory of the expert or the random policy (agent/policies.py) for a task."""

    name: str
    task: str

    def __call__(self, seed: int) -> Policy:
        return make_policy(self.name, self.task, seed)


class WorldWorker:
    """One world and its env, in its own process (a Ray actor; RolloutPool creates them). `run` plays one
    episode and streams ("progress", line), ("world", pids) and finally ("report", EpisodeReport)."""

    def __init__(self, index: int, env_options: Mapping[str, Any]) -> None:
        self.index = index
        self.task = str(getattr(env_options.get("task"), "name", env_options.get("task", "?")))
        self.env = _AnnounceWorld(make_env(**env_options))

    def pid(self) -> int:
        return os.getpid()

    def run(self, seed: int, policies: PolicyFactory, watched: bool = False) -> Iterator[tuple[str, Any]]:
        """watched: stream ("tile", (kind, summary)) events too (agent/dashboard's tiles)."""
        events: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self.env.announce = lambda pids: events.put(("world", pids))
        self.env.post = (lambda kind, summary: events.put(("tile", (kind, summary)))) if watched else None

        def episode() -> None:
            name = "?"
            try:
                policy = policies(seed)
                name = policy.name
                report = run_episode(self.env, policy, seed, progress=lambda m: events.put(("progress", m)))
                if is_lost(report):   # the env saw its world die: "lost: <why>", as for a worker that died
                    report = dataclasses.replace(report, success=False,
                                                 end=LOST_PREFIX + report.end.removeprefix("truncated: world lost: "))
                self._finish_recording()
                events.put(("report", report))
            except Exception as err:  # a world that does not start, a bridge that stops answering
                reason = str(err).splitlines()[0] if str(err) else ""
                events.put(("report", lost_report(seed, name, self.task, f"{type(err).__name__}: {reason}")))
            finally:
                events.put(None)

        # The episode runs in a thread so that its progress lines can be yielded while it plays.
        threading.Thread(target=episode, name=f"episode-{seed}", daemon=True).start()
        while (item := events.get()) is not None:
            yield item

    def _finish_recording(self) -> None:
        """An episode the policy ended (act() gave None) leaves its session open until the next reset; close it
        (and the world) so the consumer gets a complete session folder, as the one-world eval does."""
        recorder = getattr(self.env.env, "recorder", None)   # RecordSession's open recording, if any
        if recorder is not None:
            self.env.close()

    def close(self) -> None:
        self.env.close()


# ------------------------------------------------------------------------------ the pool (the consumer's side)


@dataclasses.dataclass
class _Slot:
    index: int
    actor: Any
    pids: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Job:
    slot: _Slot
    seed: int
    policy: str
    last_event: float


class RolloutPool:
    """`workers` WorldWorker actors on a local Ray runtime (or the cluster at `ray_address`), each with an env
    made by make_env(**env_options) (task, max_steps, record_dir, policy metadata and any MinecraftEnv option,
    passed through untouched). A relative record_dir is made absolute here, so sessions land where the
    consumer expects. Use as a context manager, or call close()."""

    def __init__(self, workers: int, env_options: Mapping[str, Any] | None = None, ray_address: str | None = None,
                 *, task: str | None = None, max_steps: int | None = None, policy: str | PolicyFactory | None = None,
                 progress: Callable[[str], None] | None = None, num_cpus: float = 1.0, stall_s: float = STALL_S,
                 warn: Callable[[str], None] = _stderr) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.env_options = {**dict(env_options or {}), **({"task": task} if task is not None else {}),
                            **({"max_steps": max_steps} if max_steps is not None else {})}
        # policy: the default factory of run(); a name ("expert", "random") also names it in the sessions.
        self.policies: PolicyFactory | None = None
        if isinstance(policy, str):
            if "task" not in self.env_options:
                raise ValueError("a policy by name needs the task")
            self.env_options.setdefault("policy", {"name": policy})
            self.policies = PolicyByName(policy, self._task())
        elif policy is not None:
            self.policies = policy
        self.progress = progress or (lambda m: None)
        import ray

        self._ray = ray
        if self.env_options.get("record_dir") is not None:
            self.env_options["record_dir"] = str(Path(self.env_options["record_dir"]).resolve())
        self.stall_s = stall_s
        self.warn = warn
        self.started_ray = not ray.is_initialized()   # a learner may have joined a cluster already: use it
        if self.started_ray:
            _init_ray(ray, ray_address, cpus=max(machine_capacity().cpus, math.ceil(workers * num_cpus)))
        # A runtime of our own on this machine: its workers' world processes are ours to end if a worker dies.
        self.local = self.started_ray and ray_address is None
        if not self.local:
            workers = self._fit_cluster(workers, num_cpus)
        self._actor_class = ray.remote(num_cpus=num_cpus, max_restarts=0, max_task_retries=0)(WorldWorker)
        self.slots = [_Slot(i, self._spawn(i)) for i in range(workers)]

    # -- running

    def run(self, seeds: Iterable[int], policies: PolicyFactory | None = None,
            progress: Callable[[str], None] | None = None, policy_name: str | None = None,
            watch: Callable[[int, str, dict[str, Any]], None] | None = None) -> Iterator[EpisodeReport]:
        """Play one episode per seed, spread over the workers; yield each report as it finishes. policies and
        progress default to the pool's; policy_name names the policy in the report of an episode lost before
        its policy was built; watch(worker index, "reset" | "skill" | "step", summary) hears each world's
        moves as they happen (the dashboard's tiles)."""
        ray = self._ray
        policies = policies or self.policies
        if policies is None:
            raise ValueError("no policy: give run() a policy factory, or the pool a policy")
        progress = progress or self.progress
        pending = collections.deque(int(s) for s in seeds)
        idle = list(self.slots)
        running: dict[Any, _Job] = {}
        policies_ref = ray.put(policies)
        name = policy_name or self._policy_name()
        while pending or running:
            while pending and idle:
                slot, seed = idle.pop(0), pending.popleft()
                running[slot.actor.run.remote(seed, policies_ref, watch is not None)] = _Job(slot, seed, name,
                                                                                          time.monotonic())
                progress(f"[w{slot.index}] seed {seed}: episode started")
            ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
            for stream in ready:
                job = running[stream]
                report = self._next_event(stream, job, progress, watch)
                if report is None:
                    continue
                del running[stream]
                if is_lost(report):
                    progress(f"[w{job.slot.index}] seed {job.seed}: {report.end}; restarting the worker")
                    self._restart(job.slot, graceful=True)
                idle.append(job.slot)
                yield report
            for stream, job in list(running.items()):
                if time.monotonic() - job.last_event > self.stall_s:
                    del running[stream]
                    progress(f"[w{job.slot.index}] seed {job.seed}: no progress for {self.stall_s:.0f} s; restarting the worker")
                    self._restart(job.slot, graceful=False)
                    idle.append(job.slot)
                    yield lost_report(job.seed, job.policy, self._task(), f"no progress for {self.stall_s:.0f} s")

    def _next_event(self, stream: Any, job: _Job, progress: Callable[[str], None],
                    watch: Callable[[int, str, dict[str, Any]], None] | None = None) -> EpisodeReport | None:
        """Handle the worker's next event; the report when the episode is over (lost when the worker died)."""
        try:
            kind, payload = self._ray.get(next(stream))
        except StopIteration:
            return lost_report(job.seed, job.policy, self._task(), "the worker ended the episode without a report")
        except self._ray.exceptions.RayError as err:
            return lost_report(job.seed, job.policy, self._task(), f"worker died: {_first_line(err)}")
        job.last_event = time.monotonic()
        if kind == "progress":
            progress(f"[w{job.slot.index}] {payload}")
        elif kind == "world":
            job.slot.pids = dict(payload)
            pids = ", ".join(f"{part} pid {pid}" for part, pid in payload.items()) or "none running"
            progress(f"[w{job.slot.index}] seed {job.seed}: world: {pids}")
        elif kind == "tile" and watch is not None:
            watch(job.slot.index, *payload)
        elif kind == "report":
            return payload
        return None

    # -- workers

    def worlds(self) -> dict[int, dict[str, int]]:
        """Each worker's current world: {"server": pid, "bridge": pid} (as last announced)."""
        return {slot.index: dict(slot.pids) for slot in self.slots}

    def _spawn(self, index: int) -> Any:
        return self._actor_class.remote(index, self.env_options)

    def _restart(self, slot: _Slot, graceful: bool) -> None:
        """Replace the slot's actor by a fresh one: stop its world if it still answers, end the process, and end
        the world's Node processes it may have left behind (on this machine)."""
        ray = self._ray
        if graceful:
            with contextlib.suppress(Exception):
                ray.get(slot.actor.close.remote(), timeout=30)
        with contextlib.suppress(Exception):
            ray.kill(slot.actor, no_restart=True)
        self._end_world_processes(slot)
        slot.actor = self._spawn(slot.index)

    def _end_world_processes(self, slot: _Slot) -> None:
        pids, slot.pids = slot.pids, {}
        if not self.local:
            return  # they live on another node; its Ray worker's end closes their pipes
        for pid in pids.values():
            _end_process_group(pid)

    def _fit_cluster(self, workers: int, num_cpus: float) -> int:
        cpus = float(self._ray.cluster_resources().get("CPU", 0))
        fits = max(1, int(cpus // num_cpus))
        if workers > fits:
            self.warn(f"--workers {workers}: the Ray cluster has {cpus:.0f} CPUs ({num_cpus:g} a world); using {fits} workers")
            return fits
        return workers

    def _policy_name(self) -> str:
        meta = self.env_options.get("policy")
        return meta if isinstance(meta, str) else str(dict(meta or {}).get("name", "?"))

    def _task(self) -> str:
        task = self.env_options.get("task", "?")
        return str(getattr(task, "name", task))

    # -- closing

    def close(self, graceful_s: float = 30.0) -> None:
        """Stop every world (closing its session; a worker busy with an episode gets `graceful_s` to end it), end
        the actors, and the local Ray runtime if this pool started it."""
        ray = self._ray
        closing = []
        for slot in self.slots:
            with contextlib.suppress(Exception):
                closing.append(slot.actor.close.remote())
        with contextlib.suppress(Exception):
            ray.wait(closing, num_returns=len(closing), timeout=graceful_s)
        for slot in self.slots:
            with contextlib.suppress(Exception):
                ray.kill(slot.actor, no_restart=True)
            self._end_world_processes(slot)
        self.slots = []
        if self.started_ray:
            ray.shutdown()

    def __enter__(self) -> RolloutPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is KeyboardInterrupt:   # Ctrl-C: a worker mid-episode cannot close its world; do not wait
            self.warn(f"interrupted: stopping {len(self.slots)} world(s)")
            self.close(graceful_s=2.0)
        else:
            self.close()


def _init_ray(ray: Any, address: str | None, cpus: int) -> None:
    import logging

    common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if address is not None:
        _check_reachable(address)
        try:
            ray.init(address=address, **common)
        except (ConnectionError, RuntimeError) as err:
            ray.shutdown()
            raise ConnectionError(
                f"cannot join the Ray cluster at {address}: {_first_line(err)} (a cluster started with token "
                "authentication, Ray's default, also needs RAY_AUTH_MODE=token and its token here)") from None
        return
    # "local": always a fresh runtime of our own, never a cluster that RAY_ADDRESS happens to name. Its workers
    # run at normal priority (Ray's default is nice 15): their worlds are the work, and a world starved by any
    # other process on the machine falls behind its game clock.
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES,
             _system_config={"worker_niceness": 0}, **common)
    sigterm_as_ctrl_c()   # ray.init replaced the handler with one that exits at once, leaving the worlds


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """A HOST:PORT (or ray://HOST:PORT) that nothing answers on fails at once: ray.init would retry for minutes."""
    import socket

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and the like: Ray finds the cluster itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as err:
        raise ConnectionError(f"cannot join the Ray cluster at {address}: nothing answers there ({err})") from None


def _end_process_group(pid: int) -> None:
    """End a world process the project started (a Node process leading its own process group) if it is still there."""
    try:
        if os.getpgid(pid) != pid or b"node" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return
        os.killpg(pid, signal.SIGTERM)
    except (OSError, ProcessLookupError):
        pass


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
