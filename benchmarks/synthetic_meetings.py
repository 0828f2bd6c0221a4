"""Speaker attribution on synthetic meetings of 3-6 speakers with exact truth (issue #13, part 5), dry
and far-field, reported apart from AMI.

    python benchmarks/synthetic_meetings.py [--speakers 3,4,5,6] [--seeds 2] [--minutes 2]

Each meeting is espeak-ng voices with phrase prosody, interruptions and back-channels
(``evaluation.synth``); "far-field" lays ``synth.Room()`` over the same words: each speaker at their
own level (0 to -12 dB) and reverberance (sox ``reverb`` 30-80 %), pink noise 15 dB below the speech.
The shipped diarization runs on both, then again told the true number of speakers (the ceiling for
counting). Nothing is tuned on these meetings. Writes benchmarks/results/synthetic_meetings[_constrained].csv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from common import ROOT, parser
from count_speakers import Counting


def meetings(speakers: list[int], seeds: int, minutes: float):
    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.evaluation.synth import Room, synthesize_meeting

    for n in speakers:
        for seed in range(seeds):
            for condition, room in (("dry", None), ("far-field", Room())):
                uri = f"synth{n}_{seed}"
                m = synthesize_meeting(n, minutes * 60, seed=700 + 10 * n + seed, phrases=True, room=room)
                yield condition, uri, m.audio, turns_annotation(m.turns, uri)


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--speakers", default="3,4,5,6")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--diarize_model", default=None, help="a packaged pipeline (offline-ge2e, ...) or a config.yaml")
    ap.add_argument("--constrained", action="store_true", help="a candidate: the local speakers of a chunk to "
                    "distinct clusters (pyannote's constrained_assignment)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.pipeline import make_diarizer
    from meeting_analytics.stages.lean import quiet_libraries
    from meeting_analytics.options import PipelineOptions

    quiet_libraries()
    diarizer = make_diarizer(PipelineOptions(diarize_model=args.diarize_model))
    label = Path(args.diarize_model).stem if args.diarize_model else "default"
    diarizer.pipeline.clustering.constrained_assignment = args.constrained
    counting = Counting(diarizer.pipeline.clustering)
    rows = []
    for condition, uri, audio, ref in meetings([int(n) for n in args.speakers.split(",")], args.seeds, args.minutes):
        segmentation = diarizer.segment(audio)
        for mode in ("shipped", "oracle"):
            counting.mode, counting.oracle = mode, len(ref.labels())
            turns = diarizer(audio, segmentation=segmentation).turns
            hyp = turns_annotation(turns, uri)
            row = {"pipeline": label, "condition": condition, "meeting": uri, "count": mode,
                   "constrained": args.constrained, "n_ref": len(ref.labels()), "n_hyp": len(hyp.labels()),
                   "JER@0.0": round(JaccardErrorRate(collar=0.0)(ref, hyp), 4)}
            for c in (0.0, 0.25):
                row[f"DER@{c}"] = round(DiarizationErrorRate(collar=c, skip_overlap=False)(ref, hyp), 4)
            rows.append(row)
            print(row, flush=True)
    frame = pd.DataFrame(rows)
    suffix = "_constrained" * args.constrained + (f"_{label}" if label != "default" else "")
    frame.to_csv(ROOT / "benchmarks" / "results" / f"synthetic_meetings{suffix}.csv", index=False)
    summary = frame.assign(exact=frame.n_ref == frame.n_hyp).groupby(["condition", "count"]).agg(
        meetings=("meeting", "size"), exact=("exact", "sum"), der0=("DER@0.0", "mean"), der25=("DER@0.25", "mean"),
        jer=("JER@0.0", "mean"))
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
