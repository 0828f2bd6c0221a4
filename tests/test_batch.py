"""Batch processing on real models: failures recorded, reruns skip, SIGKILL loses nothing, Ray = local."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meeting_analytics.analytics import MeetingReport
from meeting_analytics.batch.worker import RESULT_MARKER

pytestmark = pytest.mark.models
GOOD = 10


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> Path:
    """10 short synthetic two-speaker recordings (one in a sub-folder) and 2 bad files."""
    from meeting_analytics.evaluation.synth import write_batch

    d = tmp_path_factory.mktemp("recordings")
    write_batch(d, GOOD)
    return d


def batch(*args: str, **popen) -> subprocess.CompletedProcess | subprocess.Popen:
    cmd = [sys.executable, "-m", "meeting_analytics.cli", "batch", *args, "--quiet"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if popen:
        return subprocess.Popen(cmd, env=env, **popen)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def manifest(out: Path) -> dict[str, tuple]:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return {Path(p).name: (s, e, a) for p, s, e, a in db.execute("SELECT path, status, error, attempts FROM files")}


def finished(out: Path) -> list[Path]:
    return sorted(d for d in (out / "results").glob("*") if (d / RESULT_MARKER).is_file())


@pytest.fixture(scope="session")
def local_run(recordings, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch_local")
    return out, batch(str(recordings), "-o", str(out), "--workers", "1")


def test_batch_records_failures_and_goes_on(local_run):
    out, done = local_run
    assert done.returncode == 1, done.stderr  # some files failed
    rows = manifest(out)
    assert sum(s == "done" for s, _, _ in rows.values()) == GOOD and len(finished(out)) == GOOD
    assert rows["notes.wav"][0] == "failed" and "not audio (looks like text)" in rows["notes.wav"][1]
    assert rows["silence.wav"][0] == "failed" and "silent" in rows["silence.wav"][1]
    errors = [line for line in done.stderr.splitlines() if line.startswith("meeting-analytics: error:")]
    assert len(errors) == 2
    report = MeetingReport.load(finished(out)[0])
    assert report.transcript is not None and len(report.transcript.words) > 3 and len(report.speakers) >= 1


def test_rerun_skips_finished_work(local_run, recordings):
    out, _ = local_run
    before = {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out)}
    again = batch(str(recordings / "*.wav"), str(recordings / "sub"), "-o", str(out))
    assert again.returncode == 1  # the two bad files are still failed (not retried without --retry_failed)
    assert {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out)} == before
    with sqlite3.connect(out / "manifest.sqlite") as db:
        done, skipped = db.execute("SELECT done, skipped FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert (done, skipped) == (0, GOOD)
    assert manifest(out)["notes.wav"][2] == 1
    retried = batch(str(recordings), "-o", str(out), "--retry_failed")
    assert retried.returncode == 1 and manifest(out)["notes.wav"][2] == 2  # tried again, failed again
    assert {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out)} == before


def test_sigkill_mid_batch_then_rerun_loses_nothing(recordings, tmp_path):
    out = tmp_path / "killed"
    proc = batch(str(recordings), "-o", str(out), "--workers", "1", start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while len(finished(out)) < 3 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes, mid-batch
    proc.wait()
    survivors = {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out)}
    assert 3 <= len(survivors) < GOOD
    rerun = batch(str(recordings), "-o", str(out), "--workers", "1")
    assert rerun.returncode == 1
    results = finished(out)
    assert len(results) == GOOD and not list((out / "results").glob(".tmp-*"))
    assert {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in results if d.name in survivors} == survivors
    for d in results:  # every result complete and readable
        assert json.loads((d / RESULT_MARKER).read_text())["status"] == "done"
        assert MeetingReport.load(d).transcript.words
    rows = manifest(out)
    assert sorted(s for s, _, _ in rows.values()).count("done") == GOOD


def test_ray_executor_gives_the_local_results(local_run, recordings, tmp_path):
    pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
    local_out, _ = local_run
    out = tmp_path / "ray"
    done = batch(str(recordings), "-o", str(out), "--executor", "ray", "--workers", "1")
    assert done.returncode == 1, done.stderr
    mine, theirs = finished(out), finished(local_out)
    assert [d.name for d in mine] == [d.name for d in theirs]
    for a, b in zip(mine, theirs):
        ta, tb = MeetingReport.load(a).transcript, MeetingReport.load(b).transcript
        assert [(w.text, w.speaker) for w in ta.words] == [(w.text, w.speaker) for w in tb.words]
    assert manifest(out)["notes.wav"][0] == "failed"


def test_corpus_report_from_the_batch(local_run, tmp_path):
    out, _ = local_run
    from meeting_analytics.cli import main

    assert main(["corpus", str(out), "-o", str(tmp_path / "corpus")]) == 0
    import pandas as pd

    meetings = pd.read_parquet(tmp_path / "corpus" / "meetings.parquet")
    assert len(meetings) == GOOD and set(meetings["date_source"]) == {"file name"}
    assert sorted(meetings["date"]) == [f"2026-10-{i + 1:02d}" for i in range(GOOD)]  # from the file names
    speakers = pd.read_parquet(tmp_path / "corpus" / "speakers.parquet")
    assert speakers.groupby("meeting")["share"].sum().round(6).eq(1).all()
    cost = json.loads((tmp_path / "corpus" / "cost.json").read_text())
    assert cost["files_done"] == GOOD and cost["files_failed"] == 2 and cost["audio_hours"] > 0
    assert cost["hosted_equivalent_usd"]["OpenAI (about $0.36 per audio hour)"] == pytest.approx(
        cost["audio_hours"] * 0.36, abs=0.006)
    page = (tmp_path / "corpus" / "corpus.html").read_text()
    assert "Failed files" in page and "notes.wav" in page and "<script" not in page


def test_the_batch_key_follows_the_profiles_contents(tmp_path):
    from meeting_analytics.batch.run import options_hash
    from meeting_analytics.options import PipelineOptions

    (tmp_path / "Ann.json").write_text('{"name": "Ann", "embedding": [1.0]}')
    options = PipelineOptions(profiles=str(tmp_path))
    before = options_hash(options)
    assert options_hash(options) == before
    (tmp_path / "Ann.json").write_text('{"name": "Ann", "embedding": [0.5]}')  # enrolled again
    assert options_hash(options) != before


def test_a_recorded_outcome_names_its_result(tmp_path):
    """The web app records outcomes without the batch's planning step: the row must still carry the key
    that ``corpus`` reads the result by."""
    from meeting_analytics.batch.manifest import Manifest
    from meeting_analytics.batch.run import record
    from meeting_analytics.batch.worker import Outcome

    manifest = Manifest(tmp_path / "manifest.sqlite")
    record(manifest, Outcome("uploads/abc", "0123-4567", "done", audio_seconds=30.0))
    assert manifest.get("uploads/abc")["key"] == "0123-4567"
    manifest.close()
