"""Peak memory and wall time on one long recording (transcribe + diarize + analyse, the batch's work).

    python benchmarks/long_file.py --minutes 60

Builds a ``--minutes`` long file by concatenating the shipped call and jfk clips, the AMI excerpts
in ../shared/data/ami when present, and synthetic meetings, with a second of silence between
pieces, then runs ``meeting-analytics analyze`` on it under ``/usr/bin/time -v``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser, timed_run  # noqa: E402

from meeting_analytics.audio import SAMPLE_RATE, load_audio  # noqa: E402
from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav  # noqa: E402


def build(minutes: float, path: Path) -> float:
    pieces = [load_audio(ROOT / "data" / "call" / "sample.wav"), load_audio(ROOT / "data" / "speech" / "jfk.flac")]
    pieces += [load_audio(p) for p in sorted((ROOT.parent / "shared" / "data" / "ami").glob("trn0*.wav"))]
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    total, seed, out = 0, 0, []
    while total < minutes * 60 * SAMPLE_RATE:
        piece = pieces[seed] if seed < len(pieces) else synthesize_meeting(3, 120.0, seed=seed, phrases=True).audio
        out += [piece.astype(np.float32), gap]
        total += len(piece) + len(gap)
        seed += 1
    audio = np.concatenate(out)
    write_wav(path, audio / max(1e-9, float(np.abs(audio).max())) * 0.7)
    return len(audio) / SAMPLE_RATE


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--minutes", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ma-long-") as tmp:
        wav = Path(tmp) / "long.wav"
        seconds = build(args.minutes, wav)
        done, wall, rss = timed_run([sys.executable, "-m", "meeting_analytics.cli", "analyze", str(wav), "-o", tmp,
                                     "--no_html", "-q"])
        print(f"audio {seconds / 60:.1f} min, exit {done.returncode}, wall {wall // 60:.0f} min {wall % 60:.0f} s "
              f"(RTF {wall / seconds:.2f}), peak RSS {rss:.0f} MiB")
        if done.returncode:
            print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
