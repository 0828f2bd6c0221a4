"""This project's CLI and the whisperx CLI side by side, same files, same model, same compute type,
diarization on, one process per run (models loaded inside), in one run of this script.

    python benchmarks/vs_whisperx.py data/speech/jfk.flac ../shared/data/call/sample.wav \
        ../shared/data/ami/trn0{1..9}.wav --threads 1,2 --synthetic 4 --repeat 3

Accuracy for both from the same run, pooled over all files and per group: WER (Whisper English
normalisation) on the files with a reference text (jfk, the call's STM, the synthetic truth), DER at a
0.25 s collar on those with reference turns (AMI RTTM, the call's RTTM, the synthetic truth);
whisperx's turns are its speaker-labelled segments.

whisperx runs offline on the same CTranslate2 model directory and, through its --diarize_model flag,
on this project's offline pyannote pipeline (stages/diarization/offline-ge2e.yaml); its wav2vec2 alignment needs
weights that no package ships, so it runs with --no_align (word timing is then ours alone: a cost whisperx skips).
Peak RSS from GNU time (the largest over ``--repeat`` rounds); wall time the median of the rounds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
BIN = Path(sys.executable).parent

from cli_cost import duration, timed  # noqa: E402


JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def references(files: list[str], synthetic: int, tmp: str) -> tuple[list[str], dict, dict]:
    """Files plus ``synthetic`` synthetic meetings; reference texts and speaker turns by file stem."""
    from pyannote.database.util import load_rttm

    from meeting_analytics.evaluation.metrics import read_stm, turns_annotation
    from meeting_analytics.evaluation.synth import synthesize_meeting, write_meeting

    texts, turns = {}, {}
    for f in files:
        stem, p = Path(f).stem, Path(f)
        if stem == "jfk":
            texts[stem] = JFK
        for rttm in (p.with_suffix(".rttm"), p.parent / "debug.train.rttm"):
            if rttm.exists() and stem in load_rttm(rttm):
                turns[stem] = load_rttm(rttm)[stem]
                break
        if p.with_suffix(".stm").exists():
            stm = read_stm(p.with_suffix(".stm"))
            texts[stem] = " ".join(stm[stm["file"] == stem]["text"])
    for seed in range(synthetic):
        stem = f"synthetic{seed}"
        m = synthesize_meeting(3 if seed % 2 else 2, 60.0, seed=300 + seed, phrases=True)
        files.append(str(write_meeting(m, tmp, stem)["wav"]))
        truth = m.transcript()
        texts[stem] = " ".join(w.text for w in sorted(truth.words, key=lambda w: w.start))
        turns[stem] = turns_annotation(truth.turns, stem)
    return files, texts, turns


def group(stem: str) -> str:
    return "synthetic" if stem.startswith("synthetic") else "ami" if stem.startswith("trn") else stem


def accuracy(out_dir: str, texts: dict, turns: dict, ours: bool) -> dict:
    """Pooled WER over the files with reference text, DER (collar 0.25 s) over those with reference turns:
    over all of them and per group (jfk, the call ``sample``, AMI, synthetic)."""
    import json

    import jiwer
    from pyannote.metrics.diarization import DiarizationErrorRate

    from meeting_analytics.evaluation.metrics import normalize_english, turns_annotation
    from meeting_analytics.transcript import Transcript, Turn

    refs, hyps, ders = {}, {}, {}
    for stem in sorted(set(texts) | set(turns)):
        path = Path(out_dir) / f"{stem}.json"
        if ours:
            t = Transcript.load(path)
            text, hyp_turns = t.text, t.turns
        else:  # whisperx: speaker-labelled segments
            segs = json.loads(path.read_text())["segments"]
            text = " ".join(s["text"] for s in segs)
            hyp_turns = [Turn(s["start"], s["end"], s.get("speaker", "?")) for s in segs]
        for g in ("all", group(stem)):
            if stem in texts:
                refs.setdefault(g, []).append(normalize_english(texts[stem]))
                hyps.setdefault(g, []).append(normalize_english(text))
            if stem in turns:
                ders.setdefault(g, DiarizationErrorRate(collar=0.25))(turns[stem], turns_annotation(hyp_turns, stem))
    return {**{f"wer_{g}": round(jiwer.wer(refs[g], hyps[g]), 4) for g in refs},
            **{f"der_{g}": round(abs(d), 4) for g, d in ders.items()}}


def main(files: list[str], threads: list[int], synthetic: int = 0, repeat: int = 1) -> None:
    from meeting_analytics.stages.diarize import OFFLINE_CONFIG
    from meeting_analytics.weights import resolve_whisper

    model = resolve_whisper("tiny.en").path
    rows = []
    with tempfile.TemporaryDirectory() as out:
        files, texts, turns = references(list(files), synthetic, out)
        runs = [("meeting-analytics transcribe (defaults)",
                 [str(BIN / "meeting-analytics"), "transcribe", *files, "-o", f"{out}/ours", "-q",
                  "--compute_type", "int8"])]
        for n in threads:
            runs.append((f"whisperx --no_align --threads {n}",
                         [str(BIN / "whisperx"), *files, "--model", model, "--compute_type", "int8", "--language",
                          "en", "--no_align", "--diarize", "--diarize_model", str(OFFLINE_CONFIG), "--output_dir",
                          f"{out}/wx{n}", "--output_format", "json", "--threads", str(n)]))
        audio = sum(duration(f) for f in files)
        walls: dict[str, list[float]] = {name: [] for name, _ in runs}
        peaks: dict[str, float] = {}
        for _ in range(repeat):  # rounds interleave the tools, so a slow spell of the machine hits all of them
            for name, cmd in runs:
                wall, rss = timed(cmd)
                walls[name].append(round(wall, 1))
                peaks[name] = max(peaks.get(name, 0.0), rss)
        for name, cmd in runs:
            wall = statistics.median(walls[name])
            result_dir = cmd[cmd.index("-o") + 1] if "-o" in cmd else cmd[cmd.index("--output_dir") + 1]
            rows.append({"tool": name, "files": len(files), "audio_s": round(audio, 1), "wall_s": wall,
                         "walls_s": " ".join(map(str, walls[name])), "rtf": round(wall / audio, 3),
                         "peak_rss_mib": round(peaks[name]),
                         **accuracy(result_dir, texts, turns, ours=name.startswith("meeting-analytics"))})
    frame = pd.DataFrame(rows)
    print(frame.set_index("tool").T.to_string())
    for i in range(1, len(frame)):
        print(f"{frame.tool[0]} / {frame.tool[i]}: median wall {frame.wall_s[0] / frame.wall_s[i]:.2f} "
              f"({frame.wall_s[i] / frame.wall_s[0]:.2f}x faster)")

if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--threads", default="1,2", help="whisperx --threads settings to run (comma-separated); "
                    "this project runs once with its defaults")
    ap.add_argument("--synthetic", type=int, default=0, help="add this many 60 s synthetic meetings (2-3 speakers)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of every run, interleaved; the median wall is "
                    "reported (and every wall)")
    args = ap.parse_args()
    main(args.files, [int(t) for t in args.threads.split(",")], args.synthetic, args.repeat)
