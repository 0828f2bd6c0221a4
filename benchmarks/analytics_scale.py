"""Analytics alone (no models) over a synthetic corpus: wall time and peak memory.

    python benchmarks/analytics_scale.py --words 10000000 --meeting_words 10000

Builds transcripts in memory (2-6 speakers per meeting, utterances of 3-30 words drawn from a
vocabulary with fillers, questions and sentiment words), then runs ``analyze`` on every meeting.
Reports build and analyse times separately, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.analytics import analyze  # noqa: E402
from meeting_analytics.transcript import Transcript, Turn, Utterance, Word  # noqa: E402

VOCAB = ("the we a to is and of price order invoice team release customer support billing great terrible "
         "good problem thanks happy angry late account data plan project um uh like so well you know i mean "
         "basically actually kind of right okay think said would could should").split()


def meeting(rng: np.random.Generator, n_words: int) -> Transcript:
    n_speakers = int(rng.integers(2, 7))
    speakers = [f"S{i}" for i in range(n_speakers)]
    words, utterances, turns = [], [], []
    t = 0.0
    while len(words) < n_words:
        speaker = speakers[int(rng.integers(n_speakers))]
        n = int(rng.integers(3, 31))
        tokens = rng.choice(VOCAB, n)
        first = len(words)
        for k, tok in enumerate(tokens):
            text = str(tok) + ("?" if k == n - 1 and rng.random() < 0.15 else "," if rng.random() < 0.08 else "")
            words.append(Word(t, t + 0.3, text, speaker, 0.9))
            t += 0.35
        utterances.append(Utterance(words[first].start, words[-1].end, speaker,
                                    " ".join(w.text for w in words[first:]), first, len(words)))
        turns.append(Turn(words[first].start, words[-1].end, speaker))
        t += float(rng.uniform(-0.5, 1.5))
    return Transcript("en", t, speakers, words, utterances, turns)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--meeting_words", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n_meetings = max(1, args.words // args.meeting_words)
    build = analyse = 0.0
    total_words = fillers = 0
    for _ in range(n_meetings):
        t0 = time.perf_counter()
        t = meeting(rng, args.meeting_words)
        t1 = time.perf_counter()
        report = analyze(t)
        t2 = time.perf_counter()
        build += t1 - t0
        analyse += t2 - t1
        total_words += len(t.words)
        fillers += len(report.fillers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"meetings {n_meetings}, words {total_words:,}, fillers found {fillers:,}")
    print(f"build {build:.1f} s, analyze {analyse:.1f} s ({total_words / analyse:,.0f} words/s), peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
