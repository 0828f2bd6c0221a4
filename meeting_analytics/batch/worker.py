"""The worker side of a batch: build the pipeline once per worker, then one recording at a time into
its result directory, built aside and renamed into place. Never raises for a bad recording: the
outcome says what failed, in one line naming the input or the output that could not be written."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..events import StageHook
from ..files import OutputError, atomic_write_bytes, atomic_write_text, sub_dir
from ..options import PipelineOptions

RESULT_MARKER = "result.json"


def here() -> str:
    """The worker named in outcomes: host and process id."""
    return f"{os.uname().nodename}:{os.getpid()}"


@dataclass
class Job:
    path: str
    key: str
    out_dir: str
    options: PipelineOptions | None = None  # None: the worker's own (``init_worker``)


@dataclass
class Outcome:
    path: str
    key: str
    status: str  # done | failed
    error: str | None = None
    audio_seconds: float | None = None
    wall_seconds: float | None = None
    worker: str = field(default_factory=here)
    models: dict | None = None
    versions: dict | None = None
    timings: dict | None = None
    warnings: list[str] | None = None  # done, but the recording was damaged (``RunInfo.warnings``)


class Worker:
    """One worker's models, loaded once, and the per-file task: ``Worker(options).process(job, hook)``.
    Options other than the speaker counts that differ from the loaded ones load their models instead
    (one set held at a time). ``pipeline_factory`` builds a pipeline from options (``Pipeline``); ``where``:
    the worker named in outcomes (default: host and process id)."""

    def __init__(self, options: PipelineOptions, threads: int | None = None, pipeline_factory=None,
                 where: str | None = None):
        self.options, self.threads, self.where = options, threads, where or here()
        self.factory = pipeline_factory or _load_pipeline
        self.key: str | None = None
        self.pipeline = None
        self.pipeline_for(options)

    def pipeline_for(self, options: PipelineOptions | None = None):
        options = options or self.options
        if self.threads:  # CTranslate2's threads and torch's, per run
            options = replace(options, asr=replace(options.asr, threads=self.threads))
        key = options.model_key()
        if self.key != key:
            self.pipeline = self.key = None  # the old models go before the new ones load
            self.pipeline, self.key = self.factory(options), key
        return self.pipeline

    def process(self, job: Job, hook: StageHook | None = None) -> Outcome:
        """Transcribe, diarize and analyse one file into its result directory; never raises for bad input.
        ``hook``: where this job's stage events go."""
        t0 = time.perf_counter()
        outcome, report = self._run(job, job.path, hook)
        if report is None:
            return outcome
        try:
            write_result(Path(job.out_dir), job.key, report, outcome, audio=job.path)
        except Exception as exc:  # noqa: BLE001 (an output that cannot be written fails this file alone)
            return Outcome(job.path, job.key, "failed", error=one_line(job.path, exc),
                           wall_seconds=time.perf_counter() - t0)
        return outcome

    def result_files(self, job: Job, read_from: str, hook: StageHook | None = None) -> "Returned":
        """The same task for a worker that must not touch the driver's files (a Ray actor on another node):
        the recording is read from ``read_from`` (a private copy; messages and the transcript still name
        ``job.path``) and the result comes back as the files of its directory, built in a private temporary
        directory and removed; nothing is written into ``job.out_dir``."""
        t0 = time.perf_counter()
        outcome, report = self._run(job, read_from, hook)
        if report is None:
            return Returned(outcome, None)
        try:
            with tempfile.TemporaryDirectory(prefix="ma-result-") as tmp:
                fill_result(Path(tmp), report, outcome, audio=read_from)
                files = ResultFiles.read(Path(tmp))
        except Exception as exc:  # noqa: BLE001
            return Returned(Outcome(job.path, job.key, "failed", error=one_line(job.path, exc),
                                    wall_seconds=time.perf_counter() - t0, worker=self.where), None)
        return Returned(outcome, files)

    def _run(self, job: Job, read_from: str, hook: StageHook | None):
        """(outcome, report): the report is None when the file failed (the outcome says why)."""
        from ..analytics import analyze

        t0 = time.perf_counter()
        options = job.options or self.options
        try:
            pipeline = self.pipeline_for(job.options)
            transcript = pipeline(read_from, hook=hook, **options.speaker_counts)  # this job's, never the kept one's
            if read_from != job.path:  # a private copy: the transcript names the recording as the driver does
                transcript = replace(transcript, info=replace(
                    transcript.info, source=job.path,
                    warnings=[w.replace(read_from, job.path) for w in transcript.info.warnings]))
            t1 = time.perf_counter()
            report = analyze(transcript, options.analytics)
            info = transcript.info
            info.timings["analytics"] = round(time.perf_counter() - t1, 3)
            outcome = Outcome(job.path, job.key, "done", audio_seconds=transcript.duration,
                              wall_seconds=round(time.perf_counter() - t0, 3),
                              models=info.models.to_dict() if info.models else None, versions=dict(info.versions),
                              timings=dict(info.timings), warnings=list(info.warnings) or None, worker=self.where)
            return outcome, report
        except Exception as exc:  # noqa: BLE001 (one bad file never stops the batch)
            return Outcome(job.path, job.key, "failed", error=one_line(job.path, exc).replace(read_from, job.path),
                           wall_seconds=time.perf_counter() - t0, worker=self.where), None


