"""The clustering of long recordings (stages/clustering.py): same clusters as pyannote's, less memory.

    python benchmarks/clustering.py --embeddings 7000,14000,28000

1. DER: the nine AMI excerpts and the call laid end to end with a second between them (about 5
   minutes, every speaker with its reference turns) are diarized with pyannote's exact clustering
   (scipy linkage) and with the nearest-neighbour chain forced on (``max_exact`` = 100); DER inside
   the clips' UEM regions, overlap scored, collars 0 and 0.25 s.
2. Memory and time of the clustering step alone on N random 256-dimensional embeddings drawn around
   six speaker directions (one process per run, peak RSS from /usr/bin/time -v): pyannote's exact
   clustering against the bounded one. About 7,000 embeddings make an hour of audio.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser, timed_run  # noqa: E402

ONE_RUN = """
import sys, time
import numpy as np
sys.path.insert(0, {root!r})
from meeting_analytics.stages.clustering import BoundedAgglomerativeClustering
rng = np.random.default_rng(0)
n = {n}
emb = rng.normal(size=(6, 256))[rng.integers(0, 6, n)] + rng.normal(scale=1.0, size=(n, 256))
c = BoundedAgglomerativeClustering(max_exact={max_exact})
c.instantiate({{"method": "average", "threshold": 0.6, "min_cluster_size": 10}})
t0 = time.perf_counter()
labels = c.cluster(emb, 1, 20)
print(f"{{time.perf_counter() - t0:.1f}} {{len(set(labels))}}")
"""


def concatenated(ami: Path, call: Path):
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.database.util import load_rttm, load_uem

    from meeting_analytics.audio import SAMPLE_RATE, load_audio

    refs, uems = load_rttm(ami / "debug.train.rttm"), load_uem(ami / "debug.train.uem")
    refs["sample"] = load_rttm(call / "sample.rttm")["sample"]
    pieces, ref, uem, offset = [], Annotation(uri="all"), Timeline(uri="all"), 0.0
    for wav in [*sorted(ami.glob("trn*.wav")), call / "sample.wav"]:
        audio = load_audio(wav)
        for seg, _, label in refs[wav.stem].itertracks(yield_label=True):
            name = f"{wav.stem}:{label}" if wav.stem == "sample" else label
            ref[Segment(seg.start + offset, seg.end + offset)] = name
        for seg in uems[wav.stem] if wav.stem in uems else [Segment(0, len(audio) / SAMPLE_RATE)]:
            uem.add(Segment(seg.start + offset, seg.end + offset))
        pieces += [audio, np.zeros(SAMPLE_RATE, dtype=np.float32)]
        offset += len(audio) / SAMPLE_RATE + 1.0
    return np.concatenate(pieces), ref, uem


def der_check(ami: Path, call: Path) -> None:
    from pyannote.metrics.diarization import DiarizationErrorRate

    from meeting_analytics.evaluation.metrics import turns_annotation
    from meeting_analytics.stages.diarize import Diarizer

    audio, ref, uem = concatenated(ami, call)
    diarizer = Diarizer()
    print(f"AMI trn01-09 + call end to end: {len(audio) / 16000 / 60:.1f} min, {len(ref.labels())} speakers")
    for name, max_exact in (("exact (scipy linkage)", 10**9), ("nearest-neighbour chain", 100)):
        diarizer.pipeline.clustering.max_exact = max_exact
        t0 = time.perf_counter()
        turns = diarizer(audio).turns
        hyp = turns_annotation(turns, "all")
        der = [DiarizationErrorRate(collar=c)(ref, hyp, uem=uem) for c in (0.0, 0.25)]
        print(f"  {name:>24}: DER {der[0]:.2%} / {der[1]:.2%} (collar 0 / 0.25), {len(hyp.labels())} speakers, "
              f"{time.perf_counter() - t0:.1f} s")


def memory_check(sizes: list[int]) -> None:
    print("clustering alone, random embeddings (6 speakers, 256 dims):")
    for n in sizes:
        for name, max_exact in (("exact", 10**9), ("bounded", 6000)):
            code = ONE_RUN.format(root=str(ROOT), n=n, max_exact=max_exact)
            done, _, rss = timed_run([sys.executable, "-c", code])
            seconds, clusters = done.stdout.split() if done.returncode == 0 else ("-", "-")
            print(f"  N={n:>6} {name:>8}: {seconds} s, peak RSS {rss:,.0f} MiB, {clusters} clusters"
                  + ("" if done.returncode == 0 else f" (exit {done.returncode})"))


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--embeddings", default="7000,14000")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    der_check(Path(args.ami), Path(args.call))
    memory_check([int(n) for n in args.embeddings.split(",")])


if __name__ == "__main__":
    main()
