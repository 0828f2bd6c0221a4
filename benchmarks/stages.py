"""Where the time goes: stage breakdown of this project's pipeline over a set of files, one process.

    python benchmarks/stages.py data/speech/jfk.flac data/call/sample.wav ../shared/data/ami/trn0{1..9}.wav

Import (torch, whisperx, pyannote), model loading, then per file: VAD (whisperx's pyannote VAD),
ASR (faster-whisper decoding), word alignment, diarization and analytics, summed over the files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(files: list[str]) -> None:
    t0 = time.perf_counter()
    from meeting_analytics.analytics import analyze
    from meeting_analytics.audio import SAMPLE_RATE, load_audio
    from meeting_analytics.pipeline import Pipeline

    import whisperx  # noqa: F401  (imported by the pipeline anyway; timed here as start-up)

    imported = time.perf_counter() - t0
    pipe = Pipeline()
    totals = {"import": imported, **{f"load {k}": v for k, v in pipe.load_seconds.items()}}
    audio_s = 0.0
    for f in files:
        audio = load_audio(f)
        audio_s += len(audio) / SAMPLE_RATE
        t1 = time.perf_counter()
        transcript = pipe.run(audio, source=f)
        t2 = time.perf_counter()
        analyze(transcript)
        totals["analytics"] = totals.get("analytics", 0.0) + time.perf_counter() - t2
        for k, v in transcript.metadata["timings"].items():
            totals[k] = totals.get(k, 0.0) + v
        totals["other (decode, assign, utterances)"] = totals.get("other (decode, assign, utterances)", 0.0) + (
            t2 - t1 - sum(transcript.metadata["timings"].values()))
    order = ["import", "load asr", "load aligner", "load diarizer", "vad", "asr", "align", "diarize", "analytics",
             "other (decode, assign, utterances)"]
    frame = pd.DataFrame({"stage": order, "seconds": [round(totals.get(k, 0.0), 2) for k in order]})
    frame["share"] = (frame["seconds"] / frame["seconds"].sum() * 100).round(1)
    print(f"{len(files)} files, {audio_s:.1f} s of audio, total {frame['seconds'].sum():.1f} s")
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
