"""DER/JER of the shipped offline diarization on AMI excerpts, and WER + DER on the real phone call.

    python benchmarks/der.py --ami ../shared/data/ami --call data/call

Scores with pyannote.metrics inside the UEM, overlap scored, at collar 0 and 0.25 s.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser  # noqa: E402


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--out", default=None, help="default: benchmarks/results/der.csv, der_<pipeline>.csv for another")
    ap.add_argument("--diarize_model", default=None,
                    help="a packaged pipeline (offline-campplus, ...) or a config.yaml")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from pyannote.database.util import load_rttm, load_uem
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.diarize import Diarizer
    from meeting_analytics.evaluation.metrics import read_stm, turns_annotation, wer
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.pipeline import Pipeline
    from meeting_analytics.stages.lean import quiet_libraries

    quiet_libraries()
    diarizer = Diarizer(args.diarize_model)
    out = args.out or ("benchmarks/results/der.csv" if args.diarize_model is None else
                       f"benchmarks/results/der_{Path(args.diarize_model).stem}.csv")
    ami = Path(args.ami)
    refs, uems = load_rttm(ami / "debug.train.rttm"), load_uem(ami / "debug.train.uem")
    metrics = {(name, c): cls(collar=c, skip_overlap=False) for c in (0.0, 0.25)
               for name, cls in (("DER", DiarizationErrorRate), ("JER", JaccardErrorRate))}
    rows, audio_seconds = [], 0.0
    for wav in sorted(ami.glob("trn*.wav")):
        uri = wav.stem
        audio = load_audio(wav)
        t0 = time.perf_counter()
        turns = diarizer(audio).turns
        seconds = time.perf_counter() - t0
        audio_seconds += len(audio) / 16000
        hyp = turns_annotation(turns, uri)
        row = dict(file=uri, n_ref=len(refs[uri].labels()), n_hyp=len(hyp.labels()), seconds=round(seconds, 2),
                   rtf=round(seconds / (len(audio) / 16000), 3))
        for (name, c), m in metrics.items():
            row[f"{name}@{c}"] = round(m(refs[uri], hyp, uem=uems[uri]), 4)
        rows.append(row)
        print(row, flush=True)
    frame = pd.DataFrame(rows)
    total = {f"{name}@{c}": round(abs(m), 4) for (name, c), m in metrics.items()}
    print("diarization seconds per audio minute:", round(frame.seconds.sum() / audio_seconds * 60, 3))
    print("AMI trn01-09 overall:", total, "speaker count exact:", round(float((frame.n_ref == frame.n_hyp).mean()), 2))

    call = Path(args.call)
    pipe = Pipeline(PipelineOptions(diarize_model=args.diarize_model))
    t = pipe(call / "sample.wav")
    ref = load_rttm(call / "sample.rttm")["sample"]
    hyp = turns_annotation(t.turns, "sample")
    call_row = dict(file="call/sample.wav", n_ref=len(ref.labels()), n_hyp=len(hyp.labels()),
                    WER=round(wer(" ".join(read_stm(call / "sample.stm").text), t.text), 4))
    for c in (0.0, 0.25):
        call_row[f"DER@{c}"] = round(DiarizationErrorRate(collar=c)(ref, hyp), 4)
    print("call:", call_row)
    frame = pd.concat([frame, pd.DataFrame([call_row])], ignore_index=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)


if __name__ == "__main__":
    main()
