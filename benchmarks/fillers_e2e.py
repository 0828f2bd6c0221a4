"""Filler detection end to end on synthetic meetings with known fillers: with and without the
verbatim prompt, on the default model.

    python benchmarks/fillers_e2e.py --seeds 0,1,2,3 [--model tiny.en]

Each meeting: 2 espeak-ng speakers, ~60 s, fillers (um, uh, like, you know) inserted at random.
Transcribed + diarized by the default pipeline, then `analyze`; found fillers are matched to the
inserted ones by speaker (after mapping diarized speakers to true ones) and start time (±1 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.analytics import analyze  # noqa: E402
from meeting_analytics.prompts import VERBATIM_PROMPT_EN  # noqa: E402
from meeting_analytics.evaluation.metrics import filler_scores, speaker_attribution  # noqa: E402
from meeting_analytics.pipeline import Pipeline, PipelineOptions  # noqa: E402
from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav  # noqa: E402
from meeting_analytics.stages.asr import ASROptions  # noqa: E402


def run(seeds, model, duration=60.0, phrases=False):
    rows = []
    pipes = {name: Pipeline(PipelineOptions(asr=ASROptions(model=model, initial_prompt=prompt)))
             for name, prompt in (("no prompt", None), ("verbatim prompt", VERBATIM_PROMPT_EN))}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            m = synthesize_meeting(2, duration, seed=seed, filler_rate=0.15, phrases=phrases)
            wav = write_wav(Path(tmp) / f"m{seed}.wav", m.audio)
            truth = m.filler_occurrences()
            for name, pipe in pipes.items():
                t = pipe(wav, num_speakers=2)
                _, mapping = speaker_attribution(m.transcript().words, t.words)
                scores = filler_scores(truth, analyze(t).fillers, mapping)
                rows.append(scores.assign(seed=seed, setting=name))
    return pd.concat(rows, ignore_index=True)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame.groupby("setting")[["truth", "found", "matched"]].sum()
    g["precision"] = g.matched / g.found
    g["recall"] = g.matched / g.truth
    g["f1"] = 2 * g.precision * g.recall / (g.precision + g.recall)
    per_speaker = frame.groupby("setting")[["precision", "recall"]].min().add_prefix("worst_speaker_")
    return g.join(per_speaker)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--phrases", action="store_true", help="speak runs of words in one breath (natural prosody)")
    ap.add_argument("--out", default="benchmarks/results/fillers_e2e.csv")
    args = ap.parse_args()
    frame = run([int(s) for s in args.seeds.split(",")], args.model, args.duration, args.phrases)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(frame.round(3).to_string(index=False))
    print(summary(frame).round(3).to_string())
