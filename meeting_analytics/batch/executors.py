"""Where batch jobs run: worker processes on this machine, or actors on a Ray cluster. Either way each
worker loads the models once and runs the per-file task; outcomes stream back as they finish. Local
workers write results into the output directory themselves; Ray actors get each recording's bytes
and return the result's files, which the driver writes: no actor opens a path of the driver's."""

from __future__ import annotations

import multiprocessing
import os
import socket
import tempfile
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .worker import Job, Outcome, Returned, Worker, init_worker, one_line, own_process, process, write_result_files
from ..options import PipelineOptions, default_threads

MAX_CRASHES = 2


def default_workers(device: str = "cpu") -> int:
    """One worker per GPU; on CPU one per core, as memory allows (about 2 GiB each): on 2 cores two
    workers beat one, each with its diarization thread (6.8 against 5.6 audio hours per hour, BENCHMARKS.md)."""
    if device.startswith("cuda"):
        return 1
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gib = 4.0
    return max(1, min(os.cpu_count() or 1, int(mem_gib // 2)))


def run_local(jobs: list[Job], options: PipelineOptions, workers: int) -> Iterator[Outcome]:
    """A process pool (spawned: torch and forked threads do not mix). A worker that dies (a crash in
    native code on a corrupt file) costs its files one attempt; after MAX_CRASHES they are failed."""
    pending = list(jobs)
    crashes: dict[str, int] = {}
    while pending:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker,
                                 initargs=(options, default_threads(workers))) as pool:
            futures = {pool.submit(process, job): job for job in pending}
            pending = []
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in finished:
                    job = futures.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        crashes[job.path] = crashes.get(job.path, 0) + 1
                        if crashes[job.path] >= MAX_CRASHES:
                            yield crashed(job)
                        else:
                            pending.append(job)


def crashed(job: Job) -> Outcome:
    """A file that killed its worker MAX_CRASHES times."""
    return Outcome(job.path, job.key, "failed", error=f"{job.path}: the worker process crashed on this file")


@dataclass(frozen=True)
class JobInput:
    """A job's recording as it travels to a Ray actor (through the object store): its bytes, or with
    ``--shared_storage`` the absolute path every node reads it at (``data`` None)."""

    data: bytes | None = None
    shared_path: str | None = None

    @classmethod
    def of(cls, path: str, shared_storage: bool) -> "JobInput":
        if shared_storage:
            return cls(shared_path=os.path.abspath(path))
        with open(path, "rb") as fh:
            return cls(data=fh.read())


class RayWorker:
    """A Ray actor: the models of one worker, loaded once. It never opens the driver's paths: the
    recording comes as bytes (a private copy under its own name, so ffmpeg probes it the same way)
    and the result goes back as bytes (``Returned``)."""

    def __init__(self, options: PipelineOptions, threads: int | None):
        import ray

        own_process(options, threads)
        self.node = ray.get_runtime_context().get_node_id()
        self.worker = Worker(options, threads, where=f"{socket.gethostname()}:{os.getpid()} node {self.node[:12]}")

    def node_id(self) -> str:
        """The Ray node this actor runs on (answered once the models are loaded: the actor is ready)."""
        return self.node

    def run(self, job: Job, payload: JobInput) -> Returned:
        if payload.data is None:
            return self.worker.result_files(job, payload.shared_path or job.path)
        with tempfile.TemporaryDirectory(prefix="ma-input-") as tmp:
            local = Path(tmp) / (Path(job.path).name or "input")
            local.write_bytes(payload.data)
            return self.worker.result_files(job, str(local))


def import_ray():
    """Ray, or a one-line ``MissingExtraError`` naming the extra that installs it."""
    try:
        import ray
    except ImportError:
        from ..errors import MissingExtraError

        raise MissingExtraError("--executor ray", "ray", "ray") from None
    return ray


def connect_ray(address: str | None, workers: int) -> bool:
    """Join ``address`` (``auto``, ``HOST:PORT``, ``ray://HEAD:10001``), else the cluster ``RAY_ADDRESS``
    names (``ray job submit`` sets it), else start a private local one (``address="local"``: never the
    cluster an earlier ``ray start`` left in ``/tmp/ray/ray_current_cluster``, alive or dead); True when
    this call started it. A cluster that cannot be joined is one ``OptionError`` line naming it."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    asked = address or os.environ.get("RAY_ADDRESS") or None
    flag = f"--ray_address {address}" if address else f"RAY_ADDRESS={asked}"
    if asked:
        _check_reachable(ray, asked, flag)
    try:
        if address and address.startswith("ray://"):
            ray.init(address)  # Ray Client: the arguments below are for a driver on the cluster
        elif asked:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address="local", num_cpus=max(os.cpu_count() or 1, workers), include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
    except Exception as exc:  # noqa: BLE001 (Ray's errors for an unreachable cluster are of many kinds)
        if not asked:
            raise
        from ..errors import OptionError

        said = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise OptionError(f"{flag}: cannot join the Ray cluster there ({said[:300]})") from None
    return True


def _check_reachable(ray, address: str, flag: str, timeout: float = 10.0) -> None:
    """One line now when nothing listens at the cluster's address (``auto``: the one the last ``ray start``
    wrote down), instead of Ray retrying for minutes."""
    from ..errors import OptionError

    target = address.removeprefix("ray://")
    if target == "auto":
        try:
            target = ray._private.utils.read_ray_address() or ""
        except Exception:  # noqa: BLE001 (a private helper of Ray's: without it, Ray's own error says it)
            return
        if not target:
            return  # Ray says "could not find any running Ray instance", caught as one line
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        where = "" if target == address.removeprefix("ray://") else f" (the cluster {target} named by Ray's last start)"
        raise OptionError(f"{flag}: no Ray cluster answers{where} ({exc.strerror or type(exc).__name__})") from None


def without_unused_token(options: PipelineOptions) -> PipelineOptions:
    """``options`` without the Hugging Face token when no hub model needs it (``PipelineOptions.token``):
    it would travel, pickled, to every actor for nothing."""
    from dataclasses import replace

    from ..weights import is_offline_diarization

    name = options.diarize_model
    if options.hf_token and (name is None or is_offline_diarization(name) or os.path.exists(name)):
        return replace(options, hf_token=None)
    return options


def actor_resources(options: PipelineOptions, workers: int) -> dict:
    """One actor per GPU; on CPUs an equal share of the cluster's, at least one each."""
    import ray

    if options.asr.device.startswith("cuda"):
        return {"num_gpus": 1, "num_cpus": 1}
    cpus = ray.cluster_resources().get("CPU", 1)
    return {"num_cpus": max(1, int(cpus // max(workers, 1)))}


def run_ray(jobs: list[Job], options: PipelineOptions, workers: int, address: str | None = None,
            shared_storage: bool = False, log: Callable[[str], None] = lambda m: None,
            actor_class: type = RayWorker) -> Iterator[Outcome]:
    """The per-file task on ``workers`` Ray actors, restarted when they die (``max_restarts``). The driver
    sends each recording's bytes through the object store, at most two per actor in flight, and
    writes the returned result files into its own output directory. A job whose actor died runs again
    on another; one whose actor crashed MAX_CRASHES times is failed as locally, a lost node costs the
    file nothing. ``actor_class``: the actor (``RayWorker``; a test's stands in without models)."""
    from dataclasses import replace

    ray = import_ray()
    options = without_unused_token(options)
    jobs = [replace(j, options=without_unused_token(j.options)) if j.options is not None else j for j in jobs]
    started = connect_ray(address, workers)
    try:
        yield from _RayBatch(ray, options, workers, shared_storage, log, actor_class).run(jobs)
    finally:
        if started:
            ray.shutdown()


class _RayBatch:
    """The driver's side of one batch on Ray: actors, jobs in flight, crashes per file."""

    def __init__(self, ray, options: PipelineOptions, workers: int, shared_storage: bool,
                 log: Callable[[str], None], actor_class: type = RayWorker):
        from ray.exceptions import ActorDiedError, RayActorError

        self.ray, self.shared, self.log = ray, shared_storage, log
        self.actor_error, self.died_error = RayActorError, ActorDiedError
        resources = actor_resources(options, workers)
        threads = None if "num_gpus" in resources else max(1, resources["num_cpus"] // 2)  # two pools per worker
        actor = ray.remote(actor_class).options(max_restarts=-1, max_task_retries=0, **resources)
        self.actors = [actor.remote(options, threads) for _ in range(max(workers, 1))]
        self.pings: dict = {}  # ping ref -> actor: ready (models loaded) when answered
        self.nodes: dict = {}  # actor -> its node id
        self.idle: list = []
        self.dead_cause: str | None = None
        for a in self.actors:
            self._ping(a)

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        queue = deque(jobs)
        ahead: deque = deque()  # (job, object ref of its JobInput): put in the object store, no actor yet
        running: dict = {}  # task ref -> (actor, job, input ref)
        crashes: dict[str, int] = {}
        try:
            while queue or ahead or running:
                while queue and len(ahead) + len(running) < 2 * len(self.actors):
                    job = queue.popleft()
                    try:
                        ahead.append((job, self.ray.put(JobInput.of(job.path, self.shared))))
                    except OSError as exc:
                        yield Outcome(job.path, job.key, "failed",
                                      error=f"{job.path}: cannot read ({exc.strerror or type(exc).__name__})")
                while self.idle and ahead:
                    job, ref = ahead.popleft()
                    actor = self.idle.pop()
                    running[actor.run.remote(job, ref)] = (actor, job, ref)
                if not running and not self.pings:
                    for job in [*(j for j, _ in ahead), *queue]:
                        yield Outcome(job.path, job.key, "failed",
                                      error=f"{job.path}: no Ray worker could run it ({self.dead_cause})")
                    return
                finished, _ = self.ray.wait([*running, *self.pings], num_returns=1)
                for ref in finished:
                    if ref in self.pings:
                        self._answered(ref)
                        continue
                    actor, job, payload = running.pop(ref)
                    try:
                        returned = self.ray.get(ref)
                    except self.actor_error as exc:
                        self._ping(actor)
                        if self._node_lost(actor, exc):
                            self.log(f"{job.path}: its Ray node was lost; it runs again")
                            ahead.appendleft((job, payload))  # not the file's doing: again, uncounted
                            continue
                        crashes[job.path] = crashes.get(job.path, 0) + 1
                        if crashes[job.path] >= MAX_CRASHES:
                            yield crashed(job)
                        else:
                            self.log(f"{job.path}: the worker process crashed on it; it runs again")
                            ahead.appendleft((job, payload))
                        continue
                    except Exception as exc:  # noqa: BLE001 (the task raised: this file fails alone)
                        self.idle.append(actor)
                        yield Outcome(job.path, job.key, "failed", error=one_line(job.path, exc))
                        continue
                    self.idle.append(actor)
                    yield land(job, returned)
        finally:
            for a in self.actors:
                self.ray.kill(a)

    def _answered(self, ping) -> None:
        actor = self.pings.pop(ping)
        try:
            self.nodes[actor] = self.ray.get(ping)
        except self.died_error as exc:  # dead for good (its models failed to load): the reason is kept
            self.dead_cause = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            return
        except self.actor_error:  # unavailable for now: ask again
            time.sleep(0.5)
            self._ping(actor)
            return
        self.idle.append(actor)

    def _ping(self, actor) -> None:
        """Ask ``actor`` where it runs; answered once it is up (Ray restarts a dead one, on another node
        when its own is gone, as resources allow), retried through restarts."""
        self.pings[actor.node_id.options(max_task_retries=-1).remote()] = actor

    def _node_lost(self, actor, exc: Exception) -> bool:
        """Whether ``actor`` died with its node (removed, preempted) rather than crashing on its file."""
        if getattr(exc, "preempted", False) or "node has died" in str(exc).lower():
            return True
        node = self.nodes.get(actor)
        if node is None:
            return False
        alive = {n["NodeID"]: n["Alive"] for n in self.ray.nodes()}
        return not alive.get(node, False)


def land(job: Job, returned: Returned) -> Outcome:
    """A remote worker's result written into the driver's output directory (``results/<key>/``,
    atomically; one already there is kept); a result that cannot be written fails its file."""
    if returned.outcome.status != "done" or returned.files is None:
        return returned.outcome
    try:
        write_result_files(Path(job.out_dir), job.key, returned.files)
    except Exception as exc:  # noqa: BLE001
        return Outcome(job.path, job.key, "failed", error=one_line(job.path, exc), worker=returned.outcome.worker)
    return returned.outcome
