"""The worker side of a batch: build the pipeline once per worker, then one recording at a time into
its result directory, built aside and renamed into place. Never raises for a bad recording: the
outcome says what failed, in one line naming the input or the output that could not be written."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..files import OutputError, atomic_write_text
from ..options import PipelineOptions

RESULT_MARKER = "result.json"


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
    worker: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")
    models: dict | None = None
    versions: dict | None = None
    timings: dict | None = None


SPEAKER_COUNTS = ("num_speakers", "min_speakers", "max_speakers")  # per call: no model reload
_WORKER: dict = {"options": None, "threads": None, "key": None, "pipeline": None}


def init_worker(options: PipelineOptions, threads: int | None = None) -> None:
    """Build this worker's pipeline once (models loaded once per worker)."""
    _WORKER.update(options=options, threads=threads)
    pipeline_for(options)


def pipeline_for(options: PipelineOptions | None = None):
    """The worker's pipeline for ``options``: the loaded one unless options other than the speaker
    counts differ, then the models for the new options replace it (one set held per worker)."""
    from dataclasses import replace

    from ..pipeline import Pipeline

    options = options or _WORKER["options"] or PipelineOptions()
    if _WORKER["threads"]:  # the Pipeline sets CTranslate2's and torch's threads from this
        options = replace(options, asr=replace(options.asr, threads=_WORKER["threads"]))
    key = json.dumps({k: v for k, v in options.public().items() if k not in SPEAKER_COUNTS}, sort_keys=True,
                     default=str)
    if _WORKER["key"] != key:
        _WORKER.update(pipeline=None, key=None)  # the old models go before the new ones load
        _WORKER.update(pipeline=Pipeline(options), key=key)
    return _WORKER["pipeline"]


def process(job: Job, progress=None) -> Outcome:
    """Transcribe, diarize and analyse one file into its result directory; never raises for bad input.
    ``progress``: where the pipeline reports its stages for this job (``progress.Reporter``'s protocol)."""
    from ..analytics import analyze

    t0 = time.perf_counter()
    try:
        pipeline = pipeline_for(job.options)
        pipeline.progress = progress or (lambda message: None)
        counts = {k: getattr(job.options, k) for k in SPEAKER_COUNTS} if job.options else {}
        transcript = pipeline(job.path, **counts)
        t1 = time.perf_counter()
        report = analyze(transcript)
        meta = transcript.metadata
        meta["timings"]["analytics"] = round(time.perf_counter() - t1, 3)
        outcome = Outcome(job.path, job.key, "done", audio_seconds=transcript.duration,
                          wall_seconds=round(time.perf_counter() - t0, 3), models=meta.get("models"),
                          versions=meta.get("versions"), timings=meta.get("timings"))
        write_result(Path(job.out_dir), job.key, report, outcome)
        return outcome
    except Exception as exc:  # noqa: BLE001 (one bad file never stops the batch)
        return Outcome(job.path, job.key, "failed", error=one_line(job.path, exc), wall_seconds=time.perf_counter() - t0)


def one_line(path: str, exc: Exception) -> str:
    """What failed, in one line: this package's errors already name the input or the output at fault;
    anything else is named after the input."""
    from ..errors import Error

    return str(exc) if isinstance(exc, Error) else f"{path}: {type(exc).__name__}: {exc}"


def write_result(out_dir: Path, key: str, report, outcome: Outcome) -> Path:
    """Write into a temporary directory, then rename it into place (atomic on one file system)."""
    results = out_dir / "results"
    final = results / key
    tmp = results / f".tmp-{key}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        report.save(tmp, formats=("parquet",))
        atomic_write_text(tmp / RESULT_MARKER, json.dumps(asdict(outcome), indent=1, default=str))
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


