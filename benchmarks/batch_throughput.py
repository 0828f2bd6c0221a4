"""Batch throughput: audio hours per wall hour for 1 and 2 local workers, for Ray on a local cluster, and
for Ray on a multi-node cluster on this machine (``ray.cluster_utils.Cluster``: a head with no CPUs for
actors and one worker node of 2 CPUs, or two of 1 CPU, each its own raylet and object store; the
recordings travel as bytes, the results back), with the cost of shipping a file's bytes there and its
result's back.

    python benchmarks/batch_throughput.py --files 12 --duration 30 [--screenshot docs/corpus_test_batch.png]

Writes ``--files`` synthetic two-speaker recordings of ``--duration`` s plus two bad files (the test
batch's layout, meeting_analytics.evaluation.synth.write_batch), runs ``meeting-analytics batch`` on them once
per configuration into a fresh results directory (model loading included: it is part of a batch),
and reads audio seconds and wall time back from the manifest. With ``--screenshot``, renders the
corpus report of the first run in headless Chromium to that path.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.evaluation.synth import write_batch  # noqa: E402

RAY = ["--executor", "ray", "--workers", "2"]
CONFIGS = [("local, 1 worker", ["--workers", "1"], None), ("local, 2 workers", ["--workers", "2"], None),
           ("ray local cluster, 2 actors", RAY, None),
           ("ray cluster, 1 worker node x 2 CPUs, 2 actors", RAY, [2]),
           ("ray cluster, 2 worker nodes x 1 CPU, 1 actor each", RAY, [1, 1])]


def start_cluster(cpus: list[int]):
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for n in cpus:
        cluster.add_node(num_cpus=n)
    cluster.wait_for_nodes()
    return cluster


def shipping_cost(address: str, inputs: list[Path], out: Path) -> dict:
    """Per file, the driver's read and ``ray.put`` of its bytes, an actor on a worker node writing them to
    its private copy, and the result's files (this run's, same sizes) coming back: milliseconds, median."""
    import statistics

    import ray

    from meeting_analytics.batch.executors import JobInput
    from meeting_analytics.batch.worker import ResultFiles

    results = [ResultFiles.read(d) for d in sorted((out / "results").glob("*")) if d.is_dir()]

    @ray.remote(num_cpus=1)
    class Stage:
        def run(self, payload: JobInput, name: str, result: ResultFiles) -> ResultFiles:
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / name).write_bytes(payload.data or b"")
            return result

    ray.init(address=address, log_to_driver=False)
    try:
        actor = Stage.remote()
        result_refs = [ray.put(r) for r in results]
        ray.get(actor.run.remote(JobInput(b""), "warm", results[0]))
        ms, sizes_in = [], []
        for i, path in enumerate(inputs):
            t0 = time.perf_counter()
            ref = ray.put(JobInput.of(str(path), False))
            back = ray.get(actor.run.remote(ref, path.name, result_refs[i % len(results)]))
            ms.append((time.perf_counter() - t0) * 1000)
            sizes_in.append(path.stat().st_size)
        return {"ship_ms_per_file_median": round(statistics.median(ms), 1),
                "input_kb_median": round(statistics.median(sizes_in) / 1024), "result_kb_median":
                round(statistics.median(r.size for r in results) / 1024), "result_files": len(back.files)}
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--screenshot", default=None)
    ap.add_argument("--only", nargs="*", default=None,
                    help="run only the configurations whose names contain one of these")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ma-batch-") as tmp:
        inputs = Path(tmp) / "in"
        write_batch(inputs, args.files, args.duration)
        for i, (name, flags, nodes) in enumerate(CONFIGS):
            if args.only and not any(o in name for o in args.only):
                continue
            out = Path(tmp) / f"out{i}"
            cluster = start_cluster(nodes) if nodes else None
            address = ["--ray_address", cluster.address] if cluster else []
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "batch", str(inputs), "-o", str(out),
                                   "--quiet", *flags, *address], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            shipping = {}
            if cluster:
                files = sorted(p for p in inputs.rglob("*.wav") if p.stat().st_size > 1000)
                shipping = shipping_cost(cluster.address, files, out)
                cluster.shutdown()
            subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "corpus", str(out)], check=True,
                           capture_output=True)
            cost = json.loads((out / "corpus" / "cost.json").read_text())
            rows.append({"configuration": name, "files": args.files + 2, "done": cost["files_done"],
                         "failed": cost["files_failed"], "audio_h": cost["audio_hours"], "wall_s": round(wall, 1),
                         "audio_h_per_wall_h": round(cost["audio_hours"] * 3600 / wall, 2), "exit": done.returncode,
                         **shipping})
            if i == 0 and args.screenshot:
                subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "corpus", str(out), "--screenshot"],
                               check=True, capture_output=True)
                shutil.copy(out / "corpus" / "corpus.png", args.screenshot)
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
