"""Known voices end to end on real recordings: every person enrolled from one recording, named in every other.

For each real recording of ``real_speech.py``'s manifest (AMI excerpts, the calls): the diarization
pipeline runs once; each reference person with at least 3 s of speech where only they talk is enrolled
from those stretches (as ``enroll`` does from a clean clip), and each diarized speaker gets the naming
encoder's embedding of its exclusive turns (as ``--profiles`` does). Then, for every ordered pair of
recordings (A, B), A's people are the profiles and B's speakers are named with the product's own rule
(``voices.match``: one-to-one, the encoder's threshold):

- a **same-person test** is a person enrolled from A with 3 s alone in B (AMI's global ids and the
  SpokenWOZ pair that shares its two people say who is who): the share of their speech in B under their
  own name (the issue's target: at least 90 %), and under another enrolled name (at most 5 %);
- a **wrong naming** is a diarized speaker of B given the name of someone who is not the reference person
  holding most of that speaker's time (counted over every pair, same recording group or not).

    python benchmarks/known_voices.py                       # default diarization, CAM++ naming (the product)
    python benchmarks/known_voices.py --naming ge2e         # GE2E naming at its 0.82 (before)
    python benchmarks/known_voices.py --diarize_model offline-campplus

Writes benchmarks/results/known_voices.csv (one row per same-person test and per naming, for each
setting run); the diarization and embeddings of each setting are kept in out/known_voices/ so a rerun
with other thresholds (--thresholds) costs seconds.
"""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pandas as pd

from common import ROOT, parser
from real_speech import group_of, manifest
from voices import CALL_PEOPLE, person_id
from meeting_analytics.audio import load_audio
from meeting_analytics.evaluation.metrics import read_rttm_turns
from meeting_analytics.stages.voices import (THRESHOLDS, Encoder, VoiceProfile, exclusive, match, speaker_vectors,
                                             speech_of)
from meeting_analytics.transcript import Turn

CACHE = ROOT / "out" / "known_voices"
RESULTS = ROOT / "benchmarks" / "results" / "known_voices.csv"


def _overlap(a: list[Turn], b: list[Turn]) -> float:
    return sum(max(0.0, min(x.end, y.end) - max(x.start, y.start)) for x in a for y in b)


