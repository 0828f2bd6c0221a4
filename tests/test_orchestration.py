"""What runs around the models, without them: stage events and their subscribers (the CLI's lines, the
web job table), batch planning, dedupe of identical uploads, options checked before any worker."""

from __future__ import annotations

import io
import json
from concurrent.futures import Future
from pathlib import Path

import pytest

from meeting_analytics.errors import OptionError
from meeting_analytics.events import ALIGN, ANALYTICS, ASR, DIARIZE, EMBEDDINGS, REPORT, SEGMENTATION, StageEvent, \
    StageTimer, hooks
from meeting_analytics.options import PipelineOptions
from meeting_analytics.progress import Reporter


def test_hooks_compose_and_a_timer_tells_steps_then_the_stage_total():
    first, second = [], []
    timer = StageTimer(hooks(first.append, None, second.append), "a/call.wav")
    timer(ASR, lambda: None)
    timer.step(ASR, 1, 4)
    timer.add(ASR, 2.0)
    timer.over(ASR, "never ran")
    assert first == second
    step, over = first
    assert step == StageEvent(ASR, "a/call.wav", completed=1, total=4) and step.fraction == 0.25 and not step.over
    assert over.over and over.fraction == 1.0 and over.seconds == pytest.approx(2.0, abs=0.05)


def test_the_cli_reporter_prints_what_the_events_say():
    stream = io.StringIO()
    reporter = Reporter(stream)
    for event in (StageEvent("load asr", seconds=2.04), StageEvent(ASR, "x/call.wav", completed=1, total=3),
                  StageEvent(EMBEDDINGS, "x/call.wav", completed=2, total=9),
                  StageEvent(DIARIZE, "x/call.wav", seconds=3.25), StageEvent(ASR, "x/call.wav", seconds=4.5)):
        reporter.on_event(event)
    lines = [line.split("] ", 1)[1] for line in stream.getvalue().splitlines()]
    assert lines == ["load asr 2.0 s", "call.wav: diarize 3.2 s", "call.wav: asr 4.5 s"]
    assert reporter._bars == {}  # each stage's bar ended with it (embeddings with diarize)


@pytest.fixture
def manager(tmp_path):
    """A job manager with its job table and no worker pool: the test plays the workers."""
    from meeting_analytics.web.jobs import JobManager

    jm = JobManager(tmp_path / "web")
    jm.pool = HeldPool()
    yield jm
    jm.closed = True
    jm.manifest.close()
    jm.store.close()


class HeldPool:
    """Stands in for the worker pool: records each job and hands its future to the test to finish."""

    def __init__(self):
        self.submitted: list[tuple[object, Future]] = []

    def submit(self, fn, job):
        future = Future()
        self.submitted.append((job, future))
        return future


def _create(manager, job_id: str, digest: str = "d" * 64):
    path = manager.dir / "uploads" / job_id
    path.write_bytes(b"audio")
    return manager.create(job_id, f"{job_id}.wav", job_id, 5, digest, manager.options, [], 30.0)


