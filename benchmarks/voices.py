"""Calibrate the known-voice thresholds (stages/voices.THRESHOLDS): same-speaker and different-speaker
cosine scores of an encoder's embeddings (CAM++ or GE2E), from real far-field meetings and a real phone call.

Units: every (AMI clip, speaker) with at least 1.5 s of speech where only that person talks (speaker
ids are global across the AMI excerpts, so one person heard in two clips is a same-speaker pair
across recordings, as enrolment then recognition is), and each call speaker's first and second half.

    python benchmarks/voices.py [--encoder campplus|ge2e] [--ami ../shared/data/ami] [--call data/call]

Prints the distributions and false accept / false reject rates per threshold; writes
benchmarks/results/voices_campplus.csv (GE2E: voices.csv), one row per pair.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from common import ROOT, parser
from meeting_analytics.audio import load_audio
from meeting_analytics.evaluation.metrics import read_rttm_turns
from meeting_analytics.stages.voices import Encoder, exclusive, speech_of


def units(ami: Path, call: Path, encoder: Encoder, min_seconds: float = 1.5) -> list[dict]:
    found = []
    by_uri = read_rttm_turns(ami / "debug.train.rttm")
    for uri in sorted(by_uri):
        wav = ami / f"{uri}.wav"
        if not wav.is_file():
            continue
        audio = load_audio(wav)
        for speaker in sorted({t.speaker for t in by_uri[uri]}):
            turns = exclusive(by_uri[uri], speaker)
            if sum(t.end - t.start for t in turns) >= min_seconds:
                found.append({"unit": f"{uri}/{speaker}", "person": person_id(speaker), "recording": uri,
                              "vector": encoder(speech_of(audio, turns))})
    found += halves("call", call / "sample.wav", call / "sample.rttm", encoder, min_seconds)
    real = ROOT / "benchmarks" / "data" / "real"  # more real recordings, where present (README there)
    if (real / "manifest.csv").exists():
        for r in pd.read_csv(real / "manifest.csv").itertuples():
            if not (real / r.audio).exists():
                continue
            if r.uri.startswith("ami_"):  # AMI speaker ids are global: units as for the excerpts above
                audio = load_audio(real / r.audio)
                turns = next(iter(read_rttm_turns(real / r.rttm).values()))
                for speaker in sorted({t.speaker for t in turns}):
                    ex = exclusive(turns, speaker)
                    if sum(t.end - t.start for t in ex) >= min_seconds:
                        found.append({"unit": f"{r.uri}/{speaker}", "person": person_id(speaker), "recording": r.uri,
                                      "vector": encoder(speech_of(audio, ex))})
            else:  # a call: each party's first and second half; SpokenWOZ calls by one pair of people share a name
                found += halves(CALL_PEOPLE.get(r.uri, r.uri), real / r.audio, real / r.rttm, encoder, min_seconds,
                                recording=r.uri)
    return found


def person_id(speaker: str) -> str:
    """AMI's global speaker id without accents (pyannote's RTTMs spell MEO069 both ways)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", speaker) if not unicodedata.combining(c))


# SpokenWOZ dialogues recorded by the same two people (each party scores 0.84-0.91 with its counterpart in the
# other call under CAM++, where other calls' people score under 0.62): one pair of people, not four
CALL_PEOPLE = {"swoz_MUL1423": "swoz-pairA", "swoz_SNG1640": "swoz-pairA"}


def halves(name: str, wav: Path, rttm: Path, encoder: Encoder, min_seconds: float,
           recording: str | None = None) -> list[dict]:
    """Each speaker of one recording as two units, their speech in its first and its second half; ``name``
    names the people (``recording``: the recording, when it differs)."""
    audio = load_audio(wav)
    turns = next(iter(read_rttm_turns(rttm).values()))
    half = len(audio) / 16000 / 2
    found = []
    for speaker in sorted({t.speaker for t in turns}):
        ex = exclusive(turns, speaker)
        for part, sel in (("first", [t for t in ex if t.end <= half]), ("second", [t for t in ex if t.start >= half])):
            if sum(t.end - t.start for t in sel) >= min_seconds:
                found.append({"unit": f"{recording or name}-{part}/{speaker}", "person": f"{name}/{speaker}",
                              "recording": f"{recording or name}-{part}", "vector": encoder(speech_of(audio, sel))})
    return found


def synthetic_units(encoder: Encoder, meetings: int = 4, speakers: int = 5) -> list[dict]:
    """espeak-ng meetings (phrases, overlaps, noise): voice i is the same person in every meeting."""
    from meeting_analytics.evaluation.synth import synthesize_meeting

    found = []
    for seed in range(1, meetings + 1):
        m = synthesize_meeting(n_speakers=speakers, duration=45.0, seed=seed, phrases=True)
        for speaker in m.speakers:
            turns = exclusive(m.turns, speaker)
            if sum(t.end - t.start for t in turns) >= 1.5:
                found.append({"unit": f"synth{seed}/{speaker}", "person": f"voice/{speaker}",
                              "recording": f"synth{seed}", "vector": encoder(speech_of(m.audio, turns))})
    return found


def pairs_of(found: list[dict], corpus: str) -> list[dict]:
    return [{"corpus": corpus, "a": a["unit"], "b": b["unit"], "same": a["person"] == b["person"],
             "score": float(a["vector"] @ b["vector"])}
            for a, b in itertools.combinations(found, 2) if a["recording"] != b["recording"]]


def summary(pairs: pd.DataFrame, label: str, thresholds: np.ndarray) -> None:
    same, diff = pairs[pairs.same]["score"], pairs[~pairs.same]["score"]
    print(f"== {label}: {len(same)} same-speaker pairs, {len(diff)} different-speaker pairs (across recordings)")
    for name, s in (("same", same), ("different", diff)):
        print(f"{name:>9}: mean {s.mean():.3f}  sd {s.std():.3f}  min {s.min():.3f}  p5 {s.quantile(.05):.3f}  "
              f"p50 {s.median():.3f}  p95 {s.quantile(.95):.3f}  max {s.max():.3f}")
    print("threshold  false accept (different >= t)  false reject (same < t)")
    for t in thresholds:
        print(f"  {t:.3f}     {(diff >= t).mean():6.1%} ({int((diff >= t).sum())})"
              f"               {(same < t).mean():6.1%} ({int((same < t).sum())})")


def main() -> None:
    ap = parser(__doc__, data=True)
    ap.add_argument("--encoder", default="campplus", choices=("campplus", "ge2e"))
    args = ap.parse_args()
    from meeting_analytics.stages.diarize import packaged_embedding

    encoder = Encoder(packaged_embedding(args.encoder))
    thresholds = np.arange(0.70, 0.95, 0.025) if args.encoder == "ge2e" else np.arange(0.30, 0.80, 0.05)
    real = pd.DataFrame(pairs_of(units(Path(args.ami), Path(args.call), encoder), "real"))
    synth = pd.DataFrame(pairs_of(synthetic_units(encoder), "synthetic"))
    name = "voices.csv" if args.encoder == "ge2e" else f"voices_{args.encoder}.csv"  # voices.csv: GE2E's, as before
    pd.concat([real, synth]).to_csv(ROOT / "benchmarks" / "results" / name, index=False)
    summary(real, "real speech (AMI excerpts, the call)", thresholds)
    summary(synth, "synthetic (espeak-ng meetings)", thresholds)
    summary(pd.concat([real, synth]), "both", thresholds)


if __name__ == "__main__":
    main()
