"""A Ray actor standing in for ``RayWorker`` without models (tests/test_security.py): it answers which
Hugging Face token the options it was built with, and the job's, carried."""

from __future__ import annotations

import json

from meeting_analytics.batch.executors import JobInput, RayWorker
from meeting_analytics.batch.worker import RESULT_MARKER, Job, Outcome, ResultFiles, Returned
from meeting_analytics.options import PipelineOptions


class TokenEcho(RayWorker):
    def __init__(self, options: PipelineOptions, threads: int | None):
        import ray

        self.node = ray.get_runtime_context().get_node_id()
        self.token = options.hf_token

    def run(self, job: Job, payload: JobInput) -> Returned:
        said = json.dumps({"actor": self.token, "job": job.options.hf_token if job.options else None})
        outcome = Outcome(job.path, job.key, "done", audio_seconds=1.0, worker=said)
        return Returned(outcome, ResultFiles({RESULT_MARKER: b"{}"}))
