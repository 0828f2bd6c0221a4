"""Jobs of the web app: a table in the batch manifest, and the worker pool that runs them.

Only this (the web) process writes the table. A job is ``queued`` until a worker picks it up,
``running`` with a stage and a fraction per stage, then ``done`` or ``failed`` with a one-line reason.
On start every job left ``queued`` or ``running`` by an earlier server is queued again; finished jobs
stay listed. Jobs with the same key (identical upload, same options) run one after another, so the
second reuses the first's result instead of computing it again.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import signal
import shutil
import threading
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..batch.manifest import open_table
from ..batch.run import options_hash, record, result_dir_name
from ..batch.worker import RESULT_MARKER, clean_partial
from ..events import ANALYTICS, ASR, DIARIZE, PART_OF, REPORT, SEGMENTATION, StageEvent
from ..errors import Error
from ..files import OutputError, make_private
from ..options import PipelineOptions, default_threads
from .worker import STARTED, JobEvent, JobResult, WebJob, WorkerStarted

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, name TEXT, stem TEXT, size INTEGER, content_hash TEXT, key TEXT, options TEXT,
    names TEXT, status TEXT, error TEXT, duration REAL, created REAL, started REAL, finished REAL,
    wall_seconds REAL, reused INTEGER DEFAULT 0, attempts INTEGER DEFAULT 0, warnings TEXT, original_speed REAL);
"""
COLUMNS = ("id", "name", "stem", "size", "content_hash", "key", "options", "names", "status", "error", "duration",
           "created", "started", "finished", "wall_seconds", "reused", "attempts", "warnings", "original_speed")
# columns added since the first job tables: added to an older one when opened
ADDED = {"warnings": "TEXT", "original_speed": "REAL"}
# a stage's share of a job's progress; transcription and diarization run side by side
STAGES = {SEGMENTATION: 0.05, ASR: 0.55, DIARIZE: 0.25, ANALYTICS: 0.05, REPORT: 0.1}
BEFORE_ANALYTICS = (SEGMENTATION, ASR, DIARIZE)
MAX_CRASHES = 2


def new_id() -> str:
    """Unguessable: 128 random bits."""
    return secrets.token_urlsafe(16)


@dataclass
class JobProgress:
    """A running job's fraction per stage, from its stage events."""

    stages: dict[str, float]

    def apply(self, event: StageEvent) -> None:
        stage = PART_OF.get(event.stage, event.stage)
        if stage not in STAGES:
            return
        self.stages[stage] = max(self.stages.get(stage, 0.0), event.fraction)
        if stage in (ANALYTICS, REPORT):  # what runs before them is over
            for s in BEFORE_ANALYTICS:
                self.stages[s] = 1.0

    @property
    def fraction(self) -> float:
        return round(sum(STAGES[s] * self.stages.get(s, 0.0) for s in STAGES) / sum(STAGES.values()), 3)

    @property
    def stage(self) -> str | None:
        return next((s for s in STAGES if 0 < self.stages.get(s, 0.0) < 1), None) or \
            next((s for s in STAGES if self.stages.get(s, 0.0) < 1), None)


