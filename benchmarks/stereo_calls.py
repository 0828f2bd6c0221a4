"""Stereo calls split by channel (``--channels split``), on real calls with one party per channel.

    python benchmarks/stereo_calls.py [--leak_db -20] [--code DIR] [--out CSV]

The calls: SpokenWOZ MUL1011 (shared/data/call/spokenwoz_MUL1011) and the stereo SpokenWOZ calls listed in
benchmarks/data/real/manifest.csv where present; each scored against its channel-energy reference (README
beside each). ``--leak_db -20`` first adds each channel's signal to the other at that level, as a headset or
desk-phone pair picks up the other person. ``--code DIR``: run the package found in DIR (e.g. a worktree of an
earlier commit) for a before/after in one sitting. Per call: DER at collar 0 and 0.25 s (whole file, overlap
scored), each party's talk time against the reference's speech time, interruptions, and where the call has
a transcript, cpWER (meeteval).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
REAL = ROOT / "benchmarks" / "data" / "real"


def calls() -> list[dict]:
    woz = SHARED / "call" / "spokenwoz_MUL1011"
    found = [dict(uri="MUL1011", audio=woz / "MUL1011.opus", rttm=woz / "MUL1011.channels.rttm", stm=None)]
    if (REAL / "manifest.csv").exists():
        for r in pd.read_csv(REAL / "manifest.csv").itertuples():
            if isinstance(r.stereo, str) and (REAL / r.stereo).exists():
                found.append(dict(uri=r.uri, audio=REAL / r.stereo, rttm=REAL / r.rttm,
                                  stm=REAL / r.stm if isinstance(r.stm, str) else None))
    return found


def leaked(path: Path, db: float, out: Path) -> Path:
    import soundfile as sf

    from meeting_analytics.audio import read_audio

    x = read_audio(path, keep_channels=True).samples
    gain = 10 ** (db / 20)
    sf.write(out, np.stack([x[0] + gain * x[1], x[1] + gain * x[0]]).T, 16000)
    return out


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--leak_db", type=float, default=None)
    ap.add_argument("--code", default=None, help="a directory holding the meeting_analytics package to run")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    from pyannote.core import Segment, Timeline
    from pyannote.database.util import load_rttm

    from meeting_analytics.analytics import analyze
    from meeting_analytics.evaluation.metrics import diarization_error, read_stm, speaker_word_errors, turns_annotation
    from meeting_analytics.transcript import Transcript

    env = {**os.environ, "PYTHONPATH": str(Path(args.code).resolve()) if args.code else str(ROOT)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for call in calls():
            audio = call["audio"] if args.leak_db is None else leaked(call["audio"], args.leak_db,
                                                                       Path(tmp) / f"{call['uri']}.flac")
            out = Path(tmp) / call["uri"]
            subprocess.run([sys.executable, "-m", "meeting_analytics", "transcribe", str(audio), "--channels", "split",
                            "-o", str(out), "-f", "json", "-q"], check=True, env=env, cwd=tmp)
            t = Transcript.load(next(out.glob("*.json")))
            ref = next(iter(load_rttm(call["rttm"]).values()))
            labels = sorted(ref.labels())  # spk_L, spk_R: channel 0, 1
            hyp = turns_annotation(t.turns, ref.uri).rename_labels({"CH0": labels[0], "CH1": labels[1]})
            whole = Timeline([Segment(0, t.duration)])
            speakers = analyze(t).speakers.set_index("speaker")
            row = {"call": call["uri"], "leak_db": args.leak_db, "code": args.code or "this checkout"}
            for c in (0.0, 0.25):
                row[f"der@{c}"] = round(diarization_error(ref, hyp, uem=whole, collar=c)["der"], 4)
            for ch, label in zip(("CH0", "CH1"), labels):
                talk = float(speakers.loc[ch, "talk_time"]) if ch in speakers.index else 0.0
                row[f"talk_{ch}_vs_ref"] = round(talk / ref.label_duration(label) - 1, 4)
            row["interruptions"] = int(speakers["interruptions"].sum())
            if call["stm"] is not None:
                stm = read_stm(call["stm"])
                ref_segments = [(r.speaker, r.start, r.end, r.text) for r in stm.itertuples()]
                mapping = {"CH0": labels[0], "CH1": labels[1]}
                hyp_segments = [(mapping.get(w.speaker, w.speaker), w.start, w.end, w.text) for w in t.words]
                row["cpwer"] = round(speaker_word_errors(ref_segments, hyp_segments)["cpwer"], 4)
            rows.append(row)
            print(row, flush=True)
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False))
    if args.out:
        frame.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
