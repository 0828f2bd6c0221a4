"""Tune the offline diarization pipeline on AMI excerpts, with leave-one-out cross-validation.

    python benchmarks/tune_diarization.py --data ../shared/data/ami --out benchmarks/results/tune_ami.csv

Segmentations and embeddings are computed once per segmentation threshold (pyannote's training
cache), then every clustering setting is scored with pyannote.metrics inside the UEM. The script
prints the best setting on all files, and leave-one-out figures: for each file, the setting
chosen on the other files, scored on it. Only the leave-one-out figures say how well the chosen
setting generalises.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.audio import load_audio  # noqa: E402


def load_files(data: Path):
    import torch
    from pyannote.database.util import load_rttm, load_uem

    refs = load_rttm(data / "debug.train.rttm")
    uems = load_uem(data / "debug.train.uem")
    files = []
    for wav in sorted(data.glob("trn*.wav")):
        uri = wav.stem
        if uri not in refs:
            continue
        audio = load_audio(wav)
        files.append({"uri": uri, "waveform": torch.from_numpy(audio)[None], "sample_rate": 16000,
                      "annotation": refs[uri], "annotated": uems[uri]})
    return files


def score(reference, hypothesis, uem, collar):
    from pyannote.metrics.diarization import DiarizationErrorRate

    d = DiarizationErrorRate(collar=collar, skip_overlap=False)(reference, hypothesis, uem=uem, detailed=True)
    return d["false alarm"], d["missed detection"], d["confusion"], d["total"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/ami")
    ap.add_argument("--out", default="benchmarks/results/tune_ami.csv")
    ap.add_argument("--seg_thresholds", default="0.4,0.5,0.6")
    ap.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.9,1.0,1.1")
    ap.add_argument("--methods", default="centroid,average")
    ap.add_argument("--min_cluster_sizes", default="1,4,10")
    ap.add_argument("--min_duration_offs", default="0.0,0.3")
    ap.add_argument("--centers", default="none", help="none,mean: embeddings as they are, or minus the "
                    "recording's mean (L2-normalised first) before clustering")
    ap.add_argument("--constrained", default="false", help="false,true: each embedding to its nearest centroid, or "
                    "the local speakers of a chunk to distinct clusters (pyannote's constrained_assignment, Hungarian)")
    ap.add_argument("--partials", default="160:77", help="GE2E partial window and hop in 10 ms frames, "
                    "comma-separated (Resemblyzer's 1.6 s every 0.77 s: 160:77)")
    ap.add_argument("--count_offsets", default="0", help="added to the aggregated speaker count where at least one "
                    "speaker is counted, before pyannote rounds it (0: pyannote's count; 0.3: 1.2 speakers -> 2)")
    ap.add_argument("--embedding", default="ge2e", help="ge2e, campplus (frame pooling) or campplus-segments")
    ap.add_argument("--segmentation", default="pyannote-segmentation",
                    help="pyannote-segmentation (2020) or pyannote-segmentation-3.0 "
                         "(powerset: --seg_thresholds unused)")
    ap.add_argument("--step", type=float, default=0.1, help="segmentation step, as a share of its window")
    ap.add_argument("--report_only", action="store_true", help="re-print the report of an existing --out CSV")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.report_only:
        report(pd.read_csv(args.out))
        return

    from meeting_analytics.stages import embedding
    from meeting_analytics.stages.diarize import OfflineSpeakerDiarization

    files = load_files(Path(args.data))
    pipeline = OfflineSpeakerDiarization(segmentation=args.segmentation, embedding=args.embedding,
                                         segmentation_step=args.step, embedding_exclude_overlap=True)
    powerset = pipeline._segmentation.model.specifications.powerset
    pipeline.clustering = centered_clustering(pipeline.clustering.metric)
    pipeline.embedding_batch_size = 32
    pipeline.training = True
    floats = lambda s: [float(x) for x in s.split(",")]  # noqa: E731
    rows = []
    seg_thresholds = [float("nan")] if powerset else floats(args.seg_thresholds)
    for seg_t, partials in itertools.product(seg_thresholds, args.partials.split(",")):
        embedding.PARTIAL_FRAMES, embedding.PARTIAL_STEP = (int(x) for x in partials.split(":"))
        for f in files:  # embeddings depend on the segmentation threshold and the partials: recompute
            f.pop("training_cache/embeddings", None)
        grid = list(itertools.product(floats(args.min_duration_offs), args.methods.split(","),
                                      [int(x) for x in args.min_cluster_sizes.split(",")], floats(args.thresholds),
                                      args.centers.split(","), args.constrained.split(","), floats(args.count_offsets)))
        t0 = time.time()
        for mdo, method, mcs, thr, center, constrained, offset in grid:
            pipeline.speaker_count = biased_count(offset)
            pipeline.clustering.center = center == "mean"
            pipeline.clustering.constrained_assignment = constrained == "true"
            segmentation = {"min_duration_off": mdo} if powerset else {"threshold": seg_t, "min_duration_off": mdo}
            pipeline.instantiate({"segmentation": segmentation,
                                  "clustering": {"method": method, "min_cluster_size": mcs, "threshold": thr}})
            for f in files:
                hyp = pipeline(f).speaker_diarization
                for collar in (0.0, 0.25):
                    fa, miss, conf, total = score(f["annotation"], hyp, f["annotated"], collar)
                    rows.append(dict(embedding=args.embedding, segmentation=args.segmentation, step=args.step,
                                     seg_threshold=seg_t, min_duration_off=mdo, method=method, min_cluster_size=mcs,
                                     threshold=thr, center=center, constrained=constrained, partials=partials,
                                     count_offset=offset,
                                     uri=f["uri"],
                                     collar=collar, false_alarm=fa, missed=miss, confusion=conf, total=total,
                                     n_ref=len(f["annotation"].labels()), n_hyp=len(hyp.labels())))
        print(f"seg threshold {seg_t}, partials {partials}: {len(grid)} settings in {time.time() - t0:.0f} s",
              flush=True)
    frame = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    report(frame)


KEYS = ["embedding", "segmentation", "step", "seg_threshold", "min_duration_off", "method", "min_cluster_size",
        "threshold", "center", "constrained", "partials", "count_offset"]


def biased_count(offset: float):
    """pyannote's ``speaker_count`` with ``offset`` added where speech is counted, before rounding: more
    frames keep a second (third) speaker where the chunks disagree about the overlap."""
    from pyannote.audio.core.inference import Inference

    def speaker_count(binarized, frames, warm_up=(0.1, 0.1)):
        trimmed = Inference.trim(binarized, warm_up=warm_up)
        count = Inference.aggregate(np.sum(trimmed, axis=-1, keepdims=True), frames, hamming=False, missing=0.0,
                                    skip_average=False)
        count.data = np.rint(np.where(count.data >= 1.0, count.data + offset, count.data)).astype(np.uint8)
        return count

    return speaker_count


def centered_clustering(metric: str):
    """The shipped clustering, able to run on embeddings minus the recording's mean (each
    L2-normalised first): ``.center = True``."""
    from meeting_analytics.stages.clustering import BoundedAgglomerativeClustering

    class CenteredClustering(BoundedAgglomerativeClustering):
        center = False

        def __call__(self, embeddings, **kwargs):
            if self.center:
                flat = embeddings.reshape(-1, embeddings.shape[-1]).copy()
                ok = ~np.isnan(flat).any(axis=1)
                unit = flat[ok] / np.linalg.norm(flat[ok], axis=1, keepdims=True)
                flat[ok] = unit - unit.mean(axis=0)
                embeddings = flat.reshape(embeddings.shape)
            return super().__call__(embeddings, **kwargs)

    return CenteredClustering(metric=metric)


def der(frame: pd.DataFrame) -> float:
    return float((frame.false_alarm + frame.missed + frame.confusion).sum() / frame.total.sum())


def report(frame: pd.DataFrame, optimise_collar: float = 0.0) -> None:
    defaults = {"embedding": "ge2e", "segmentation": "pyannote-segmentation", "step": 0.1, "center": "none",
                "constrained": "false", "partials": "160:77", "count_offset": 0.0}  # older CSVs
    frame = frame.assign(**{k: frame[k] if k in frame else v for k, v in defaults.items()})
    frame["seg_threshold"] = frame["seg_threshold"].fillna(-1)  # powerset: none
    frame["constrained"] = frame["constrained"].astype(str).str.lower()
    opt = frame[frame.collar == optimise_collar]
    per_setting = opt.groupby(KEYS).apply(der, include_groups=False).sort_values()
    best = dict(zip(KEYS, per_setting.index[0]))
    print("best on all 9 files:", best)
    for collar in (0.0, 0.25):
        sub = frame[(frame.collar == collar)]
        chosen = sub[np.logical_and.reduce([sub[k] == v for k, v in best.items()])]
        print(f"  DER collar {collar}: {der(chosen):.4f}  speaker count exact: "
              f"{(chosen.n_ref == chosen.n_hyp).mean():.2f}")
    uris = sorted(frame.uri.unique())
    held = {0.0: [], 0.25: []}
    for uri in uris:
        train = opt[opt.uri != uri].groupby(KEYS).apply(der, include_groups=False).sort_values()
        setting = dict(zip(KEYS, train.index[0]))
        for collar in (0.0, 0.25):
            sub = frame[(frame.collar == collar) & (frame.uri == uri)]
            held[collar].append(sub[np.logical_and.reduce([sub[k] == v for k, v in setting.items()])])
    for collar in (0.0, 0.25):
        cv = pd.concat(held[collar])
        parts = {k: cv[k].sum() / cv.total.sum() for k in ("missed", "false_alarm", "confusion")}
        print(f"leave-one-out DER collar {collar}: {der(cv):.4f}  speaker count exact: "
              f"{(cv.n_ref == cv.n_hyp).mean():.2f}  " + "  ".join(f"{k} {v:.4f}" for k, v in parts.items()))
    cv = pd.concat(held[0.0])
    print(cv[["uri", "n_ref", "n_hyp"] + KEYS].to_string(index=False))


if __name__ == "__main__":
    main()