def test_stage_events_drive_the_web_job_table(manager):
    from meeting_analytics.web.jobs import STAGES
    from meeting_analytics.web.worker import STARTED, JobEvent, JobResult

    assert _create(manager, "job1")["status"] == "queued"
    file = str(manager.dir / "uploads" / "job1")
    manager.on_event(JobEvent("job1", StageEvent(STARTED, "job1.wav", seconds=0.0)))
    view = manager.job("job1")
    assert view["status"] == "running" and view["progress"] == 0.0 and view["started"]
    manager.on_event(JobEvent("job1", StageEvent(SEGMENTATION, file, seconds=1.0)))
    manager.on_event(JobEvent("job1", StageEvent(ASR, file, completed=2, total=4)))
    manager.on_event(JobEvent("job1", StageEvent(ALIGN, file, seconds=0.3)))  # part of the ASR's share
    manager.on_event(JobEvent("job1", StageEvent(EMBEDDINGS, file, completed=1, total=4)))
    view = manager.job("job1")
    assert view["stage"] == DIARIZE and view["stages"][SEGMENTATION] == 1.0 and view["stages"][ASR] == 1.0
    assert view["stages"][DIARIZE] == 0.25
    expected = (STAGES[SEGMENTATION] + STAGES[ASR] + 0.25 * STAGES[DIARIZE]) / sum(STAGES.values())
    assert view["progress"] == pytest.approx(expected, abs=0.001)
    manager.on_event(JobEvent("job1", StageEvent(ANALYTICS, "job1.wav", seconds=0.2)))
    view = manager.job("job1")
    assert view["stage"] == REPORT and all(view["stages"][s] == 1.0 for s in (SEGMENTATION, ASR, DIARIZE, ANALYTICS))
    (job, future), = manager.pool.submitted
    future.set_result(JobResult("done", audio_seconds=30.0))
    view = manager.job("job1")
    assert view["status"] == "done" and view["progress"] == 1.0 and view["error"] is None and view["wall_seconds"] >= 0
    manager.on_event(JobEvent("gone", StageEvent(ASR, "x", seconds=1.0)))  # a deleted job's late event: ignored


def test_identical_uploads_run_one_after_another_and_a_crash_is_retried_once(manager):
    from concurrent.futures.process import BrokenProcessPool

    from meeting_analytics.web.worker import JobResult

    _create(manager, "first")
    _create(manager, "second")  # same content, same options: waits for the first's result
    _create(manager, "other", digest="e" * 64)
    assert [job.id for job, _ in manager.pool.submitted] == ["first", "other"]
    manager.pool.submitted[0][1].set_result(JobResult("done", audio_seconds=30.0))
    assert [job.id for job, _ in manager.pool.submitted] == ["first", "other", "second"]
    pool = manager.pool
    manager._new_pool = lambda: None  # the test's pool stays; a real manager starts a new process pool here
    pool.submitted[1][1].set_exception(BrokenProcessPool("worker died"))
    assert manager.job("other")["status"] == "queued" and pool.submitted[-1][0].id == "other"  # tried again
    pool.submitted[-1][1].set_exception(BrokenProcessPool("worker died"))
    failed = manager.job("other")
    assert failed["status"] == "failed" and failed["error"] == "other.wav: the worker process crashed on this file"


def test_batch_planning_skips_done_keeps_failures_and_runs_the_rest(tmp_path):
    from meeting_analytics.batch.manifest import Manifest
    from meeting_analytics.batch.run import content_hash, options_hash, plan, record, result_dir_name
    from meeting_analytics.batch.worker import RESULT_MARKER, Outcome

    inputs = []
    for name in ("done.wav", "failed.wav", "new.wav"):
        inputs.append(tmp_path / name)
        inputs[-1].write_bytes(name.encode())
    options, out = PipelineOptions(), tmp_path / "out"
    key = {p.name: result_dir_name(content_hash(p), options_hash(options)) for p in inputs}
    (out / "results" / key["done.wav"]).mkdir(parents=True)
    (out / "results" / key["done.wav"] / RESULT_MARKER).write_text("{}")
    manifest = Manifest(out / "manifest.sqlite")
    record(manifest, Outcome(str(inputs[1]), key["failed.wav"], "failed", error="failed.wav: not audio"))
    lines = []
    todo = plan([*inputs, tmp_path / "missing.wav"], out, options, manifest, False, lines.append)
    assert [Path(j.path).name for j in todo.jobs] == ["new.wav"] and todo.jobs[0].key == key["new.wav"]
    assert todo.skipped == 1 and [Path(p).name for p, _ in todo.failures] == ["failed.wav", "missing.wav"]
    assert lines == ["4 files: 1 already done, 2 failed before (not retried; --retry_failed), 1 to run"]
    again = plan(inputs, out, options, manifest, True, lines.append)
    assert sorted(Path(j.path).name for j in again.jobs) == ["failed.wav", "new.wav"]
    manifest.close()


