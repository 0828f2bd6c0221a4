"""Batch on a real multi-node Ray cluster on one machine (``ray.cluster_utils.Cluster``: a head with no CPUs
for actors and two worker nodes, each its own raylet and object store, one actor pinned to each by its
one CPU): the results equal the local executor's, no actor opens an input or the output directory
(a Python audit hook in every process of the worker nodes records it), and a worker node removed
mid-batch loses no file and doubles none."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from unittest import mock

import pytest

from meeting_analytics.analytics import MeetingReport
from meeting_analytics.batch.worker import RESULT_MARKER

pytestmark = pytest.mark.models
GOOD = 5  # and two bad files: 7 recordings

# Installed in every Python process of the cluster's nodes (raylets start their workers with their
# environment): records each open/listdir/mkdir/rename/remove/sqlite3 connection of a path under
# MA_AUDIT_FORBIDDEN and each program started with such a path among its arguments (ffmpeg), and each
# process it is installed in, to MA_AUDIT_LOG.
AUDIT_HOOK = textwrap.dedent('''
    import os, sys, threading

    _log = os.environ.get("MA_AUDIT_LOG")
    _forbidden = [p for p in os.environ.get("MA_AUDIT_FORBIDDEN", "").split(os.pathsep) if p]
    _busy = threading.local()
    _EVENTS = {"open", "os.listdir", "os.scandir", "os.mkdir", "os.rename", "os.replace", "os.remove",
               "os.rmdir", "shutil.rmtree", "sqlite3.connect", "os.chdir"}

    def _write(line):
        _busy.on = True
        try:
            with open(_log, "a") as fh:
                fh.write(line + "\\n")
        finally:
            _busy.on = False

    def _under(path):
        return any(path == f or path.startswith(f + os.sep) for f in _forbidden)

    def _hook(event, args):
        if event == "subprocess.Popen" and not getattr(_busy, "on", False):  # ffmpeg, ffprobe: their arguments
            if any(_under(os.path.abspath(os.fsdecode(a))) for a in (args[1] or []) if isinstance(a, (str, bytes))):
                _write(f"{os.getpid()} {event} {args[1]}")
            return
        if event not in _EVENTS or getattr(_busy, "on", False) or not args:
            return
        try:
            path = os.path.abspath(os.fsdecode(args[0]))
        except (TypeError, ValueError):
            return
        if _under(path):
            _write(f"{os.getpid()} {event} {path}")

    if _log and _forbidden:
        _write(f"{os.getpid()} installed")
        sys.addaudithook(_hook)
''')


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> Path:
    pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
    from meeting_analytics.evaluation.synth import write_batch

    d = tmp_path_factory.mktemp("cluster_recordings")
    write_batch(d, GOOD)
    return d


def batch(*args: str, quiet: bool = True, **popen) -> subprocess.CompletedProcess | subprocess.Popen:
    cmd = [sys.executable, "-m", "meeting_analytics.cli", "batch", *args, *(["--quiet"] if quiet else [])]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MA_AUDIT", "RAY_ADDRESS"))}
    env["HF_HUB_OFFLINE"] = "1"
    if popen:
        return subprocess.Popen(cmd, env=env, **popen)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def rows(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return list(db.execute("SELECT path, status, error, attempts, worker, key FROM files ORDER BY path"))


def finished(out: Path) -> list[Path]:
    return sorted(d for d in (out / "results").glob("*") if (d / RESULT_MARKER).is_file())


@pytest.fixture(scope="module")
def local_out(recordings, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cluster_local")
    done = batch(str(recordings), "-o", str(out), "--workers", "1")
    assert done.returncode == 1, done.stderr
    return out


class Audited:
    """A head (no CPUs: no actor runs there) and two worker nodes of one CPU each (one actor each), every
    process of which runs the audit hook against the input and output directories."""

    def __init__(self, tmp: Path, forbidden: list[Path]):
        from ray.cluster_utils import Cluster

        hook_dir = tmp / "hook"
        hook_dir.mkdir()
        (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK)
        self.log = tmp / "audit.log"
        env = {"PYTHONPATH": os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               "MA_AUDIT_LOG": str(self.log), "MA_AUDIT_FORBIDDEN": os.pathsep.join(str(p) for p in forbidden)}
        with mock.patch.dict(os.environ, env):
            self.cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
            self.workers = [self.cluster.add_node(num_cpus=1) for _ in range(2)]
        self.cluster.wait_for_nodes()
        self.head_id = self.cluster.head_node.node_id

    def records(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def close(self) -> None:
        self.cluster.shutdown()


@pytest.fixture
def cluster(recordings, tmp_path):
    out = tmp_path / "out"
    c = Audited(tmp_path, [recordings, out])
    yield c, out
    c.close()


def check_against_local(out: Path, local_out: Path) -> None:
    mine, theirs = finished(out), finished(local_out)
    assert [d.name for d in mine] == [d.name for d in theirs] and len(mine) == GOOD
    for a, b in zip(mine, theirs):
        ra, rb = MeetingReport.load(a), MeetingReport.load(b)
        assert [(w.text, w.speaker) for w in ra.transcript.words] == [(w.text, w.speaker) for w in rb.transcript.words]
        assert ra.transcript.info.source == rb.transcript.info.source  # the driver's path, not the actor's copy
    assert not list((out / "results").glob(".tmp-*"))


def check_manifest(out: Path, recordings: Path, cluster: Audited) -> list[tuple]:
    got = rows(out)
    assert len(got) == GOOD + 2 and len({r[0] for r in got}) == len(got)  # every file once
    by_name = {Path(r[0]).name: r for r in got}
    assert by_name["notes.wav"][1] == "failed" and by_name["notes.wav"][2].startswith(str(recordings / "notes.wav"))
    assert "not audio" in by_name["notes.wav"][2]
    assert by_name["silence.wav"][1] == "failed" and "silent" in by_name["silence.wav"][2]
    assert all(r[1] == "done" for r in got if r[0].endswith(tuple(f"_{i:03d}.wav" for i in range(GOOD))))
    assert all(r[3] == 1 for r in got)  # recorded once each
    nodes = {r[4].split(" node ")[1] for r in got}  # host:pid node <id>: the actor's, never the head's
    assert not any(cluster.head_id.startswith(n) for n in nodes)
    return got


def check_no_opens(cluster: Audited, got: list[tuple]) -> None:
    records = cluster.records()
    installed = {line.split()[0] for line in records if line.endswith(" installed")}
    actor_pids = {r[4].split(" node ")[0].rsplit(":", 1)[1] for r in got}
    assert actor_pids <= installed  # the hook ran in every actor that did a file
    assert [line for line in records if not line.endswith(" installed")] == []


def test_a_two_node_cluster_gives_the_local_results(cluster, recordings, local_out):
    c, out = cluster
    t0 = time.perf_counter()
    done = batch(str(recordings), "-o", str(out), "--executor", "ray", "--ray_address", c.cluster.address,
                 "--workers", "2")
    assert done.returncode == 1, done.stderr  # the two bad files
    print(f"two-node batch: {time.perf_counter() - t0:.1f} s")
    check_against_local(out, local_out)
    got = check_manifest(out, recordings, c)
    assert len({r[4].split(" node ")[1] for r in got}) == 2  # both worker nodes ran files
    check_no_opens(c, got)


def test_a_node_removed_mid_batch_loses_nothing(cluster, recordings, local_out):
    c, out = cluster
    proc = batch(str(recordings), "-o", str(out), "--executor", "ray", "--ray_address", c.cluster.address,
                 "--workers", "2", quiet=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    while (not (out / "results").is_dir() or not finished(out)) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    kept = {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out)}
    assert kept and proc.poll() is None, "the batch ended before a node could be removed"
    c.cluster.remove_node(c.workers[1])  # a worker node gone, its actor with it, mid-file
    _, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 1, stderr
    assert {d.name: (d / RESULT_MARKER).stat().st_mtime_ns for d in finished(out) if d.name in kept} == kept
    check_against_local(out, local_out)
    got = check_manifest(out, recordings, c)
    check_no_opens(c, got)
    print(stderr)
    again = [line for line in stderr.splitlines() if line.endswith("it runs again")]
    assert again and all("its Ray node was lost" in line for line in again)  # its file in flight, uncounted