class JobStore:
    """The ``jobs`` table; every call commits (one writer: this process, under a lock)."""

    def __init__(self, path: Path):
        self.lock = threading.RLock()
        self.db = open_table(path, SCHEMA, "jobs", ADDED)

    def insert(self, **values) -> None:
        with self.lock, self.db:
            self.db.execute(f"INSERT INTO jobs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                            tuple(values.values()))

    def update(self, job_id: str, **values) -> None:
        with self.lock, self.db:
            self.db.execute(f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                            (*values.values(), job_id))

    def get(self, job_id: str) -> dict | None:
        with self.lock:
            row = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(zip(COLUMNS, row)) if row else None

    def all(self, where: str = "1") -> list[dict]:
        with self.lock:
            rows = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE {where} ORDER BY created DESC")
            return [dict(zip(COLUMNS, r)) for r in rows.fetchall()]

    def delete(self, job_id: str) -> None:
        with self.lock, self.db:
            self.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def sharing(self, key: str) -> list[str]:
        """The jobs, failed ones aside, whose result is ``key``."""
        with self.lock:
            rows = self.db.execute("SELECT id FROM jobs WHERE key = ? AND status != 'failed'", (key,))
            return [r[0] for r in rows.fetchall()]

    def close(self) -> None:
        self.db.close()


class JobManager:
    """Owns the job table, the worker pool and the live progress of running jobs."""

    def __init__(self, data_dir: str | Path, workers: int = 1, options: PipelineOptions | None = None,
                 log: Callable[[str], None] = lambda line: None):
        from ..batch.manifest import Manifest

        self.dir = make_private(data_dir)  # recordings and transcripts: the server's user's alone (0700)
        for sub in ("uploads", "results", "jobs"):
            make_private(self.dir / sub)
        clean_partial(self.dir)
        for stale in (self.dir / "jobs").glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.workers, self.log = workers, log
        self.options = options or PipelineOptions.for_analysis()
        self.manifest = Manifest(self.dir / "manifest.sqlite")
        self.store = JobStore(self.dir / "manifest.sqlite")
        self.lock = threading.RLock()
        self.live: dict[str, JobProgress] = {}
        self.worker_pids: set[int] = set()
        self.running_keys: dict[str, str] = {}      # key -> the job computing it
        self.waiting: dict[str, list[str]] = {}     # key -> jobs queued behind it
        self.crashes: dict[str, int] = {}
        self.ctx = multiprocessing.get_context("spawn")
        self.events = self.ctx.Queue()
        self.pool: ProcessPoolExecutor | None = None
        self.closed = False

    # -- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        status = {row["id"]: row["status"] for row in self.store.all()}
        for upload in (self.dir / "uploads").iterdir():  # a failed job's, or one no job names (a server killed
            if status.get(upload.name, "failed") == "failed":  # while receiving it): nobody reads it again
                upload.unlink(missing_ok=True)
        self._new_pool()
        threading.Thread(target=self._drain, name="job-events", daemon=True).start()
        for row in reversed(self.store.all("status IN ('queued', 'running')")):
            self.store.update(row["id"], status="queued", started=None)
            self._submit(row["id"])

    def close(self) -> None:
        """Stop now: running jobs stay ``running`` in the table and run again on the next start."""
        self.closed = True
        self.events.put(None)
        if self.pool is not None:
            alive = {p.pid for p in self.ctx.active_children()}
            for pid in self.worker_pids & alive:  # a worker that died earlier: its number may be another's now
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:  # gone since
                    pass
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.manifest.close()
        self.store.close()

    def _new_pool(self) -> None:
        from . import worker

        self.pool = ProcessPoolExecutor(self.workers, mp_context=self.ctx, initializer=worker.init,
                                        initargs=(self.events, self.options, default_threads(self.workers)))
        self.pool.submit(worker.ready)  # start a worker (and load its models) before the first upload

    def _started_pool(self) -> ProcessPoolExecutor:
        assert self.pool is not None, "start() makes the pool"
        return self.pool

    # -- jobs --------------------------------------------------------------------------------------

    def create(self, job_id: str, name: str, stem: str, size: int, digest: str, options: PipelineOptions,
               names: list[str], duration: float | None, error: str | None = None) -> dict:
        """A job for an upload stored as ``uploads/<job_id>``; ``error``: it failed its checks already."""
        key = result_dir_name(digest, options_hash(options))
        now = time.time()
        self.store.insert(id=job_id, name=name, stem=stem, size=size, content_hash=digest, key=key,
                          options=json.dumps(options.public(), default=str), names=json.dumps(names),
                          status="failed" if error else "queued", error=error, duration=duration, created=now,
                          finished=now if error else None)
        if error:
            self._upload(job_id).unlink(missing_ok=True)  # a failed job keeps no recording
        else:
            self._submit(job_id)
        row = self.store.get(job_id)
        assert row is not None, "inserted above"
        return row

    def job(self, job_id: str) -> dict | None:
        row = self.store.get(job_id)
        return None if row is None else job_view(row, self.live.get(job_id))

    def jobs(self) -> list[dict]:
        return [job_view(row, self.live.get(row["id"])) for row in self.store.all()]

    def files(self, job_id: str) -> list[str]:
        d = self.dir / "jobs" / job_id
        return sorted(p.name for p in d.iterdir() if p.is_file()) if d.is_dir() else []

    def delete(self, job_id: str) -> bool:
        """Forget a job and everything only it used: its upload, its downloads, its manifest row, and its
        result (``results/<key>/``) unless another job shares it (a running one finishes in its worker, then
        its result is dropped)."""
        row = self.store.get(job_id)
        if row is None:
            return False
        with self.lock:
            self.store.delete(job_id)
            self.live.pop(job_id, None)
            if job_id in self.waiting.get(row["key"], []):
                self.waiting[row["key"]].remove(job_id)
            running = self.running_keys.get(row["key"]) == job_id
            shared = bool(self.store.sharing(row["key"]))
        self._upload(job_id).unlink(missing_ok=True)
        shutil.rmtree(self.dir / "jobs" / job_id, ignore_errors=True)
        self._forget(job_id, None if shared or running else row["key"])
        return True

    def _upload(self, job_id: str) -> Path:
        return self.dir / "uploads" / job_id

    def _forget(self, job_id: str, key: str | None) -> None:
        """The manifest's row of ``job_id``'s upload; with ``key``, the result and every row of it too."""
        if key:
            shutil.rmtree(self.dir / "results" / key, ignore_errors=True)
        try:
            self.manifest.forget(str(self._upload(job_id)), key)
        except OutputError as exc:
            self.log(f"warning: {exc}")

    # -- running -----------------------------------------------------------------------------------

    def _web_job(self, row: dict) -> WebJob:
        """The job as a worker runs it; its options read back from the table (the token, never stored
        there, is the server's)."""
        options = replace(PipelineOptions.from_record(json.loads(row["options"])), hf_token=self.options.hf_token)
        return WebJob(id=row["id"], path=str(self.dir / "uploads" / row["id"]), key=row["key"], data_dir=str(self.dir),
                      name=row["name"], stem=row["stem"], options=options, names=json.loads(row["names"] or "[]"))

    def _submit(self, job_id: str) -> None:
        from . import worker

        with self.lock:
            row = self.store.get(job_id)
            if row is None or self.closed:
                return
            if self.running_keys.get(row["key"], job_id) != job_id:
                self.waiting.setdefault(row["key"], []).append(job_id)
                return
            try:
                job = self._web_job(row)
            except Error as exc:  # options recorded before a restart that no longer hold (a file gone)
                self.store.update(job_id, status="failed", error=f"{row['name']}: {exc}", finished=time.time())
                return
            self.running_keys[row["key"]] = job_id
            try:
                future = self._started_pool().submit(worker.run, job)
            except (BrokenProcessPool, RuntimeError):  # broken or shut down: a new pool takes it
                if self.closed:
                    return
                self._new_pool()
                future = self._started_pool().submit(worker.run, job)
            pool = self.pool  # the pool that runs it, as it is now
            future.add_done_callback(lambda f: self._finished(job, f, pool))

    def _finished(self, job: WebJob, future: Future, pool: ProcessPoolExecutor | None = None) -> None:
        try:
            result = future.result()
        except CancelledError:
            return
        except BrokenProcessPool:
            result = self._crashed(job, pool)
            if result is None:
                return
        except Exception as exc:  # noqa: BLE001 (the server goes on)
            result = JobResult("failed", f"{job.name}: {type(exc).__name__}: {exc}")
        self.finish(job, result)

    def finish(self, job: WebJob, result: JobResult) -> None:
        """Record how ``job`` ended, then start the jobs that waited for its key."""
        with self.lock:
            row = self.store.get(job.id)
            if row is not None:
                wall = time.time() - (row["started"] or row["created"])
                self.store.update(job.id, status=result.status, error=result.error, finished=time.time(),
                                  wall_seconds=round(wall, 3), reused=int(result.reused),
                                  attempts=(row["attempts"] or 0) + 1,
                                  warnings=json.dumps(list(result.warnings)) if result.warnings else None,
                                  original_speed=self._original_speed(job.key) if result.reused else None)
                self.live.pop(job.id, None)
                if result.status == "failed":
                    self._upload(job.id).unlink(missing_ok=True)  # a failed job keeps no recording
            else:  # deleted while it ran: what it wrote goes too
                shutil.rmtree(self.dir / "jobs" / job.id, ignore_errors=True)
            if row is not None and result.outcome is not None:
                try:
                    record(self.manifest, result.outcome)
                except OutputError as exc:  # the manifest is a record; the job's result stands
                    self.log(f"warning: {exc}")
            self.running_keys.pop(job.key, None)
            queued = self.waiting.pop(job.key, [])
            if row is None:
                self._forget(job.id, None if queued or self.store.sharing(job.key) else job.key)
        for other in queued:
            self._submit(other)

    def _original_speed(self, key: str) -> float | None:
        """× real time of the run that computed a reused result (its ``result.json``), if it says."""
        try:
            outcome = json.loads((self.dir / "results" / key / RESULT_MARKER).read_text())
            return round(outcome["audio_seconds"] / outcome["wall_seconds"], 2)
        except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
            return None

    def _crashed(self, job: WebJob, pool: ProcessPoolExecutor | None) -> JobResult | None:
        """A worker died (a crash in native code): the job goes again once, then fails; a new pool."""
        with self.lock:
            self.crashes[job.id] = self.crashes.get(job.id, 0) + 1
            self.running_keys.pop(job.key, None)
            if not self.closed and pool is self.pool:  # the first of the broken pool's jobs to hear of it
                self._new_pool()
        if self.crashes[job.id] >= MAX_CRASHES:
            return JobResult("failed", f"{job.name}: the worker process crashed on this file")
        if not self.closed:
            self._submit(job.id)
        return None

    def _drain(self) -> None:
        """Events from the workers, until ``close``."""
        while True:
            event = self.events.get()
            if event is None:
                return
            self.on_event(event)

    def on_event(self, message: JobEvent | WorkerStarted) -> None:
        """A worker's message: a job's stage event (``running`` when a worker takes it), or a new worker."""
        if isinstance(message, WorkerStarted):
            self.worker_pids.add(message.pid)
            return
        job_id, event = message.job_id, message.event
        with self.lock:
            row = self.store.get(job_id)
            if row is None:
                return
            if event.stage == STARTED and row["status"] in ("queued", "running"):  # not a late one for a done job
                self.store.update(job_id, status="running", started=time.time(), error=None)
                self.live[job_id] = JobProgress({})
            elif job_id in self.live:
                self.live[job_id].apply(event)


def job_view(row: dict, live: JobProgress | None) -> dict:
    """A job as the API shows it (``GET /api/jobs/{id}``)."""
    done = row["status"] == "done"
    progress = 1.0 if done else live.fraction if live else 0.0
    stages = {s: 1.0 if done else live.stages.get(s, 0.0) if live else 0.0 for s in STAGES}
    # a reused result's wall time is the reuse, not a run: its speed is the original run's (original_speed)
    speed = row["duration"] / row["wall_seconds"] if row["duration"] and row["wall_seconds"] \
        and not row["reused"] else None
    return {"id": row["id"], "file": row["name"], "size": row["size"], "duration": row["duration"],
            "status": row["status"], "stage": live.stage if live and row["status"] == "running" else None,
            "progress": progress, "stages": stages, "error": row["error"], "created": row["created"],
            "started": row["started"], "finished": row["finished"], "wall_seconds": row["wall_seconds"],
            "speed": round(speed, 2) if speed else None, "reused": bool(row["reused"]),
            "original_speed": row["original_speed"],
            "options": json.loads(row["options"] or "{}"), "names": json.loads(row["names"] or "[]"),
            "warnings": json.loads(row.get("warnings") or "[]")}
