"""Resegmentation (issue #13, part 4): a second pass that re-assigns speech frames with per-speaker
models estimated from the first pass, as VBx/DOVER-style systems do, and the DER it gives.

    python benchmarks/resegment.py [--ami ../shared/data/ami] [--call data/call]

First pass: the shipped pipeline (turns with overlaps, exclusive turns). Second pass: 20 MFCCs
(+ deltas, recording mean removed) every 10 ms; one diagonal GMM per first-pass speaker, fit on the
frames where that speaker alone was active; Viterbi over the first pass's speech frames with a fixed
cost for changing speaker; a frame that the first pass gave two speakers keeps the second one. Nothing
tuned on the data (``--components``, ``--switch`` fixed in advance), so every figure is held out.
Writes benchmarks/results/resegment.csv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from common import ROOT, parser
from count_speakers import recordings

HOP = 0.01


def frames_of(turns, speakers: list[str], n: int) -> np.ndarray:
    """(frames, speakers) activity of ``turns`` on a 10 ms grid."""
    active = np.zeros((n, len(speakers)), dtype=bool)
    index = {s: i for i, s in enumerate(speakers)}
    for t in turns:
        active[int(round(t.start / HOP)) : int(round(t.end / HOP)), index[t.speaker]] = True
    return active


def features(audio: np.ndarray) -> np.ndarray:
    import torch
    import torchaudio

    wav = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None] * 32768
    mfcc = torchaudio.compliance.kaldi.mfcc(wav, num_ceps=20, frame_shift=10, frame_length=25, dither=0.0,
                                            snip_edges=False).numpy()
    mfcc -= mfcc.mean(axis=0)
    delta = np.gradient(mfcc, axis=0)
    return np.hstack([mfcc, delta])


def viterbi(loglik: np.ndarray, switch: float) -> np.ndarray:
    """The best state path through ``loglik`` (frames, states) with ``switch`` added per change."""
    n, k = loglik.shape
    score = loglik[0].copy()
    back = np.zeros((n, k), dtype=np.int32)
    for i in range(1, n):
        stay = score
        best = int(np.argmax(score))
        move = score[best] + switch
        back[i] = np.where(stay >= move, np.arange(k), best)
        score = np.maximum(stay, move) + loglik[i]
    path = np.empty(n, dtype=np.int32)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def resegment(audio, turns, components: int, switch: float):
    from sklearn.mixture import GaussianMixture

    from meeting_analytics.transcript import Turn

    speakers = sorted({t.speaker for t in turns})
    if len(speakers) < 2:
        return turns
    feats = features(audio)
    active = frames_of(turns, speakers, len(feats))
    alone = active & (active.sum(axis=1, keepdims=True) == 1)
    models = []
    for k in range(len(speakers)):
        x = feats[alone[:, k]]
        if len(x) < 5 * components:
            return turns  # too little of someone to model
        models.append(GaussianMixture(components, covariance_type="diag", random_state=0, reg_covar=1e-3).fit(x))
    speech = active.any(axis=1)
    loglik = np.stack([m.score_samples(feats) for m in models], axis=1)
    labels = active.copy()
    idx = np.flatnonzero(speech)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for run in runs:
        if len(run) == 0:
            continue
        path = viterbi(loglik[run], switch)
        two = active[run].sum(axis=1) >= 2
        new = np.zeros((len(run), len(speakers)), dtype=bool)
        new[np.arange(len(run)), path] = True
        new[two] |= active[run][two]  # overlapped frames keep the first pass's speakers
        labels[run] = new
    out = []
    for k, s in enumerate(speakers):
        col = np.concatenate([[False], labels[:, k], [False]])
        edges = np.flatnonzero(np.diff(col.astype(np.int8)))
        out += [Turn(a * HOP, b * HOP, s) for a, b in zip(edges[::2], edges[1::2])]
    return sorted(out, key=lambda t: (t.start, t.end, t.speaker))


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--components", type=int, default=8)
    ap.add_argument("--switch", type=float, default=-20.0, help="log-score added per change of speaker")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.stages.lean import quiet_libraries
    from meeting_analytics.stages.diarize import Diarizer

    quiet_libraries()
    diarizer = Diarizer()
    rows, pooled = [], {}
    for corpus, uri, audio, ref, uem in recordings(Path(args.ami), Path(args.call)):
        turns = diarizer(audio).turns
        for mode, hyp_turns in (("shipped", turns), ("resegmented", resegment(audio, turns, args.components,
                                                                              args.switch))):
            hyp = turns_annotation(hyp_turns, uri)
            row = {"corpus": corpus, "file": uri, "mode": mode, "n_ref": len(ref.labels()), "n_hyp": len(hyp.labels())}
            for c in (0.0, 0.25):
                metric = pooled.setdefault((corpus, mode, c), DiarizationErrorRate(collar=c, skip_overlap=False))
                row[f"DER@{c}"] = round(metric(ref, hyp, uem=uem), 4)
            row["JER@0.0"] = round(JaccardErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, uem=uem), 4)
            rows.append(row)
            print(row, flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(ROOT / "benchmarks" / "results" / "resegment.csv", index=False)
    print("mean per file:\n" + frame.groupby(["corpus", "mode"])[["DER@0.0", "DER@0.25", "JER@0.0"]].mean()
          .round(4).to_string())
    for (corpus, mode, c), metric in sorted(pooled.items()):
        print(f"pooled {corpus} {mode} DER@{c}: {abs(metric):.4f}")


if __name__ == "__main__":
    main()
