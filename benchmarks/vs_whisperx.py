"""This project's CLI and the whisperx CLI side by side, same files, same model, same compute type,
diarization on, one process per run (models loaded inside), in one run of this script.

    python benchmarks/vs_whisperx.py data/speech/jfk.flac data/call/sample.wav ../shared/data/ami/trn0{1..9}.wav --threads 1,2

whisperx runs offline on the same CTranslate2 model directory and, through its --diarize_model flag,
on this project's offline pyannote pipeline (config.yaml); its wav2vec2 alignment needs weights that
no package ships, so it runs with --no_align (word timing is then ours alone: a cost whisperx skips).
Peak RSS from GNU time.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
BIN = Path(sys.executable).parent

from cli_cost import duration, timed  # noqa: E402


def main(files: list[str], threads: list[int]) -> None:
    from meeting_analytics.diarize import OFFLINE_CONFIG
    from meeting_analytics.weights import resolve_whisper

    model = resolve_whisper("tiny.en").path
    rows = []
    with tempfile.TemporaryDirectory() as out:
        runs = []
        for n in threads:
            runs.append((f"meeting-analytics transcribe --threads {n}",
                         [str(BIN / "meeting-analytics"), "transcribe", *files, "-o", f"{out}/ours{n}", "-q",
                          "--compute_type", "int8", "--threads", str(n)]))
            runs.append((f"whisperx --no_align --threads {n}",
                         [str(BIN / "whisperx"), *files, "--model", model, "--compute_type", "int8", "--language",
                          "en", "--no_align", "--diarize", "--diarize_model", str(OFFLINE_CONFIG), "--output_dir",
                          f"{out}/wx{n}", "--output_format", "json", "--threads", str(n)]))
        audio = sum(duration(f) for f in files)
        for name, cmd in runs:
            wall, rss = timed(cmd)
            rows.append({"tool": name, "files": len(files), "audio_s": round(audio, 1), "wall_s": round(wall, 1),
                         "rtf": round(wall / audio, 3), "peak_rss_mib": round(rss)})
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False))
    for i in range(0, len(frame), 2):
        print(f"{frame.tool[i]} / {frame.tool[i + 1]}: wall {frame.wall_s[i] / frame.wall_s[i + 1]:.2f}")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threads", default="1,2", help="thread settings to run both tools with (comma-separated)")
    args = ap.parse_args()
    main(args.files, [int(t) for t in args.threads.split(",")])
