"""Peak memory and wall time on one long recording (transcribe + diarize + analyse, the batch's work),
and its DER against the truth it was built with.

    python benchmarks/long_file.py --minutes 60 [--keep DIR]

Builds a ``--minutes`` long file from the shipped call and the AMI excerpts in ../shared/data/ami
(real speech, their RTTM speaker labels) followed by 3-speaker synthetic meetings (exact truth; a
synthetic speaker is its espeak voice, so the same three voices recur all along), a second of
silence between pieces, then runs ``meeting-analytics analyze`` on it under ``/usr/bin/time -v`` and
scores the speaker turns of the transcript it writes (whole file, overlap scored). ``--keep DIR`` keeps long.wav,
long.rttm and the output there (``benchmarks/gpu_diarization.py`` reads the first two).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser, timed_run, whole_file_der  # noqa: E402

from meeting_analytics.audio import SAMPLE_RATE, load_audio  # noqa: E402
from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav  # noqa: E402
from meeting_analytics.report.writers import rttm  # noqa: E402
from meeting_analytics.transcript import Turn  # noqa: E402


def real_pieces() -> list[tuple[np.ndarray, list[Turn]]]:
    """The call and the AMI excerpts with their reference turns (labels as their RTTM gives them)."""
    from functools import cache

    from pyannote.database.util import load_rttm

    load = cache(load_rttm)  # the nine AMI excerpts share one RTTM
    sources = [(ROOT / "data" / "call" / "sample.wav", ROOT / "data" / "call" / "sample.rttm")]
    ami = ROOT.parent / "shared" / "data" / "ami"
    sources += [(wav, ami / "debug.train.rttm") for wav in sorted(ami.glob("trn0*.wav"))]
    pieces = []
    for wav, reference in sources:
        ref = load(reference)[wav.stem]
        turns = [Turn(s.start, s.end, str(label)) for s, _, label in ref.itertracks(yield_label=True)]
        pieces.append((load_audio(wav), turns))
    return pieces


def build(minutes: float, path: Path) -> float:
    """Write the long file to ``path`` and its truth to ``path.with_suffix('.rttm')``."""
    pieces = real_pieces()
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    total, seed, out, truth = 0, 0, [], []
    while total < minutes * 60 * SAMPLE_RATE:
        if seed < len(pieces):
            audio, turns = pieces[seed]
        else:
            meeting = synthesize_meeting(3, 120.0, seed=seed, phrases=True)
            audio, turns = meeting.audio, [Turn(t.start, t.end, f"synth-{t.speaker}") for t in meeting.turns]
        offset = total / SAMPLE_RATE
        truth += [Turn(t.start + offset, t.end + offset, t.speaker) for t in turns]
        out += [audio.astype(np.float32), gap]
        total += len(audio) + len(gap)
        seed += 1
    audio = np.concatenate(out)
    write_wav(path, audio / max(1e-9, float(np.abs(audio).max())) * 0.7)
    path.with_suffix(".rttm").write_text(rttm(truth, path.stem))
    return len(audio) / SAMPLE_RATE


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--diarize_model", help="a packaged pipeline (offline-campplus, ...); default: the shipped one")
    ap.add_argument("--keep", help="a directory to keep the audio, its truth and the output in")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ma-long-") as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        wav = work / "long.wav"
        seconds = build(args.minutes, wav)
        done, wall, rss = timed_run([sys.executable, "-m", "meeting_analytics.cli", "analyze", str(wav),
                                     "-o", str(work / "out"), "--no_html", "-q",
                                     *(["--diarize_model", args.diarize_model] if args.diarize_model else [])])
        print(f"audio {seconds / 60:.1f} min, exit {done.returncode}, wall {wall // 60:.0f} min {wall % 60:.0f} s "
              f"(RTF {wall / seconds:.2f}), peak RSS {rss:.0f} MiB")
        if done.returncode:
            print(done.stderr[-2000:])
            return
        from meeting_analytics.transcript import Transcript

        d = whole_file_der(wav.with_suffix(".rttm"), Transcript.load(work / "out" / "long.json").turns, seconds)
        print(f"DER {d['der_c0.0']:.2%} (collar 0) / {d['der_c0.25']:.2%} (collar 0.25), "
              f"speakers {d['speakers_found']} found / {d['speakers_true']} true")


if __name__ == "__main__":
    main()
