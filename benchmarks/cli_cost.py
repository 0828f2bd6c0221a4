"""Wall time and peak memory of one `meeting-analytics transcribe` process per file (models loaded inside).

    python benchmarks/cli_cost.py data/speech/jfk.flac ../shared/data/ami/trn01.wav [-- extra flags]

Uses GNU time (/usr/bin/time -v) for the peak resident set size of the whole process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed_run  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd`` under GNU time: (wall seconds, peak RSS MiB); exits with its stderr if it fails."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYANNOTE_METRICS_ENABLED="false")
    proc, wall, rss = timed_run(cmd, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return wall, rss


def duration(path: str) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                         capture_output=True, text=True).stdout
    return float(out)


def measure(path: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as out:
        wall_s, rss = timed([sys.executable, "-m", "meeting_analytics", "transcribe", path, "-o", out, "-q", *extra])
    dur = duration(path)
    return {"file": Path(path).name, "audio_s": round(dur, 2), "wall_s": round(wall_s, 2),
            "rtf": round(wall_s / dur, 3), "peak_rss_mib": round(rss)}


if __name__ == "__main__":
    args = sys.argv[1:]
    extra = args[args.index("--") + 1 :] if "--" in args else []
    files = args[: args.index("--")] if "--" in args else args
    for f in files:
        print(measure(f, extra), flush=True)
