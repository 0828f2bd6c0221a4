"""Speaker counting (issue #13, part 1): how many speakers each way of counting finds, and the DER
that follows, on the AMI excerpts, the real call and synthetic meetings of 2-5 espeak-ng voices.

    python benchmarks/count_speakers.py [--ami ../shared/data/ami] [--call data/call]

Ways of counting, each followed by the shipped agglomerative clustering cut at that count:
  shipped   the distance threshold (what runs today)
  eigengap  NME-SC's count: the largest eigengap of the Laplacian of the p-nearest-neighbour
            binarised cosine affinity, p chosen by the normalised maximum eigengap (Park et al. 2019)
  silhouette  the count whose average-linkage cut of the chunk embeddings has the best mean cosine
            silhouette, 2..10; one speaker if no cut reaches 0.1 (fixed in advance)
  overlap   the threshold, but never fewer clusters than the most speakers the segmentation finds
            active at once: ``overlap`` on pyannote's frame count (chunk votes aggregated, what the
            pipeline reconstructs with), ``overlap_chunk`` on any single chunk's frame
  oracle    the true count (the ceiling for any counting)

Nothing here is tuned: NME-SC picks its own p per recording, so every figure is held out.
Writes benchmarks/results/count_speakers.csv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from common import ROOT, parser


def nme_sc_count(embeddings: np.ndarray, min_clusters: int = 1, max_clusters: int = 10) -> int:
    """The number of speakers NME-SC reads off the embeddings' affinity (Park et al. 2019)."""
    x = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    affinity = np.clip(x @ x.T, 0.0, 1.0)
    n = len(affinity)
    if n < 3:
        return max(1, min_clusters)
    max_k = max(min(max_clusters, n - 1), 1)
    best = None
    for p in range(1, max(2, n // 4) + 1):
        keep = np.zeros_like(affinity)
        idx = np.argsort(-affinity, axis=1)[:, :p]
        np.put_along_axis(keep, idx, 1.0, axis=1)
        sym = (keep + keep.T) / 2
        laplacian = np.diag(sym.sum(axis=1)) - sym
        eig = np.sort(np.linalg.eigvalsh(laplacian))
        gaps = np.diff(eig[: max_k + 1])
        g = gaps.max() / (eig[-1] + 1e-10)
        ratio = p / (g + 1e-10)
        if best is None or ratio < best[0]:
            best = (ratio, int(np.argmax(gaps)) + 1)
    return int(np.clip(best[1], min_clusters, max_k))


def silhouette_count(embeddings: np.ndarray, max_clusters: int = 10, floor: float = 0.1) -> int:
    """The number of clusters with the best silhouette (cosine) over average-linkage cuts; 1 below ``floor``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    x = embeddings[~np.isnan(embeddings).any(axis=1)]
    if len(x) < 4:
        return 1
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    tree = linkage(x, method="average", metric="cosine")
    best, best_k = floor, 1
    for k in range(2, min(max_clusters, len(x) - 1) + 1):
        labels = fcluster(tree, k, criterion="maxclust")
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(x, labels, metric="cosine")
        if score > best:
            best, best_k = score, k
    return best_k


class Counting:
    """Wraps the pipeline's clustering so that ``mode`` decides the number of clusters."""

    def __init__(self, clustering):
        self.clustering, self.original = clustering, clustering.cluster
        self.mode, self.oracle, self.at_once = "shipped", None, {}
        clustering.cluster = self

    def hook(self, threshold: float):
        """pyannote's progress hook: the most speakers active at once, before clustering runs."""
        def seen(step, artifact, file=None, total=None, completed=None):
            if step == "segmentation":
                self.at_once["overlap_chunk"] = int(np.max(np.sum(artifact.data > threshold, axis=-1)))
            elif step == "speaker_counting":
                self.at_once["overlap"] = int(np.nanmax(artifact.data))

        return seen

    def __call__(self, embeddings, min_clusters=None, max_clusters=None, num_clusters=None):
        if num_clusters is None and self.mode in self.at_once:
            min_clusters = max(min_clusters or 1, self.at_once[self.mode])
        if num_clusters is None and self.mode == "silhouette":
            num_clusters = silhouette_count(embeddings, min(max_clusters or 10, 10))
        if num_clusters is None and self.mode == "eigengap":
            num_clusters = nme_sc_count(embeddings, min_clusters or 1, min(max_clusters or 10, 10))
        elif num_clusters is None and self.mode == "oracle":
            num_clusters = self.oracle
        return self.original(embeddings, min_clusters=min_clusters, max_clusters=max_clusters,
                             num_clusters=num_clusters)


def recordings(ami: Path, call: Path):
    from pyannote.database.util import load_rttm, load_uem

    from meeting_analytics.audio import load_audio
    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.evaluation.synth import synthesize_meeting

    refs, uems = load_rttm(ami / "debug.train.rttm"), load_uem(ami / "debug.train.uem")
    for wav in sorted(ami.glob("trn*.wav")):
        yield "ami", wav.stem, load_audio(wav), refs[wav.stem], uems[wav.stem]
    yield "call", "call", load_audio(call / "sample.wav"), load_rttm(call / "sample.rttm")["sample"], None
    for n in (2, 3, 4, 5):
        m = synthesize_meeting(n_speakers=n, duration=60.0, seed=500 + n, phrases=True)
        yield "synthetic", f"synth{n}", m.audio, turns_annotation(m.turns, f"synth{n}"), None


def main() -> None:
    ap = parser(__doc__, data=True)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from pyannote.metrics.diarization import DiarizationErrorRate

    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.stages.lean import quiet_libraries
    from meeting_analytics.stages.diarize import Diarizer

    quiet_libraries()
    diarizer = Diarizer()
    counting = Counting(diarizer.pipeline.clustering)
    threshold = diarizer.parameters()["segmentation"]["threshold"]
    rows = []
    for corpus, uri, audio, ref, uem in recordings(Path(args.ami), Path(args.call)):
        segmentation = diarizer.segment(audio)
        for mode in ("shipped", "eigengap", "silhouette", "overlap", "overlap_chunk", "oracle"):
            counting.mode, counting.oracle = mode, len(ref.labels())
            turns = diarizer(audio, segmentation=segmentation, hook=counting.hook(threshold)).turns
            hyp = turns_annotation(turns, uri)
            row = {"corpus": corpus, "file": uri, "mode": mode, "n_ref": len(ref.labels()), "n_hyp": len(hyp.labels()),
                   "at_once": counting.at_once.get("overlap"), "at_once_chunk": counting.at_once.get("overlap_chunk")}
            for c in (0.0, 0.25):
                row[f"DER@{c}"] = round(DiarizationErrorRate(collar=c, skip_overlap=False)(ref, hyp, uem=uem), 4)
            rows.append(row)
            print(row, flush=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(ROOT / "benchmarks" / "results" / "count_speakers.csv", index=False)
    summary = frame.assign(exact=frame.n_ref == frame.n_hyp).groupby(["corpus", "mode"]).agg(
        files=("file", "size"), exact=("exact", "sum"), der0=("DER@0.0", "mean"), der25=("DER@0.25", "mean"))
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
