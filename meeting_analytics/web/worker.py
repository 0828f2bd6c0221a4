"""The worker side of a web job, in a spawned process that keeps its models loaded between jobs.

A job is the batch's job (``batch.worker.process``: transcript and analytics into ``results/<key>/``,
skipped when an identical upload with the same options is done already) followed by this job's
downloads and report, built in a temporary directory and renamed to ``jobs/<id>/`` in one step.
Stage progress goes back to the web process through a queue.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..batch.worker import Job, init_worker, is_done, one_line, process
from ..options import PipelineOptions

DOWNLOADS = ("txt", "srt", "vtt", "tsv", "json", "rttm")
# "name: asr 3.1 s" or "load asr 2.0 s": a stage (or a model load) that is over
_STAGE_OVER = re.compile(r"^(?:.*: )?(?P<stage>[a-z][a-z ]*?) \d+(?:\.\d+)? s$")

_EVENTS = None


@dataclass
class WebJob:
    id: str
    path: str           # uploads/<id>
    key: str            # the batch result key: content hash + options hash
    data_dir: str
    name: str           # the uploaded file's name, for titles and messages only
    stem: str           # a safe stem for download names
    options: PipelineOptions = field(default_factory=PipelineOptions)
    names: list[str] = field(default_factory=list)  # speaker names, in order of first speech


class StageEvents:
    """The pipeline's progress protocol (``progress.Reporter``), sent to the web process as events:
    ``{"id", "stage", "done"}`` with ``done`` the stage's fraction."""

    def __init__(self, job_id: str, queue):
        self.job_id, self.queue = job_id, queue

    def send(self, stage: str, done: float) -> None:
        if self.queue is not None:
            self.queue.put({"id": self.job_id, "stage": stage, "done": round(min(max(done, 0.0), 1.0), 3)})

    def __call__(self, message: str) -> None:
        m = _STAGE_OVER.match(message)
        if m:
            self.send(m["stage"], 1.0)

    @contextmanager
    def bar(self, name: str, unit: str = "step"):
        stage, last = name.rsplit(": ", 1)[-1], [0.0]

        def update(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= 0.2 or done >= total:
                last[0] = time.monotonic()
                self.send(stage, done / max(total, 1))

        yield update


def init(events, options: PipelineOptions, threads: int | None) -> None:
    """Pool initializer: the event queue, and the default pipeline loaded before the first job."""
    global _EVENTS
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group: the server stops its workers
    _die_with_parent()
    _EVENTS = events
    init_worker(options, threads)


def _die_with_parent() -> None:
    """A worker outlives no server, however the server ended (SIGKILL included): a restarted server
    then reruns the interrupted job alone, with no orphan writing the same files."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the server died before the call
            os._exit(1)


def ready() -> int:
    """A no-op task: the pool has started a worker (and loaded its models)."""
    return os.getpid()


def run(job: WebJob) -> dict:
    """Result (or the finished one reused), then downloads; never raises for a bad recording."""
    events = StageEvents(job.id, _EVENTS)
    events.send("started", 1.0)
    reused = is_done(Path(job.data_dir), job.key)
    outcome = None
    if not reused:
        outcome = process(Job(job.path, job.key, job.data_dir, job.options), progress=events)
        if outcome.status != "done":
            return {"status": "failed", "error": named(outcome.error or "failed", job.path, job.name),
                    "outcome": asdict(outcome)}
    events.send("analytics", 1.0)
    try:
        audio_seconds = write_downloads(job)
    except Exception as exc:  # noqa: BLE001 (the server goes on)
        return {"status": "failed", "error": named(one_line(job.path, exc), job.path, job.name), "outcome": None}
    events.send("report", 1.0)
    return {"status": "done", "reused": reused, "audio_seconds": audio_seconds,
            "outcome": asdict(outcome) if outcome else None}


def named(message: str, path: str | Path, name: str) -> str:
    """Messages name the uploaded file by the name the user gave it, never by the server's path."""
    return message.replace(str(Path(path).resolve()), name).replace(str(path), name)


def ordered_names(report, names: list[str]) -> dict[str, str]:
    """``names[i]`` for the i-th speaker to speak."""
    words = report.transcript.words if report.transcript is not None else []
    order = list(dict.fromkeys(w.speaker for w in sorted(words, key=lambda w: w.start) if w.speaker))
    order += [s for s in (report.transcript.speakers if report.transcript else []) if s not in order]
    return dict(zip(order, names))


def write_downloads(job: WebJob) -> float:
    """``jobs/<id>/``: transcripts, tables, workbook and report.html, all or nothing; the audio's seconds."""
    from ..analytics.meeting import MeetingReport
    from ..files import atomic_write_bytes, atomic_write_text
    from ..report.export import xlsx_bytes
    from ..report.writers import write_outputs

    report = MeetingReport.load(Path(job.data_dir) / "results" / job.key)
    if job.names:
        report = report.rename_speakers(ordered_names(report, job.names))
    jobs = Path(job.data_dir) / "jobs"
    final, tmp = jobs / job.id, jobs / f".tmp-{job.id}-{os.getpid()}"
    try:
        write_outputs(report.transcript, tmp, job.stem, list(DOWNLOADS))
        for name in ("speakers", "utterances"):
            atomic_write_text(tmp / f"{job.stem}_{name}.csv", getattr(report, name).to_csv(index=False))
        atomic_write_bytes(tmp / f"{job.stem}.xlsx", xlsx_bytes(report))
        report.to_html(tmp / "report.html", title=job.name)
        shutil.rmtree(final, ignore_errors=True)  # a rerun after a restart replaces a stale copy
        os.rename(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return float(report.transcript.duration if report.transcript is not None else 0.0)
