"""What the benchmarks share: the data they read, and commands timed under GNU time."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parser(doc: str, data: bool = False) -> argparse.ArgumentParser:
    """A benchmark's command line, its docstring as help; ``data``: --ami (the AMI excerpts beside the
    checkout) and --call (the shipped call)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if data:
        ap.add_argument("--ami", default=str(ROOT.parent / "shared" / "data" / "ami"))
        ap.add_argument("--call", default=str(ROOT / "data" / "call"))
    return ap


def timed_run(cmd: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``cmd`` under /usr/bin/time -v: its result, wall seconds, peak RSS in MiB."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, **kwargs)
    h, m, s = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr).groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return proc, float(h or 0) * 3600 + float(m) * 60 + float(s), rss


def whole_file_der(rttm: str | Path, turns, seconds: float) -> dict[str, float]:
    """DER at collar 0 and 0.25 s of ``turns`` against the one file of ``rttm``, over the whole
    file, overlap scored; and the speaker counts."""
    from pyannote.core import Segment, Timeline
    from pyannote.database.util import load_rttm

    from meeting_analytics.evaluation.metrics import diarization_error, turns_annotation

    ref = next(iter(load_rttm(rttm).values()))
    hyp = turns_annotation(turns, ref.uri)
    whole = Timeline([Segment(0, seconds)])
    return {**{f"der_c{c}": round(diarization_error(ref, hyp, uem=whole, collar=c)["der"], 4) for c in (0.0, 0.25)},
            "speakers_found": len(hyp.labels()), "speakers_true": len(ref.labels())}