def _load_pipeline(options: PipelineOptions):
    from ..pipeline import Pipeline

    return Pipeline(options)


_worker: Worker | None = None  # this worker process's models (a process pool's initializer makes them)


def own_process(options: PipelineOptions, threads: int | None) -> None:
    """For a process that runs only the pipeline (a pool worker, a Ray actor): torch's threads and quiet
    libraries, for good."""
    from ..devices import set_torch_threads
    from ..options import default_threads
    from ..stages.lean import quiet_libraries

    quiet_libraries()
    set_torch_threads(threads or options.asr.threads or default_threads())


def init_worker(options: PipelineOptions, threads: int | None = None) -> None:
    """Process pool initializer: this process's settings (``own_process``), then the models, once."""
    global _worker
    own_process(options, threads)
    _worker = Worker(options, threads)


def process(job: Job, hook: StageHook | None = None) -> Outcome:
    """The per-file task in a worker process (``init_worker`` ran there)."""
    if _worker is None:
        raise RuntimeError("batch.worker.process runs in a worker process started with init_worker")
    return _worker.process(job, hook)


def one_line(path: str, exc: Exception) -> str:
    """What failed, in one line: this package's errors already name the input or the output at fault;
    anything else is named after the input."""
    from ..errors import Error

    return str(exc) if isinstance(exc, Error) else f"{path}: {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class ResultFiles:
    """A result directory's files as bytes, by name relative to it (``result.json`` among them): what a
    worker on another machine sends back for the driver to write (``write_result_files``)."""

    files: dict[str, bytes]

    @classmethod
    def read(cls, directory: Path) -> "ResultFiles":
        return cls({str(p.relative_to(directory)): p.read_bytes()
                    for p in sorted(directory.rglob("*")) if p.is_file()})

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.files.values())


@dataclass
class Returned:
    """What a remote worker returns per job: the outcome, and the result's files when it is done."""

    outcome: Outcome
    files: ResultFiles | None


def fill_result(directory: Path, report, outcome: Outcome, audio: str | None = None) -> None:
    """A result directory's contents: the report's frames and transcript, ``result.json`` last; with
    ``--redact_audio``, ``audio.redacted.flac`` (``audio``: the recording read)."""
    t = report.transcript
    mode = t.info.options.get("redact_audio") if t is not None else None
    if audio and t is not None and t.info.redaction is not None and mode:
        from ..redaction.audio import with_redacted_audio

        report = replace(report, transcript=with_redacted_audio(t, audio, directory / "audio.redacted.flac", mode))
    report.save(directory, formats=("parquet",))
    atomic_write_text(directory / RESULT_MARKER, json.dumps(asdict(outcome), indent=1, default=str))


def write_result(out_dir: Path, key: str, report, outcome: Outcome, audio: str | None = None) -> Path:
    """Write into a temporary directory, then rename it into place (atomic on one file system)."""
    return _place(out_dir, key, lambda tmp: fill_result(tmp, report, outcome, audio))


def write_result_files(out_dir: Path, key: str, result: ResultFiles) -> Path:
    """Files a remote worker returned, written as ``write_result`` writes: aside, ``result.json`` last,
    then renamed into place; a result already there is kept."""
    def fill(tmp: Path) -> None:
        for name in sorted(result.files, key=lambda n: n == RESULT_MARKER):  # the marker last
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise OutputError(tmp / name, "a returned result file names a path outside its directory")
            atomic_write_bytes(tmp / name, result.files[name])

    return _place(out_dir, key, fill)


def _place(out_dir: Path, key: str, fill: Callable[[Path], None]) -> Path:
    results = sub_dir(out_dir / "results")  # symbolic links inside the output directory are not followed
    final = results / key
    if final.is_symlink():
        raise OutputError(final, "is a symbolic link; not followed (remove it, or choose another output directory)")
    tmp = results / f".tmp-{key}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        os.rename(tmp, final)
    except OSError:  # already there (another worker, an earlier run): keep the first, drop this copy
        shutil.rmtree(tmp, ignore_errors=True)
        if not is_done(out_dir, key):
            raise OutputError(final, "cannot move the finished result into place") from None
    return final


def is_done(out_dir: Path, key: str) -> bool:
    return (out_dir / "results" / key / RESULT_MARKER).is_file()


def clean_partial(out_dir: Path) -> int:
    """Remove temporary directories left by a killed batch."""
    stale = list((out_dir / "results").glob(".tmp-*")) if (out_dir / "results").is_dir() else []
    for d in stale:
        shutil.rmtree(d, ignore_errors=True)
    return len(stale)


