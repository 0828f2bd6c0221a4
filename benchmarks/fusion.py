"""Speaker information in the ASR's encoder output (issue #13, part 2): Whisper encoder frames,
averaged over each (chunk, speaker) mask the diarization embeds, fused with the GE2E embedding.

    python benchmarks/fusion.py [--ami ../shared/data/ami] [--call data/call]

For each recording: Whisper tiny.en's encoder output (20 ms frames, 384 values; 30 s windows), and
for every (chunk, local speaker) the mean of the frames under the mask pyannote embeds (its
single-speaker frames, or all the speaker's frames when those are too few), L2-normalised. The
clustering then runs on [GE2E, weight x Whisper] (renormalised), at each clustering threshold.
Leave-one-out over (weight, threshold) on AMI trn01-09 (weight 0 is the shipped embedding); the call
and the synthetic meetings scored at each fold's most common choice. Writes
benchmarks/results/fusion.csv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from common import ROOT, parser
from count_speakers import recordings

WEIGHTS = (0.0, 0.5, 1.0, 2.0)
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


def encoder_frames(model, audio: np.ndarray) -> np.ndarray:
    """(frames, 384): Whisper's encoder output every 20 ms over the whole recording."""
    from meeting_analytics.stages.asr_model import features

    window = 30 * 16_000
    out = []
    for lo in range(0, len(audio), window):
        piece = audio[lo : lo + window]
        enc = np.asarray(model.encode(features(model, [piece])))[0]
        out.append(enc[: int(np.ceil(len(piece) / 320))])
    return np.concatenate(out)


def whisper_embeddings(frames: np.ndarray, binary, min_frames: int) -> np.ndarray:
    """(chunks, speakers, 384) mean encoder frame under each pyannote embedding mask."""
    data = binary.data
    chunks, num_frames, speakers = data.shape
    clean = data * (data.sum(axis=2, keepdims=True) < 2)
    window = binary.sliding_window
    out = np.full((chunks, speakers, frames.shape[1]), np.nan, dtype=np.float32)
    for c in range(chunks):
        start = window[c].start
        times = start + (np.arange(num_frames) + 0.5) * window.duration / num_frames
        idx = np.clip((times / 0.02).astype(int), 0, len(frames) - 1)
        for k in range(speakers):
            mask = clean[c, :, k] > 0 if np.sum(clean[c, :, k]) > min_frames else data[c, :, k] > 0
            if mask.any():
                v = frames[idx[mask]].mean(axis=0)
                out[c, k] = v / (np.linalg.norm(v) + 1e-9)
    return out


