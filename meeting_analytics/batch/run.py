"""Batch processing: many recordings, resumable, on local worker processes or a Ray cluster.

Each recording's result (transcript JSON, analytics frames, ``result.json`` last) is built in a
temporary directory and renamed into ``DIR/results/<content hash>-<options hash>/`` in one step,
so a result directory exists complete or not at all: a batch killed with SIGKILL at any point and
restarted redoes only what had not been renamed into place. The key holds the file's content hash
and a hash of the options that change results, so a rerun skips finished work, picks up new files
and recomputes only what changed options require. ``DIR/manifest.sqlite`` records status, reason,
timings and model versions per file.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..files import make_dirs
from ..options import PipelineOptions
from .worker import Job, Outcome, clean_partial, is_done

AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".m4a", ".ogg", ".opus", ".aac", ".wma", ".webm", ".mp4", ".mkv",
                    ".mov", ".avi", ".amr", ".aiff", ".aif", ".caf", ".mka"}


@dataclass(frozen=True)
class Skipped:
    """An entry of a scanned directory named like a recording that is not a file to read, and why."""

    path: str
    reason: str


@dataclass
class Inputs:
    """What a batch reads: ``files``, and the entries found in directories that it skips (``skipped``)."""

    files: list[Path]
    skipped: list[Skipped] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.files)


def expand_inputs(items: Iterable[str]) -> Inputs:
    """Files as given, directories searched recursively for audio/video, glob patterns expanded; an entry
    of a directory named like a recording that is not a readable file (a directory ``x.wav``, a broken
    symlink, a symlink loop) is skipped with the reason."""
    out: dict[Path, None] = {}
    skipped: dict[Path, str] = {}
    for item in items:
        paths = [Path(p) for p in sorted(glob.glob(item, recursive=True))] if glob.has_magic(item) else [Path(item)]
        for p in paths:
            if p.is_dir():
                for f in sorted(p.rglob("*")):
                    if f.suffix.lower() not in AUDIO_EXTENSIONS:
                        continue
                    if f.is_file():
                        out[f] = None
                    else:
                        skipped[f] = _not_a_file(f)
            else:
                out[p] = None
    return Inputs(list(out), [Skipped(str(p), why) for p, why in skipped.items() if p not in out])


def _not_a_file(path: Path) -> str:
    """Why a directory entry named like a recording is not one to read."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if path.is_symlink():
            return f"broken symlink (to {os.readlink(path)})"
        return f"cannot be read ({exc.strerror})"
    if path.is_dir():
        return "is a directory, not an audio file"
    return "not a regular file"


