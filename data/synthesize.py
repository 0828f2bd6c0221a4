"""Synthesize multi-speaker meetings with exact ground truth (see meeting_analytics/synth.py).

    python data/synthesize.py --out data/generated --speakers 2 --duration 60 --seed 7 [--count 3]

Writes <stem>.wav (16 kHz mono), <stem>.truth.json (the truth as a Transcript: words, speakers,
timings, fillers in metadata), <stem>.rttm and <stem>.stm. Same seed, same files.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.evaluation.synth import synthesize_meeting, write_meeting  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/generated")
    ap.add_argument("--speakers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--filler_rate", type=float, default=0.12)
    ap.add_argument("--overlap_rate", type=float, default=0.15)
    args = ap.parse_args()
    for i in range(args.count):
        seed = args.seed + i
        meeting = synthesize_meeting(args.speakers, args.duration, seed, args.filler_rate, args.overlap_rate)
        stem = f"meeting_{args.speakers}spk_seed{seed}"
        paths = write_meeting(meeting, args.out, stem)
        print(f"{paths['wav']}: {meeting.duration:.1f} s, {len(meeting.words)} words, "
              f"{sum(w.filler for w in meeting.words)} fillers, speakers {', '.join(meeting.speakers)}")


if __name__ == "__main__":
    main()