class Fused:
    """Replaces the pipeline's ``get_embeddings``: GE2E as computed, joined by ``weight`` x Whisper."""

    def __init__(self, pipeline):
        self.pipeline, self.original = pipeline, pipeline.get_embeddings
        self.frames, self.weight, self.ge2e, self.whisper = None, 0.0, None, None
        pipeline.get_embeddings = self

    def use(self, frames) -> None:
        """A new recording: its encoder frames; both embeddings are computed once, on its first run."""
        self.frames, self.ge2e, self.whisper = frames, None, None

    def __call__(self, file, binary_segmentations, exclude_overlap=False, hook=None):
        if self.ge2e is None:  # the segmentation threshold is fixed, so the same masks every run
            self.ge2e = self.original(file, binary_segmentations, exclude_overlap=exclude_overlap, hook=hook)
        ge2e = self.ge2e
        if self.weight == 0.0:
            return ge2e
        if self.whisper is None:
            num_frames = binary_segmentations.data.shape[1]
            emb = self.pipeline._embedding
            min_frames = int(np.ceil(num_frames * emb.min_num_samples / (binary_segmentations.sliding_window.duration
                                                                         * emb.sample_rate)))
            self.whisper = whisper_embeddings(self.frames, binary_segmentations, min_frames)
        joined = np.concatenate([ge2e, self.weight * self.whisper], axis=2)
        return joined / np.linalg.norm(joined, axis=2, keepdims=True)


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--report_only", action="store_true", help="re-print the report from fusion.csv")
    args = ap.parse_args()
    if args.report_only:
        return report(pd.read_csv(ROOT / "benchmarks" / "results" / "fusion.csv"))
    warnings.filterwarnings("ignore")
    from pyannote.metrics.diarization import DiarizationErrorRate

    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.options import ASROptions
    from meeting_analytics.stages.lean import quiet_libraries
    from meeting_analytics.stages.asr import Transcriber
    from meeting_analytics.stages.diarize import Diarizer

    quiet_libraries()
    diarizer = Diarizer()
    whisper = Transcriber(ASROptions()).model
    fused = Fused(diarizer.pipeline)
    base = diarizer.parameters()
    rows = []
    for corpus, uri, audio, ref, uem in recordings(Path(args.ami), Path(args.call)):
        segmentation = diarizer.segment(audio)
        fused.use(encoder_frames(whisper, audio))
        for weight in WEIGHTS:
            fused.weight = weight
            for threshold in THRESHOLDS:
                diarizer.pipeline.instantiate({**base, "clustering": {**base["clustering"], "threshold": threshold}})
                turns = diarizer(audio, segmentation=segmentation).turns
                hyp = turns_annotation(turns, uri)
                metric0, metric25 = (DiarizationErrorRate(collar=c, skip_overlap=False) for c in (0.0, 0.25))
                d0 = metric0(ref, hyp, uem=uem, detailed=True)
                d25 = metric25(ref, hyp, uem=uem, detailed=True)
                rows.append({"corpus": corpus, "file": uri, "weight": weight, "threshold": threshold,
                             "n_ref": len(ref.labels()), "n_hyp": len(hyp.labels()), "total": d0["total"],
                             "err0": d0["diarization error rate"] * d0["total"],
                             "err25": d25["diarization error rate"] * d25["total"], "total25": d25["total"]})
        print(uri, flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(ROOT / "benchmarks" / "results" / "fusion.csv", index=False)
    report(frame)


def leave_one_out(ami: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Each AMI file scored at the (weight, threshold) with the lowest pooled DER c0 on the other eight."""
    held, picks = [], []
    for out in sorted(ami.file.unique()):
        train = ami[ami.file != out].groupby(["weight", "threshold"])[["err0", "total"]].sum()
        best = (train.err0 / train.total).idxmin()
        picks.append((float(best[0]), float(best[1])))
        held.append(ami[(ami.file == out) & (ami.weight == best[0]) & (ami.threshold == best[1])])
    return pd.concat(held), picks


def scores(part: pd.DataFrame) -> str:
    return (f"DER c0 {part.err0.sum() / part.total.sum():.4f} c0.25 {part.err25.sum() / part.total25.sum():.4f}, "
            f"count exact {(part.n_ref == part.n_hyp).sum()} of {len(part)}")


def report(frame: pd.DataFrame) -> None:
    ami = frame[frame.corpus == "ami"]
    for name, grid in (("GE2E alone (weight 0)", ami[ami.weight == 0.0]), ("GE2E + Whisper (all weights)", ami)):
        held, picks = leave_one_out(grid)
        print(f"{name}: leave-one-out {scores(held)}; picks {picks}")
        common = max(set(picks), key=picks.count)
        for corpus in ("call", "synthetic"):
            part = frame[(frame.corpus == corpus) & (frame.weight == common[0]) & (frame.threshold == common[1])]
            print(f"    {corpus} at {common}: {scores(part)}")
    for weight in WEIGHTS:
        part = ami[ami.weight == weight].groupby("threshold")[["err0", "total"]].sum()
        print(f"weight {weight}: all-9 DER c0 by threshold", (part.err0 / part.total).round(4).to_dict())


if __name__ == "__main__":
    main()
