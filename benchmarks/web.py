"""The web app's figures: upload-to-report time for the shipped call (a fresh server, its worker
started; then the same call again, reused), and page latency while 20 small uploads arrive at once.

    python benchmarks/web.py [--workers 1] [--uploads 20]

Prints a JSON object (also written to benchmarks/results/web.json).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from webtools import Server, load, make_clips, percentile  # noqa: E402

from common import ROOT, parser  # noqa: E402


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--uploads", type=int, default=20)
    args = ap.parse_args()
    call = ROOT / "data" / "call" / "sample.wav"
    with tempfile.TemporaryDirectory(prefix="ma-web-bench-") as tmp:
        t0 = time.perf_counter()
        server = Server(Path(tmp) / "data", "--workers", str(args.workers))
        started = time.perf_counter() - t0
        try:
            figures = {"workers": args.workers, "server_answers_s": round(started, 2)}
            for label in ("call_first", "call_reused"):
                t0 = time.perf_counter()
                job = server.wait(server.upload(call).json()["id"], every=0.1)
                report = server.client.get(f"/api/jobs/{job['id']}/report")
                assert job["status"] == "done" and report.status_code == 200, job
                figures[f"{label}_upload_to_report_s"] = round(time.perf_counter() - t0, 2)
            clips = make_clips(call, Path(tmp) / "clips", count=5, seconds=3.0, start=7.0)
            t0 = time.perf_counter()
            result = load(server, (clips * ((args.uploads + 4) // 5))[: args.uploads])
            lat = result["latencies"]
            figures.update(uploads=args.uploads, load_wall_s=round(time.perf_counter() - t0, 2),
                           jobs_done=sum(j["status"] == "done" for j in result["jobs"]),
                           page_requests=len(lat), page_errors=len(result["page_errors"]),
                           p50_ms=round(1000 * percentile(lat, 0.5), 1), p95_ms=round(1000 * percentile(lat, 0.95), 1),
                           max_ms=round(1000 * max(lat), 1))
        finally:
            server.stop()
    out = ROOT / "benchmarks" / "results" / "web.json"
    out.write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
