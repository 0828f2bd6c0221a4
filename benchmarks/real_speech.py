"""Who said what on real recordings: every packaged diarization pipeline scored on real, labelled speech,
its clustering threshold chosen leaving one recording (meeting) out at a time.

    python benchmarks/real_speech.py --out benchmarks/results/real_speech.csv
    python benchmarks/real_speech.py --report_only --out benchmarks/results/real_speech.csv

The real set (``manifest()``): the nine AMI excerpts and the 30 s call in ``shared/data``, SpokenWOZ
MUL1011 as a mono mixdown, and every recording listed in ``benchmarks/data/real/manifest.csv`` whose
files are present (README there: source, licence, how each reference was made). No synthetic audio.
Per pipeline, recording and threshold: DER at collar 0 and 0.25 s with its parts (pyannote.metrics,
inside the UEM, overlap scored), JER, speakers found vs true, each reference speaker's talk time against
the hypothesis speaker mapped to it, and where a transcript exists cpWER and tcpWER (meeteval) of the
words (ASR run once per recording, words given to speakers on each pipeline's exclusive turns).

Selection: a pipeline's free parameter (the clustering threshold) is chosen on all groups but one (a
group: the recordings of one meeting or call; AMI excerpts that share people are one group) by the mean
DER c0.25 per recording, and scored on the group left out. Only those held-out figures vote.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
REAL = ROOT / "benchmarks" / "data" / "real"
# AMI excerpts that share people are one group (speaker ids are global): held out together
AMI_GROUPS = {"trn00": "ami-A", "trn01": "ami-A", "trn02": "ami-A", "trn03": "ami-A", "trn04": "ami-B",
              "trn05": "ami-C", "trn06": "ami-D", "trn09": "ami-D", "trn07": "ami-E", "trn08": "ami-E",
              "dev00": "ami-F", "dev01": "ami-F",
              # SpokenWOZ dialogues of the same two people (benchmarks/voices.py: each party 0.84-0.91 with its
              # counterpart under CAM++, other calls' people under 0.62)
              "swoz_MUL1423": "call-swoz-pairA", "swoz_SNG1640": "call-swoz-pairA"}


def group_of(uri: str) -> str:
    """The recordings held out together: one meeting's (or one pair of people's) recordings."""
    short = uri.removeprefix("ami_")
    return AMI_GROUPS.get(short, AMI_GROUPS.get(uri, f"call-{uri}"))


def manifest(tmp: Path) -> pd.DataFrame:
    """uri, group, kind, audio (16 kHz mono), rttm, uem, stm: the real recordings present here."""
    rows = []
    ami = SHARED / "ami"
    for wav in sorted(ami.glob("trn0[1-9].wav")):
        rows.append(dict(uri=wav.stem, group=AMI_GROUPS[wav.stem], kind="meeting", audio=wav,
                         rttm=ami / "debug.train.rttm", uem=ami / "debug.train.uem", stm=None))
    call = SHARED / "call"
    rows.append(dict(uri="sample", group="call-sample", kind="call", audio=call / "sample.wav",
                     rttm=call / "sample.rttm", uem=None, stm=call / "sample.stm"))
    woz = call / "spokenwoz_MUL1011"
    if (woz / "MUL1011.opus").exists():
        mono = tmp / "MUL1011.wav"
        if not mono.exists():
            import subprocess

            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(woz / "MUL1011.opus"), "-ac", "1",
                            "-ar", "16000", str(mono)], check=True)
        rows.append(dict(uri="MUL1011", group="call-MUL1011", kind="call", audio=mono,
                         rttm=woz / "MUL1011.channels.rttm", uem=None, stm=None))
    if (REAL / "manifest.csv").exists():
        for r in pd.read_csv(REAL / "manifest.csv").itertuples():
            if not (REAL / r.audio).exists():
                continue
            rows.append(dict(uri=r.uri, group=group_of(r.uri),
                             kind="meeting" if r.uri.startswith("ami") else "call", audio=REAL / r.audio,
                             rttm=REAL / r.rttm, uem=REAL / r.uem if isinstance(r.uem, str) else None,
                             stm=REAL / r.stm if isinstance(r.stm, str) else None))
    return pd.DataFrame(rows)


def reference(row):
    from pyannote.core import Segment, Timeline
    from pyannote.database.util import load_rttm, load_uem

    refs = load_rttm(row.rttm)
    ref = refs[row.uri] if row.uri in refs else next(iter(refs.values()))
    if row.uem is not None:
        uems = load_uem(row.uem)
        uem = uems[row.uri] if row.uri in uems else next(iter(uems.values()))
    else:
        uem = Timeline([Segment(0, float(ref.get_timeline().extent().end) + 1.0)])
    return ref, uem


def talk_time_errors(ref, hyp, uem) -> float:
    """The largest relative error of a reference speaker's talk time against the hypothesis speaker mapped
    to it (pyannote's optimal mapping; an unmapped speaker: -100 %)."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    mapping = DiarizationErrorRate().optimal_mapping(ref, hyp, uem=uem)  # hyp label -> ref label
    back = {r: h for h, r in mapping.items()}
    ref, hyp = ref.crop(uem), hyp.crop(uem)
    errors = [(hyp.label_duration(back[r]) if r in back else 0.0) / ref.label_duration(r) - 1
              for r in ref.labels() if ref.label_duration(r) > 0]
    return float(max(errors, key=abs)) if errors else 0.0


def word_errors(stm, words, speakers_of) -> dict:
    """cpWER and tcpWER (meeteval; collar 5 s: the calls' reference word times are spread over each turn)
    of ``words`` given to speakers by ``speakers_of``."""
    from meeting_analytics.evaluation.metrics import speaker_word_errors

    ref = [(r.speaker, r.start, r.end, r.text) for r in stm.itertuples()]
    hyp = [(s, w.start, w.end, w.text) for w, s in zip(words, speakers_of)]
    return speaker_word_errors(ref, hyp, collar=5.0)


def run(args) -> pd.DataFrame:
    import torch

    from meeting_analytics.audio import load_audio
    from meeting_analytics.evaluation.metrics import diarization_error, read_stm, turns_annotation
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.pipeline import Pipeline
    from meeting_analytics.stages.assign import assign_speakers
    from meeting_analytics.stages.diarize import Diarizer, _annotation_to_turns
    from meeting_analytics.stages.lean import quiet_libraries

    quiet_libraries()
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    files = manifest(tmp)
    print(files[["uri", "group", "kind"]].to_string(index=False), flush=True)
    asr = Pipeline(PipelineOptions(diarize=False, verbatim=False)) if args.words else None
    words = {}
    for row in files.itertuples():
        if asr is not None and row.stm is not None:
            words[row.uri] = asr(row.audio).words
    grid = [(float(t), int(m)) for t in args.thresholds.split(",") for m in args.min_cluster_sizes.split(",")]
    rows = []
    for name in args.pipelines.split(","):
        diarizer = Diarizer(name)
        pipeline = diarizer.pipeline
        pipeline.training = True  # segmentation and embeddings cached per file across thresholds
        base = pipeline.parameters(instantiated=True)
        for row in files.itertuples():
            audio = load_audio(row.audio)
            ref, uem = reference(row)
            f = {"waveform": torch.from_numpy(audio)[None], "sample_rate": 16000, "uri": row.uri}
            t0 = time.perf_counter()
            for thr, mcs in grid:
                params = {**base, "clustering": {**base["clustering"], "threshold": thr, "min_cluster_size": mcs}}
                pipeline.instantiate(params)
                out = pipeline(f)
                hyp = out.speaker_diarization
                hyp.uri = ref.uri
                r = dict(pipeline=name, threshold=thr, min_cluster_size=mcs, uri=row.uri, group=row.group,
                         kind=row.kind, n_ref=len(ref.crop(uem).labels()), n_hyp=len(hyp.crop(uem).labels()),
                         talk_time_error=talk_time_errors(ref, hyp, uem))
                for c in (0.0, 0.25):
                    d = diarization_error(ref, hyp, uem=uem, collar=c)
                    r.update({f"{k}@{c}": d[k] for k in ("der", "jer", "missed", "false_alarm", "confusion",
                                                          "scored_time")})
                if row.uri in words:
                    turns = _annotation_to_turns(out.exclusive_speaker_diarization)
                    given = assign_speakers(words[row.uri], turns)
                    r.update(word_errors(read_stm(row.stm), given, [w.speaker for w in given]))
                rows.append(r)
            print(f"{name} {row.uri}: {len(grid)} settings in {time.perf_counter() - t0:.1f} s", flush=True)
        pipeline.training = False
        del diarizer, pipeline
    _ = turns_annotation  # the same annotations as the product's (imported for the reader)
    return pd.DataFrame(rows)


FREE = ["threshold", "min_cluster_size"]  # the clustering's free parameters, chosen per fold


def held_out(frame: pd.DataFrame) -> pd.DataFrame:
    """Per pipeline and recording: the row at the setting chosen on every other group (ties: the first)."""
    out = []
    for _, sub in frame.groupby("pipeline"):
        for group in sub.group.unique():
            train = sub[sub.group != group].groupby(FREE)["der@0.25"].mean()
            thr, mcs = train.idxmin()
            out.append(sub[(sub.group == group) & (sub.threshold == thr) & (sub.min_cluster_size == mcs)])
    return pd.concat(out)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    def agg(g):
        t = g["scored_time@0.0"].sum()
        res = {"recordings": len(g), "mean DER c0": g["der@0.0"].mean(), "mean DER c0.25": g["der@0.25"].mean(),
               "total DER c0": (g["der@0.0"] * g["scored_time@0.0"]).sum() / t,
               "total DER c0.25": (g["der@0.25"] * g["scored_time@0.25"]).sum() / g["scored_time@0.25"].sum(),
               "JER c0": g["jer@0.0"].mean(), "count exact": f"{int((g.n_ref == g.n_hyp).sum())} of {len(g)}",
               "worst talk-time error": g["talk_time_error"].abs().max()}
        for k in ("missed", "false_alarm", "confusion"):
            res[f"{k} c0"] = (g[f"{k}@0.0"] * g["scored_time@0.0"]).sum() / t
        if "cpwer" in g and g["cpwer"].notna().any():
            res["cpWER"] = g["cpwer"].mean()
            res["tcpWER"] = g["tcpwer"].mean()
        return pd.Series(res)

    return frame.groupby("pipeline").apply(agg, include_groups=False)


def report(frame: pd.DataFrame) -> None:
    pd.set_option("display.width", 220)
    pd.set_option("display.max_columns", 30)
    frame = frame.assign(group=frame.uri.map(group_of))  # as grouped now (a CSV keeps the run's groups)
    if "min_cluster_size" not in frame:  # a first run's CSV: each pipeline's shipped value
        frame["min_cluster_size"] = frame.pipeline.map({"offline-ge2e": 10}).fillna(1).astype(int)
    cv = held_out(frame)
    print("\nHeld out by recording group (threshold chosen on the others), per pipeline:")
    print(summary(cv).round(4).to_string())
    print("\nSetting chosen per held-out group (threshold / min_cluster_size):")
    chosen = cv.assign(setting=cv.threshold.astype(str) + " / " + cv.min_cluster_size.astype(str))
    print(chosen.groupby(["pipeline", "group"]).setting.first().unstack(0).to_string())
    for kind in ("meeting", "call"):
        print(f"\n{kind}s only (held out):")
        print(summary(cv[cv.kind == kind]).round(4).to_string())
    print("\nPer recording, held out:")
    cols = ["pipeline", "uri", "threshold", "min_cluster_size", "n_ref", "n_hyp", "der@0.0", "der@0.25", "jer@0.0",
            "missed@0.0", "false_alarm@0.0", "confusion@0.0", "talk_time_error"]
    cols += [c for c in ("cpwer", "tcpwer") if c in cv]
    print(cv[cols].sort_values(["uri", "pipeline"]).round(4).to_string(index=False))
    best = {name: sub.groupby(FREE)["der@0.25"].mean().idxmin() for name, sub in frame.groupby("pipeline")}
    print("\nSetting on all recordings (threshold, min_cluster_size), per pipeline:", best)


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out", default="benchmarks/results/real_speech.csv")
    ap.add_argument("--pipelines", default="offline-ge2e,offline-campplus,offline-campplus-seg3")
    ap.add_argument("--thresholds", default="0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7")
    ap.add_argument("--min_cluster_sizes", default="1,5,10,20",
                    help="pyannote's min_cluster_size: clusters of fewer embeddings go to the nearest large one")
    ap.add_argument("--tmp", default="/tmp/real_speech")
    ap.add_argument("--no_words", dest="words", action="store_false", help="skip ASR, cpWER and tcpWER")
    ap.add_argument("--report_only", action="store_true", help="re-print the report of an existing --out CSV")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if not args.report_only:
        frame = run(args)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.out, index=False)
    report(pd.read_csv(args.out))
    _ = np


if __name__ == "__main__":
    main()
