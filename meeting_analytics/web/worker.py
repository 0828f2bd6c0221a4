"""The worker side of a web job, in a spawned process that keeps its models loaded between jobs.

A job is the batch's job (``batch.worker.process``: transcript and analytics into ``results/<key>/``,
skipped when an identical upload with the same options is done already) followed by this job's
downloads and report, built in a temporary directory and renamed to ``jobs/<id>/`` in one step.
The pipeline's stage events go back to the web process through a queue as ``JobEvent``s; the job's
end comes back as a ``JobResult``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..analytics.names import SpeakerNames, speaking_order
from ..batch.worker import Job, Outcome, init_worker, is_done, one_line, process
from ..events import ANALYTICS, REPORT, StageEvent
from ..files import private_umask
from ..options import PipelineOptions

DOWNLOADS = ("txt", "srt", "vtt", "tsv", "json", "rttm")
STARTED = "started"  # a worker took the job
STEP_EVERY = 0.2     # seconds between two step events of one stage sent to the web process

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


@dataclass(frozen=True)
class JobEvent:
    """A stage event of a web job, as the worker sends it to the web process."""

    job_id: str
    event: StageEvent


@dataclass(frozen=True)
class WorkerStarted:
    """A worker process of the pool is up (the server kills these on close)."""

    pid: int


@dataclass(frozen=True)
class JobResult:
    """How a job ended: ``done`` (``reused``: an identical upload's result) or ``failed`` with one line."""

    status: str
    error: str | None = None
    reused: bool = False
    audio_seconds: float | None = None
    outcome: Outcome | None = None
    warnings: tuple[str, ...] = ()  # done, but the recording was damaged (``RunInfo.warnings``)


class JobEvents:
    """A stage hook that forwards a job's events to the web process: every stage that is over, and
    steps at most every ``STEP_EVERY`` seconds per stage (or when a stage's steps are complete)."""

    def __init__(self, job_id: str, queue):
        self.job_id, self.queue = job_id, queue
        self.last: dict[str, float] = {}

    def __call__(self, event: StageEvent) -> None:
        if self.queue is None or event.file is None and not event.over:
            return
        if not event.over and event.completed != event.total:
            now = time.monotonic()
            if now - self.last.get(event.stage, 0.0) < STEP_EVERY:
                return
            self.last[event.stage] = now
        self.queue.put(JobEvent(self.job_id, event))


def init(events, options: PipelineOptions, threads: int | None) -> None:
    """Pool initializer: the event queue, and the default pipeline loaded before the first job."""
    global _EVENTS
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group: the server stops its workers
    _die_with_parent()
    private_umask()  # results, downloads: the server's user's alone (0600 files, 0700 directories)
    _EVENTS = events
    events.put(WorkerStarted(os.getpid()))
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


def run(job: WebJob) -> JobResult:
    """Result (or the finished one reused), then downloads; never raises for a bad recording."""
    events = JobEvents(job.id, _EVENTS)
    events(StageEvent(STARTED, job.name, seconds=0.0))
    reused = is_done(Path(job.data_dir), job.key)
    outcome = None
    if not reused:
        outcome = process(Job(job.path, job.key, job.data_dir, job.options), hook=events)
        if outcome.status != "done":
            return JobResult("failed", named(outcome.error or "failed", job.path, job.name), outcome=outcome)
    if outcome is not None and outcome.timings:
        events(StageEvent(ANALYTICS, job.name, seconds=outcome.timings.get("analytics", 0.0)))
    t0 = time.perf_counter()
    try:
        audio_seconds = write_downloads(job)
    except Exception as exc:  # noqa: BLE001 (the server goes on)
        return JobResult("failed", named(one_line(job.path, exc), job.path, job.name))
    events(StageEvent(REPORT, job.name, seconds=round(time.perf_counter() - t0, 3)))
    warnings = outcome.warnings if outcome is not None else _recorded_warnings(job)
    return JobResult("done", reused=reused, audio_seconds=audio_seconds, outcome=outcome,
                     warnings=tuple(named(w, job.path, job.name) for w in warnings or ()))


def _recorded_warnings(job: WebJob) -> list[str]:
    """The warnings of the result an identical earlier upload left (its ``result.json``)."""
    import json

    from ..batch.worker import RESULT_MARKER

    try:
        marker = Path(job.data_dir) / "results" / job.key / RESULT_MARKER
        return list(json.loads(marker.read_text()).get("warnings") or [])
    except (OSError, ValueError, AttributeError):
        return []


def named(message: str, path: str | Path, name: str) -> str:
    """Messages name the uploaded file by the name the user gave it, never by the server's path."""
    return message.replace(str(Path(path).resolve()), name).replace(str(path), name)


def speaker_names(report, job: WebJob) -> dict[str, str]:
    """The job's names by speaker, as ``--names`` gives them on the command line: a name too many, or one that
    is another speaker's label, fails the job naming the file and the field (the result is kept: the same
    upload with other names reuses it)."""
    from ..errors import OptionError
    from .pages import in_words

    try:
        return SpeakerNames(in_order=tuple(job.names)).mapping(speaking_order(report.transcript))
    except OptionError as exc:
        raise OptionError(f"{job.name}: {str(exc).replace('--names', in_words('names'), 1)}") from None


def as_shown(report, name: str):
    """``report`` as a download shows it: the file by the name its uploader gave it, never the server's path
    (``uploads/<id>``, another job's for a reused result), and the models by name and source without their
    directories on the server."""
    from dataclasses import replace

    transcript = report.transcript
    if transcript is not None:
        models = transcript.info.models
        if models is not None:
            models = replace(models, **{part: replace(m, path=None) for part in ("asr", "diarization")
                                        if (m := getattr(models, part)) is not None})
        transcript = replace(transcript, info=replace(transcript.info, source=name, models=models))
    return replace(report, transcript=transcript, meeting=replace(report.meeting, source=name))


def write_downloads(job: WebJob) -> float:
    """``jobs/<id>/``: transcripts, tables, workbook and report.html, all or nothing; the audio's seconds."""
    from ..analytics.meeting import MeetingReport
    from ..files import atomic_write_bytes, atomic_write_text, csv_text
    from ..report.export import xlsx_bytes
    from ..report.writers import write_outputs

    report = MeetingReport.load(Path(job.data_dir) / "results" / job.key)
    if job.names:
        report = report.rename_speakers(speaker_names(report, job))
    report = as_shown(report, job.name)
    assert report.transcript is not None, "a job's results hold its transcript"
    jobs = Path(job.data_dir) / "jobs"
    final, tmp = jobs / job.id, jobs / f".tmp-{job.id}-{os.getpid()}"
    try:
        write_outputs(report.transcript, tmp, job.stem, list(DOWNLOADS))
        for name in ("speakers", "utterances"):
            atomic_write_text(tmp / f"{job.stem}_{name}.csv", csv_text(getattr(report, name)))
        atomic_write_bytes(tmp / f"{job.stem}.xlsx", xlsx_bytes(report))
        report.to_html(tmp / "report.html", title=job.name)
        shutil.rmtree(final, ignore_errors=True)  # a rerun after a restart replaces a stale copy
        os.rename(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return float(report.transcript.duration)