def test_a_bad_option_stops_a_batch_before_any_worker_starts(tmp_path):
    from meeting_analytics.batch.run import run_batch

    options = PipelineOptions()
    options.asr.language = "xx"  # changed after it was built: run_batch checks again
    with pytest.raises(OptionError, match="unknown language 'xx'"):
        run_batch([tmp_path / "a.wav"], tmp_path / "out", options)
    assert not (tmp_path / "out").exists()


def test_analytics_options_apply_to_saved_transcripts_and_unknown_ones_are_refused(tmp_path):
    import meeting_analytics as ma
    from helpers import make_transcript

    path = make_transcript().save(tmp_path / "t.json")
    report = ma.analyze(path, roles="agent,customer")
    assert set(report.speakers["role"]) == {"agent", "customer"}
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("hello\n")
    assert list(ma.analyze(path, filler_lexicon=str(lexicon)).fillers["text"].str.lower()) == ["hello"]
    with pytest.raises(TypeError, match="unknown option: 'modle' \\(did you mean 'model'\\?\\)"):
        ma.analyze(path, roles="a,b", modle="base")
    with pytest.raises(TypeError, match="model: transcription option"):
        ma.analyze(path, model="base")
    with pytest.raises(OptionError, match="--filler_lexicon .*nope.txt: no such file"):
        ma.analyze(path, filler_lexicon=str(tmp_path / "nope.txt"))


def test_the_cli_applies_roles_to_a_saved_transcript(tmp_path):
    from helpers import make_transcript, run_cli

    path = make_transcript().save(tmp_path / "t.json")
    done = run_cli("analyze", path, "-o", tmp_path / "out", "--roles", "agent,customer", "--no_html", "-q")
    assert done.returncode == 0, done.stderr
    speakers = json.loads((tmp_path / "out" / "t_analytics" / "report.json").read_text())["speakers"]
    assert {s["role"] for s in speakers} == {"agent", "customer"}


def test_a_bar_of_a_file_that_failed_goes_with_it():
    reporter = Reporter(io.StringIO())
    reporter.on_event(StageEvent(EMBEDDINGS, "b.wav", completed=1, total=9))
    reporter.on_event(StageEvent(ASR, "c.wav", completed=1, total=9))
    reporter.end_file("b.wav")  # the CLI's runner, whatever became of b.wav
    assert list(reporter._bars) == [("c.wav", ASR)]


def test_a_batch_worker_runs_any_pipeline_it_is_given_and_never_raises(tmp_path):
    """The worker's bookkeeping (pipeline per options, analytics with the job's options, the result
    directory and its marker, one-line failures) with a pipeline that replays saved transcripts."""
    from helpers import make_transcript

    from meeting_analytics.analytics import MeetingReport
    from meeting_analytics.batch.worker import Job, Worker, is_done
    from meeting_analytics.transcript import Transcript

    built = []

    def replay(options):
        built.append(options.model_key())
        return lambda path, hook=None, **counts: Transcript.load(path)

    saved = make_transcript().save(tmp_path / "meeting.json")
    worker = Worker(PipelineOptions(), pipeline_factory=replay)
    roles = PipelineOptions.from_kwargs(roles="agent,customer", num_speakers=2)
    done = worker.process(Job(str(saved), "k1", str(tmp_path / "out"), roles))
    assert done.status == "done" and is_done(tmp_path / "out", "k1") and done.audio_seconds == 5.0
    assert set(MeetingReport.load(tmp_path / "out" / "results" / "k1").speakers["role"]) == {"agent", "customer"}
    assert len(built) == 1  # roles and speaker counts load no other models
    failed = worker.process(Job(str(tmp_path / "gone.json"), "k2", str(tmp_path / "out")))
    assert failed.status == "failed" and failed.error.startswith(str(tmp_path / "gone.json"))
    assert "\n" not in failed.error and not is_done(tmp_path / "out", "k2")
    worker.process(Job(str(saved), "k3", str(tmp_path / "out"), PipelineOptions.from_kwargs(beam_size=1)))
    assert len(built) == 2  # other decoding options: other models