def content_hash(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def options_hash(options: PipelineOptions) -> str:
    """A hash of the options declared as changing results (``options.py``), this package's version, and
    the contents of the files options name: voice profiles (enrolling again changes who is named) and
    the filler lexicon."""
    from .._version import __version__

    relevant = {**options.result_fields(), "meeting-analytics": __version__}
    if options.profiles and Path(options.profiles).is_dir():
        relevant["profiles"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                                for p in sorted(Path(options.profiles).glob("*.json"))}
    if options.analytics.filler_lexicon:
        relevant["filler_lexicon"] = hashlib.sha256(Path(options.analytics.filler_lexicon).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def result_dir_name(digest: str, opt_hash: str) -> str:
    """A result directory's name: the recording's content hash and the options' (``options_hash``)."""
    return f"{digest[:20]}-{opt_hash[:12]}"


@dataclass
class BatchSummary:
    files: int
    done: int
    failed: int
    skipped: int
    audio_seconds: float
    wall_seconds: float
    failures: list[tuple[str, str | None]]  # (path, the one-line reason)
    not_files: list[Skipped] = field(default_factory=list)  # directory entries skipped (``expand_inputs``)


class BatchProgress:
    """Files done, audio hours done, throughput (× real time) and ETA: a line per finished file to ``log``."""

    def __init__(self, total: int, log: Callable[[str], None]):
        self.total, self.log = total, log
        self.count = self.audio = 0.0
        self.t0 = time.perf_counter()

    def update(self, outcome: Outcome) -> None:
        self.count += 1
        self.audio += outcome.audio_seconds or 0.0
        wall = time.perf_counter() - self.t0
        rate = self.audio / wall if wall > 0 else 0.0
        eta = (self.total - self.count) * wall / self.count if self.count else 0.0
        width = 24
        bar = "#" * int(width * self.count / max(self.total, 1))
        status = "" if outcome.status == "done" else f"  FAILED {outcome.error}"
        self.log(f"[{bar:<{width}}] {int(self.count)}/{self.total} files, {self.audio / 3600:.2f} audio h, "
                 f"{rate:.1f}x real time, ETA {eta / 60:.1f} min  {Path(outcome.path).name}{status}")


def plan(inputs: list[Path], out_dir: Path, options: PipelineOptions, manifest, retry_failed: bool,
         log: Callable[[str], None]) -> "Plan":
    """Jobs still to run, the number skipped as done, and the failures kept from earlier runs."""
    opt_hash = options_hash(options)[:12]
    jobs, skipped, kept_failures = [], 0, []
    for path in inputs:
        p = str(path)
        if not path.is_file():
            manifest.upsert(p, status="failed", error=f"{p}: no such file", finished=time.time())
            kept_failures.append((p, f"{p}: no such file"))
            continue
        digest = content_hash(path)
        key = result_dir_name(digest, opt_hash)
        row = manifest.get(p)
        if is_done(out_dir, key):
            skipped += 1
            if not row or row["status"] != "done" or row["key"] != key:
                manifest.upsert(p, key=key, content_hash=digest, options_hash=opt_hash, status="done", error=None)
            continue
        if row and row["status"] == "failed" and row["key"] == key and not retry_failed:
            kept_failures.append((p, row["error"]))
            continue
        manifest.upsert(p, key=key, content_hash=digest, options_hash=opt_hash, status="pending", error=None,
                        file_mtime=path.stat().st_mtime)
        jobs.append(Job(p, key, str(out_dir)))
    log(f"{len(inputs)} files: {skipped} already done, {len(kept_failures)} failed before"
        f"{' (not retried; --retry_failed)' if kept_failures and not retry_failed else ''}, {len(jobs)} to run")
    return Plan(jobs, skipped, kept_failures)


@dataclass
class Plan:
    """What a batch still has to run, what it skips as done, and the failures kept from earlier runs."""

    jobs: list[Job]
    skipped: int
    failures: list[tuple[str, str]]


def record(manifest, outcome: Outcome) -> None:
    row = manifest.get(outcome.path) or {}
    manifest.upsert(outcome.path, key=outcome.key, status=outcome.status, error=outcome.error,
                    audio_seconds=outcome.audio_seconds, wall_seconds=outcome.wall_seconds, finished=time.time(),
                    worker=outcome.worker, attempts=(row.get("attempts") or 0) + 1, models=outcome.models,
                    versions=outcome.versions, timings=outcome.timings, warnings=outcome.warnings)


def run_batch(inputs: Inputs | list[Path], out_dir: str | Path, options: PipelineOptions, workers: int = 1,
              executor: str = "local", ray_address: str | None = None, retry_failed: bool = False,
              show_progress: bool = True, log: Callable[[str], None] = lambda m: None,
              shared_storage: bool = False) -> BatchSummary:
    """Every input into ``out_dir``; ``log`` gets the directory entries skipped (``Inputs.skipped``, also
    in the manifest as ``skipped`` with the reason), the plan and, with ``show_progress``, a line per file.
    Options are checked here, before any worker starts: a bad one is an ``OptionError``. On Ray the
    recordings travel to the actors as bytes (``shared_storage``: as paths every node reads) and the
    results come back to be written here (``executors.run_ray``)."""
    from .executors import import_ray, run_local, run_ray
    from .manifest import Manifest

    options.validate()
    if executor == "ray":
        import_ray()  # a missing extra is one line before any file is hashed
    out = make_dirs(out_dir)
    if clean_partial(out):
        log("removed unfinished results of an interrupted run")
    manifest = Manifest(out / "manifest.sqlite")
    t0 = time.perf_counter()
    not_files = inputs.skipped if isinstance(inputs, Inputs) else []
    inputs = inputs.files if isinstance(inputs, Inputs) else inputs
    try:
        for entry in not_files:
            manifest.upsert(entry.path, status="skipped", error=f"{entry.path}: {entry.reason}", finished=time.time())
            log(f"skipped {entry.path}: {entry.reason}")
        todo = plan(inputs, out, options, manifest, retry_failed, log)
        failures: list[tuple[str, str | None]] = list(todo.failures)
        run_id = manifest.start_run(executor, workers, len(inputs), options.public())
        bar = BatchProgress(len(todo.jobs), log if show_progress else lambda m: None)
        done = 0
        audio: float = 0  # seconds
        runner = run_ray if executor == "ray" else run_local
        kwargs = {"address": ray_address, "shared_storage": shared_storage, "log": log} if executor == "ray" else {}
        for outcome in runner(todo.jobs, options, workers, **kwargs):
            record(manifest, outcome)
            bar.update(outcome)
            if outcome.status == "done":
                done += 1
                audio += outcome.audio_seconds or 0.0
            else:
                failures.append((outcome.path, outcome.error))
        wall = time.perf_counter() - t0
        manifest.finish_run(run_id, done=done, failed=len(failures), skipped=todo.skipped, audio_seconds=audio)
    finally:
        manifest.close()
    return BatchSummary(len(inputs), done, len(failures), todo.skipped, audio, wall, failures, list(not_files))
