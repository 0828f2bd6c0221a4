"""The Ray executor's failure rules without models (a stand-in actor): a file that kills its worker is
retried on a restarted actor and failed after MAX_CRASHES with the local executor's reason; the other
files' returned results land in the driver's output directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from meeting_analytics.batch.executors import MAX_CRASHES, JobInput, RayWorker, run_ray
from meeting_analytics.batch.worker import RESULT_MARKER, Job, Outcome, ResultFiles, Returned, is_done
from meeting_analytics.options import PipelineOptions

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")


class Crashy(RayWorker):
    """Dies (the whole process) on ``crash.wav``; returns the bytes it got as the result otherwise."""

    def __init__(self, options: PipelineOptions, threads: int | None):
        self.node = ray.get_runtime_context().get_node_id()

    def run(self, job: Job, payload: JobInput) -> Returned:
        if job.path.endswith("crash.wav"):
            os._exit(1)
        outcome = Outcome(job.path, job.key, "done", audio_seconds=1.0, worker=f"pid {os.getpid()}")
        return Returned(outcome, ResultFiles({"copy/input.bin": payload.data or b"", RESULT_MARKER: b"{}"}))


def test_a_file_that_kills_workers_fails_after_the_local_number_of_attempts(tmp_path):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    for name in ("a.wav", "crash.wav", "b.wav"):
        (tmp_path / name).write_bytes(name.encode() * 100)
    out = tmp_path / "out"
    jobs = [Job(str(tmp_path / n), f"k-{n}", str(out)) for n in ("a.wav", "crash.wav", "b.wav")]
    log: list[str] = []
    try:
        outcomes = {Path(o.path).name: o for o in run_ray(jobs, PipelineOptions(), 2, log=log.append,
                                                          actor_class=Crashy)}
    finally:
        ray.shutdown()
    assert outcomes["crash.wav"].status == "failed"
    assert outcomes["crash.wav"].error == f"{tmp_path / 'crash.wav'}: the worker process crashed on this file"
    assert sum("crashed on it; it runs again" in line for line in log) == MAX_CRASHES - 1
    for name in ("a.wav", "b.wav"):
        assert outcomes[name].status == "done" and is_done(out, f"k-{name}")
        assert (out / "results" / f"k-{name}" / "copy" / "input.bin").read_bytes() == name.encode() * 100
    assert not list((out / "results").glob(".tmp-*"))


def test_a_missing_ray_is_one_line_naming_the_extra(monkeypatch, tmp_path, capsys):
    from meeting_analytics.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    (tmp_path / "a.wav").write_bytes(b"x")
    assert main(["batch", str(tmp_path / "a.wav"), "-o", str(tmp_path / "out"), "--executor", "ray", "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == (
        "meeting-analytics: error: --executor ray needs ray: pip install 'meeting-analytics[ray]'")
