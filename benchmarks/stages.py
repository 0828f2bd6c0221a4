"""Where the time goes: stage breakdown of this project's pipeline over a set of files, one process.

    python benchmarks/stages.py data/speech/jfk.flac ../shared/data/call/sample.wav ../shared/data/ami/trn0{1..9}.wav
    python benchmarks/stages.py --sequential ...   # stages one after another: shares add up to the wall time

Import (torch, whisperx, pyannote), model loading, then per file: the segmentation pass (pyannote
segmentation, shared by the VAD and diarization), VAD (binarising its scores; the whole VAD model
when nothing is shared), ASR (faster-whisper decoding), word alignment (on the ASR's encoder output),
diarization (embeddings and clustering), analytics, summed over the files. With parallel stages (the
default) diarization runs on a second thread during ASR and alignment, so the stage seconds add up
to more than the wall time; the last line gives the wall time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORDER = ["import", "load asr", "load aligner", "load diarizer", "segmentation", "vad", "asr", "align", "diarize",
         "analytics", "other (decode, assign, utterances)"]


def main(files: list[str], sequential: bool) -> None:
    t0 = time.perf_counter()
    from meeting_analytics.analytics import analyze
    from meeting_analytics.audio import SAMPLE_RATE, load_audio
    from meeting_analytics.pipeline import Pipeline, PipelineOptions
    from meeting_analytics.stages.lean import quiet_libraries

    import whisperx  # noqa: F401  (imported by the pipeline anyway; timed here as start-up)

    totals = {"import": time.perf_counter() - t0}
    quiet_libraries()  # this process runs only the pipeline, as the CLI's does
    pipe = Pipeline(PipelineOptions(parallel_stages=not sequential))
    totals |= {f"load {k}": v for k, v in pipe.load_seconds.items()}
    audio_s = 0.0
    for f in files:
        t1 = time.perf_counter()
        audio = load_audio(f)
        audio_s += len(audio) / SAMPLE_RATE
        transcript = pipe.run(audio, source=f)
        t2 = time.perf_counter()
        analyze(transcript)
        totals["analytics"] = totals.get("analytics", 0.0) + time.perf_counter() - t2
        timings = dict(transcript.info.timings)
        wall = timings.pop("wall")
        for k, v in timings.items():
            totals[k] = totals.get(k, 0.0) + v
        other = t2 - t1 - (sum(timings.values()) if sequential else wall)
        totals[ORDER[-1]] = totals.get(ORDER[-1], 0.0) + max(other, 0.0)
    frame = pd.DataFrame({"stage": ORDER, "seconds": [round(totals.get(k, 0.0), 2) for k in ORDER]})
    frame["share"] = (frame["seconds"] / frame["seconds"].sum() * 100).round(1)
    mode = "sequential stages" if sequential else "parallel stages (diarization beside ASR)"
    print(f"{len(files)} files, {audio_s:.1f} s of audio, {mode}")
    print(frame.to_string(index=False))
    print(f"stage seconds {frame['seconds'].sum():.1f}; wall {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--sequential", action="store_true", help="run the stages one after another")
    args = ap.parse_args()
    main(args.files, args.sequential)