def recordings(diarize_model: str, naming: str) -> dict[str, dict]:
    """Per recording: its group, the enrolment vectors of its people (3 s alone), the diarized speakers'
    vectors and exclusive turns, each speaker's majority person, and the reference turns by person."""
    cache = CACHE / f"{diarize_model}-{naming}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.pipeline import make_diarizer
    from meeting_analytics.stages.diarize import packaged_embedding
    from meeting_analytics.stages.voices import naming_encoder

    diarizer = make_diarizer(PipelineOptions(diarize_model=diarize_model))
    encoder = naming_encoder(diarizer.encoder) if naming == "campplus" else Encoder(packaged_embedding("ge2e"))
    out = {}
    CACHE.mkdir(parents=True, exist_ok=True)
    for r in manifest(CACHE).itertuples():
        audio = load_audio(r.audio)
        refs = read_rttm_turns(r.rttm)
        ref = refs.get(r.uri) or refs.get(r.uri.removeprefix("ami_")) or next(iter(refs.values()))

        def person(speaker: str, r=r) -> str:
            return person_id(speaker) if r.kind == "meeting" else f"{CALL_PEOPLE.get(r.uri, r.uri)}/{speaker}"

        people = [Turn(t.start, t.end, person(t.speaker)) for t in ref]
        enrolled = {}
        for p in sorted({t.speaker for t in people}):
            alone = exclusive(people, p)
            if sum(t.end - t.start for t in alone) >= 3.0:
                enrolled[p] = encoder(speech_of(audio, alone))
        diarized = diarizer(audio)
        vectors = speaker_vectors(audio, diarized.exclusive, encoder)
        majority = {}
        for h in vectors:
            own = [t for t in diarized.exclusive if t.speaker == h]
            held = {p: _overlap(own, [t for t in people if t.speaker == p]) for p in {t.speaker for t in people}}
            majority[h] = max(held, key=held.__getitem__) if any(held.values()) else None
        out[r.uri] = dict(group=group_of(r.uri), enrolled=enrolled, vectors=vectors, majority=majority,
                          exclusive=diarized.exclusive, people=people)
        print(f"{r.uri}: enrolled {sorted(enrolled)}; speakers {majority}", flush=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def evaluate(data: dict[str, dict], threshold: float) -> tuple[list[dict], list[dict]]:
    """Same-person tests and namings over every ordered pair of recordings, with the product's rule."""
    tests, namings = [], []
    for a, b in itertools.permutations(data, 2):
        A, B = data[a], data[b]
        if not A["enrolled"] or not B["vectors"]:
            continue
        profiles = [VoiceProfile(name=p, embedding=list(map(float, v)), speech_seconds=0.0)
                    for p, v in A["enrolled"].items()]
        names = {m.speaker: m.name for m in match(B["vectors"], profiles, threshold)}
        for speaker, name in names.items():
            if name:
                namings.append(dict(enrolled_in=a, named_in=b, speaker=speaker, name=name,
                                    is_person=B["majority"][speaker], right=B["majority"][speaker] == name,
                                    same_group=A["group"] == B["group"]))
        for p in A["enrolled"]:
            alone = exclusive(B["people"], p)
            if sum(t.end - t.start for t in alone) < 3.0:
                continue
            heard = {h: _overlap(alone, [t for t in B["exclusive"] if t.speaker == h]) for h in names}
            total = sum(heard.values()) or 1.0
            tests.append(dict(enrolled_in=a, named_in=b, person=p,
                              own=sum(v for h, v in heard.items() if names[h] == p) / total,
                              other=sum(v for h, v in heard.items() if names[h] and names[h] != p) / total))
    return tests, namings


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--diarize_model", default="offline-ge2e")
    ap.add_argument("--naming", default="campplus", choices=("campplus", "ge2e"))
    ap.add_argument("--thresholds", default=None, help="comma-separated; default: the encoder's shipped threshold")
    args = ap.parse_args()
    data = recordings(args.diarize_model, args.naming)
    shipped = THRESHOLDS["campplus-3dspeaker" if args.naming == "campplus" else "resemblyzer-ge2e"]
    thresholds = [float(t) for t in args.thresholds.split(",")] if args.thresholds else [shipped]
    rows = []
    for threshold in thresholds:
        tests, namings = evaluate(data, threshold)
        t, n = pd.DataFrame(tests), pd.DataFrame(namings)
        wrong = n[~n.right] if len(n) else n
        print(f"\n== {args.diarize_model}, {args.naming} naming at {threshold:.2f}: {len(t)} same-person tests, "
              f"{int((t.own >= 0.9).sum())} named right on >= 90 %, {int((t.other > 0.05).sum())} with another "
              f"name on > 5 %; {len(wrong)} wrong namings of {len(n)}")
        print(t.round(2).to_string(index=False))
        if len(wrong):
            print(wrong.to_string(index=False))
        setting = dict(diarize_model=args.diarize_model, naming=args.naming, threshold=threshold)
        rows += [{**setting, "kind": "test", **r} for r in tests]
        rows += [{**setting, "kind": "naming", **r} for r in namings]
    new = pd.DataFrame(rows)
    if RESULTS.exists():  # keep the other settings' rows
        old = pd.read_csv(RESULTS)
        keep = ~((old.diarize_model == args.diarize_model) & (old.naming == args.naming)
                 & old.threshold.isin(thresholds))
        new = pd.concat([old[keep], new], ignore_index=True)
    new.to_csv(RESULTS, index=False)


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
