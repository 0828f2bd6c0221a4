"""Analytics alone (no models) over a synthetic corpus: wall time and peak memory.

    python benchmarks/analytics_scale.py --words 10000000 --meeting_words 10000 --workers 2

Meetings of ``--meeting_words`` words with 2-6 speakers, utterances of 3-30 words drawn from a
vocabulary with fillers, questions and sentiment words, overlapping turns, are generated as
frames (numpy) in batches of ``--batch_words`` and saved as Parquet first (not timed: the corpus
is data at rest, as transcripts are). The timed part reads each batch and runs ``analyze_frames``,
the full analytics (fillers, talk dynamics, questions, VADER, topics with POS tags and lemmas,
sentiment timeline); ``--workers N`` splits the batches over N processes. Reports the wall time of
the timed part, the summed per-process times and the peak RSS of the largest process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.analytics.corpus import CorpusFrames, analyze_frames  # noqa: E402

VOCAB = np.array(("the we a to is and of price order invoice team release customer support billing great terrible "
                  "good problem thanks happy angry late account data plan project um uh like so well you know i "
                  "mean basically actually kind of right okay think said would could should not very but "
                  "dashboard contract server outage refund delivery").split(), dtype=object)


def meeting_frames(rng: np.random.Generator, name: str, n_words: int):
    n_speakers = int(rng.integers(2, 7))
    lengths = rng.integers(3, 31, size=n_words // 3 + 1)
    lengths = lengths[: int(np.searchsorted(np.cumsum(lengths), n_words)) + 1]
    n_utt, n = len(lengths), int(lengths.sum())
    speaker = np.array([f"S{i}" for i in range(n_speakers)], dtype=object)[rng.integers(n_speakers, size=n_utt)]
    duration = lengths * 0.35 - 0.05
    starts = np.r_[0.0, np.cumsum(duration + rng.uniform(-0.5, 1.5, n_utt))[:-1]] + 1.0
    starts = np.maximum.accumulate(starts)
    utt = np.repeat(np.arange(n_utt), lengths)
    pos = np.arange(n) - np.repeat(np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    start = starts[utt] + 0.35 * pos
    last = np.r_[utt[1:] != utt[:-1], True]
    suffix = np.where(last & (rng.random(n) < 0.15), "?", np.where(~last & (rng.random(n) < 0.08), ",", ""))
    text = VOCAB[rng.integers(len(VOCAB), size=n)] + suffix.astype(object)
    words = pd.DataFrame({"start": start, "end": start + 0.3, "text": text, "speaker": speaker[utt],
                          "probability": 0.9, "utterance": utt, "meeting": name})
    utext = pd.Series(text).groupby(utt).agg(" ".join).to_numpy()
    u_start, u_end = starts, starts + duration
    utterances = pd.DataFrame({"start": u_start, "end": u_end, "speaker": speaker, "text": utext,
                               "n_words": lengths, "first_word": np.r_[0, np.cumsum(lengths)[:-1]],
                               "last_word": np.cumsum(lengths), "meeting": name})
    turns = utterances[["start", "end", "speaker", "meeting"]]
    return words, utterances, turns, (name, float(u_end.max() + 1.0), "en")


def batch(seed: int, first: int, n_meetings: int, meeting_words: int) -> CorpusFrames:
    rng = np.random.default_rng(seed)
    parts = [meeting_frames(rng, f"m{first + i:06d}", meeting_words) for i in range(n_meetings)]
    cat = lambda k: pd.concat([p[k] for p in parts], ignore_index=True)  # noqa: E731
    return CorpusFrames(cat(0), cat(1), cat(2), pd.DataFrame([p[3] for p in parts],
                                                             columns=["meeting", "duration", "language"]))


PARTS = ("words", "utterances", "turns", "meetings")


def generate(job: tuple[int, int, int, int, str]) -> int:
    seed, first, n_meetings, meeting_words, out = job
    frames = batch(seed, first, n_meetings, meeting_words)
    for part in PARTS:
        getattr(frames, part).to_parquet(Path(out) / f"{seed}.{part}.parquet", index=False)
    return len(frames.words)


def run(job: tuple[int, int, int, int, str]) -> dict:
    seed, out = job[0], job[4]
    t0 = time.perf_counter()
    frames = CorpusFrames(*(pd.read_parquet(Path(out) / f"{seed}.{part}.parquet") for part in PARTS))
    t1 = time.perf_counter()
    report = analyze_frames(frames)
    t2 = time.perf_counter()
    return {"read": t1 - t0, "analyze": t2 - t1, "words": len(frames.words), "meetings": len(frames.meetings),
            "fillers": len(report.fillers), "speakers": len(report.speakers),
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def warm() -> None:
    """Load the tagger, WordNet and VADER once per process (not part of the per-word cost)."""
    analyze_frames(batch(0, 0, 1, 200))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=10_000_000)
    ap.add_argument("--meeting_words", type=int, default=10_000)
    ap.add_argument("--batch_words", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n_meetings = max(1, args.words // args.meeting_words)
    per_batch = max(1, args.batch_words // args.meeting_words)
    with tempfile.TemporaryDirectory(prefix="ma-corpus-") as out:
        jobs = [(args.seed + i, i * per_batch, min(per_batch, n_meetings - i * per_batch), args.meeting_words, out)
                for i in range((n_meetings + per_batch - 1) // per_batch)]
        g0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            list(pool.map(generate, jobs))
        generated = time.perf_counter() - g0
        with ProcessPoolExecutor(args.workers, initializer=warm) as pool:
            list(pool.map(time.sleep, [0.5] * args.workers))  # every worker warm before the clock starts
            t0 = time.perf_counter()
            results = list(pool.map(run, jobs))
            wall = time.perf_counter() - t0
    words = sum(r["words"] for r in results)
    print(f"meetings {sum(r['meetings'] for r in results):,}, words {words:,}, speakers "
          f"{sum(r['speakers'] for r in results):,}, fillers found {sum(r['fillers'] for r in results):,} "
          f"(corpus generated in {generated:.1f} s, not timed)")
    print(f"workers {args.workers}: analytics wall {wall:.1f} s ({words / wall:,.0f} words/s); per process summed: "
          f"read Parquet {sum(r['read'] for r in results):.1f} s, analyze {sum(r['analyze'] for r in results):.1f} s; "
          f"peak RSS per process {max(r['rss_mib'] for r in results):.0f} MiB")


if __name__ == "__main__":
    main()
