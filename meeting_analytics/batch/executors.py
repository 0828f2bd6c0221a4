"""Where batch jobs run: worker processes on this machine, or actors on a Ray cluster. Either way each
worker loads the models once and runs ``batch.process`` per file; outcomes stream back as they finish."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator

from .worker import Job, Outcome, init_worker, process
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
                            yield Outcome(job.path, job.key, "failed",
                                          error=f"{job.path}: the worker process crashed on this file")
                        else:
                            pending.append(job)


class RayWorker:
    """A Ray actor: the models of one worker, loaded once."""

    def __init__(self, options: PipelineOptions, threads: int | None):
        init_worker(options, threads)

    def process(self, job: Job) -> Outcome:
        return process(job)


def run_ray(jobs: list[Job], options: PipelineOptions, workers: int, address: str | None = None) -> Iterator[Outcome]:
    """The same per-file task on Ray actors: ``address`` of a running cluster ("auto" finds it), or a
    local cluster of ``workers`` CPUs when none is given. Actors write results to the output directory,
    which must be shared storage on a multi-node cluster; outcomes are gathered back here."""
    import ray
    from ray.util import ActorPool

    started = False
    if not ray.is_initialized():
        kwargs = {"address": address} if address else {"num_cpus": max(workers, 1)}
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **kwargs)
        started = True
    try:
        threads = default_threads(workers) if not address else None
        actor = ray.remote(num_cpus=1)(RayWorker)
        actors = [actor.remote(options, threads) for _ in range(max(workers, 1))]
        yield from ActorPool(actors).map_unordered(lambda a, job: a.process.remote(job), jobs)
    finally:
        if started:
            ray.shutdown()
