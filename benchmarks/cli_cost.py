"""Wall time and peak memory of one `meeting-analytics transcribe` process per file (models loaded inside).

    python benchmarks/cli_cost.py data/speech/jfk.flac ../shared/data/ami/trn01.wav [-- extra flags]

Uses GNU time (/usr/bin/time -v) for the peak resident set size of the whole process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(path: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as out:
        cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "meeting_analytics", "transcribe", path,
               "-o", out, "-q", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    h, m, s = (float(x) if x else 0.0 for x in wall.groups())
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    dur = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                               capture_output=True, text=True).stdout)
    wall_s = h * 3600 + m * 60 + s
    return {"file": Path(path).name, "audio_s": round(dur, 2), "wall_s": round(wall_s, 2),
            "rtf": round(wall_s / dur, 3), "peak_rss_mib": round(rss_kb / 1024)}


if __name__ == "__main__":
    args = sys.argv[1:]
    extra = args[args.index("--") + 1 :] if "--" in args else []
    files = args[: args.index("--")] if "--" in args else args
    for f in files:
        print(measure(f, extra), flush=True)
