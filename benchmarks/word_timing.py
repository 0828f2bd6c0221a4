"""Compare word-timing aligners by measured boundary error.

    python benchmarks/word_timing.py [--seeds 0,1,2] [--out benchmarks/results/word_timing.csv]

Two references:
- synthetic meetings (data/synthesize.py): every word boundary is known to the sample;
- jfk.flac: no word-level reference exists, so only boundaries at pauses are scored: the onset
  and offset of each stretch of speech found from the signal energy (8 dB over the noise floor,
  > 150 ms of silence between
  stretches) against the start of the first and the end of the last word inside it.

All aligners get the same ASR text (deterministic WhisperX decoding); errors are |hyp - ref| in ms
for words matched in order after Whisper-style normalisation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from meeting_analytics.stages.align import (EnergyTrimmedWhisperAligner, InterpolateAligner, WhisperAligner,  # noqa: E402
                                     energy_db)
from meeting_analytics.audio import SAMPLE_RATE, load_audio  # noqa: E402
from meeting_analytics.evaluation.metrics import word_boundary_errors  # noqa: E402
from meeting_analytics.evaluation.synth import synthesize_meeting  # noqa: E402
from meeting_analytics.stages.asr import ASROptions, Transcriber  # noqa: E402


def matched_errors(ref, hyp):
    """(start error, end error) in ms for reference/hypothesis words matched in order."""
    return [(s * 1000, e * 1000) for s, e in word_boundary_errors(ref, hyp)]


def speech_stretches(audio: np.ndarray, min_gap: float = 0.15, frame: float = 0.01) -> list[tuple[float, float]]:
    hop = int(frame * SAMPLE_RATE)
    db = energy_db(audio, hop=hop, win=hop)
    active = db > np.percentile(db, 10) + 8  # 8 dB over the noise floor
    stretches, start, silent = [], None, 0
    for i, on in enumerate(active):
        if on:
            start = i if start is None else start
            silent = 0
        elif start is not None:
            silent += 1
            if silent * frame >= min_gap:
                stretches.append((start * frame, (i - silent + 1) * frame))
                start, silent = None, 0
    if start is not None:
        stretches.append((start * frame, len(active) * frame))
    return stretches


def pause_errors(stretches, words):
    out = []
    for a, b in stretches:
        inside = [w for w in words if a - 0.3 <= (w.start + w.end) / 2 <= b + 0.3]
        if inside:
            out.append((abs(inside[0].start - a) * 1000, abs(inside[-1].end - b) * 1000))
    return out


def timed_words(asr, aligner, audio, reuse: bool):
    """Words from ``aligner`` on one ASR run; ``reuse``: align each batch with the ASR's own encoder output
    (as the pipeline does) instead of encoding the segments again."""
    words, align = [], None
    for batch in asr.batches(audio):
        align = align or aligner.bind(audio, batch.language)
        words += [w for ws in align(batch.segments, batch.encoder_output if reuse else None) for w in ws]
    return words


def variants(aligners):
    for aligner in aligners:
        yield aligner.name, aligner, False
        if isinstance(aligner, WhisperAligner):
            yield f"{aligner.name} (ASR encoder output)", aligner, True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--out", default="benchmarks/results/word_timing.csv")
    args = ap.parse_args()
    asr = Transcriber(ASROptions(model=args.model))
    aligners = [EnergyTrimmedWhisperAligner(asr.model), WhisperAligner(asr.model), InterpolateAligner()]
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        meeting = synthesize_meeting(2, 60.0, seed=seed)
        truth = sorted(meeting.transcript().words, key=lambda w: w.start)
        for name, aligner, reuse in variants(aligners):
            words = timed_words(asr, aligner, meeting.audio, reuse)
            rows += [dict(file=f"synthetic-seed{seed}", aligner=name, reference="all words",
                          start_ms=s, end_ms=e) for s, e in matched_errors(truth, words)]
    jfk = load_audio(ROOT / "data" / "speech" / "jfk.flac")
    stretches = speech_stretches(jfk)
    for name, aligner, reuse in variants(aligners):
        words = timed_words(asr, aligner, jfk, reuse)
        rows += [dict(file="jfk.flac", aligner=name, reference="pause boundaries", start_ms=s, end_ms=e)
                 for s, e in pause_errors(stretches, words)]
    frame = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    frame["synthetic"] = frame.file.str.startswith("synthetic")
    summary = frame.groupby(["synthetic", "aligner"]).agg(
        n=("start_ms", "size"), start_mean_ms=("start_ms", "mean"), start_median_ms=("start_ms", "median"),
        end_mean_ms=("end_ms", "mean"), end_median_ms=("end_ms", "median"),
        within_100ms=("start_ms", lambda s: float((s <= 100).mean())))
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
