"""Batch throughput: audio hours per wall hour for 1 and 2 local workers and for Ray on a local cluster.

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

CONFIGS = [("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"]),
           ("ray local cluster, 2 actors", ["--executor", "ray", "--workers", "2"])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--screenshot", default=None)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ma-batch-") as tmp:
        inputs = Path(tmp) / "in"
        write_batch(inputs, args.files, args.duration)
        for i, (name, flags) in enumerate(CONFIGS):
            out = Path(tmp) / f"out{i}"
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "batch", str(inputs), "-o", str(out),
                                   "--quiet", *flags], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "corpus", str(out)], check=True,
                           capture_output=True)
            cost = json.loads((out / "corpus" / "cost.json").read_text())
            rows.append({"configuration": name, "files": args.files + 2, "done": cost["files_done"],
                         "failed": cost["files_failed"], "audio_h": cost["audio_hours"], "wall_s": round(wall, 1),
                         "audio_h_per_wall_h": round(cost["audio_hours"] * 3600 / wall, 2), "exit": done.returncode})
            if i == 0 and args.screenshot:
                subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "corpus", str(out), "--screenshot"],
                               check=True, capture_output=True)
                shutil.copy(out / "corpus" / "corpus.png", args.screenshot)
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
