"""The diarization half (segmentation and GE2E embeddings in torch; clustering and reconstruction on
the CPU) on one device, after a one-minute warm-up: wall time per step, peak memory, DER against the truth,
turns written out.

    python benchmarks/gpu_diarization.py --audio long.wav --rttm long.rttm --device cuda \\
        --embedding_batch_size 32,128 [--segmentation seg.bin --embedding ge2e.pt] [--out DIR]

The audio is read with soundfile (WAV, FLAC, Ogg/Opus), so it runs where ffmpeg is not installed;
``--segmentation``/``--embedding`` give the checkpoints by path where the packages that ship them
(whisperx, Resemblyzer) are not. The ASR half is not measured here (see BENCHMARKS.md, GPU).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import parser, whole_file_der  # noqa: E402


class StepClock:
    """A pyannote hook: the wall time at which each step last reported, in order."""

    def __init__(self):
        self.start, self.last = time.perf_counter(), {}

    def __call__(self, step, artifact, file=None, total=None, completed=None):
        self.last[step] = time.perf_counter()

    def seconds(self, end: float) -> dict[str, float]:
        out, before = {}, self.start
        for step, at in self.last.items():
            out[step], before = round(at - before, 2), at
        out["exclusive_and_turns"] = round(end - before, 2)
        return out


def read(path: str):
    import numpy as np
    import soundfile as sf

    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    if sr != 16_000:
        raise SystemExit(f"{path}: {sr} Hz; this benchmark reads 16 kHz audio")
    return np.ascontiguousarray(audio.mean(axis=1))


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--rttm", help="the truth, for DER")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--embedding_batch_size", default="32", help="comma-separated; one run each")
    ap.add_argument("--segmentation_batch_size", type=int, default=None)
    ap.add_argument("--segmentation", help="pyannote/segmentation checkpoint (default: whisperx's)")
    ap.add_argument("--embedding", help="GE2E state dict (default: Resemblyzer's)")
    ap.add_argument("--out", help="write turns (RTTM) and figures (JSON lines) here")
    args = ap.parse_args()

    import torch

    from meeting_analytics.report.writers import rttm
    from meeting_analytics.stages.diarize import Diarizer
    from meeting_analytics.weights import resemblyzer_checkpoint, segmentation_checkpoint

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--device {args.device}: torch {torch.__version__} sees no CUDA device")
    audio = read(args.audio)
    minutes = len(audio) / 16_000 / 60
    t0 = time.perf_counter()
    diarizer = Diarizer.offline(args.segmentation or segmentation_checkpoint(),
                                args.embedding or resemblyzer_checkpoint(), device=args.device)
    print(f"{args.device}: {torch.cuda.get_device_name() if args.device.startswith('cuda') else 'cpu'}, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads; audio {minutes:.1f} min; pipeline loaded in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    if args.segmentation_batch_size:
        diarizer.pipeline.segmentation_batch_size = args.segmentation_batch_size
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    diarizer(audio[: 60 * 16_000])  # warm-up: kernels, thread pools and allocators, untimed
    for batch in [int(b) for b in args.embedding_batch_size.split(",")]:
        diarizer.pipeline.embedding_batch_size = batch
        if args.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
            torch.cuda.synchronize()
        clock = StepClock()
        turns = diarizer(audio, hook=clock).turns
        end = time.perf_counter()
        row = {"device": args.device, "embedding_batch_size": batch,
               "segmentation_batch_size": diarizer.pipeline.segmentation_batch_size,
               "audio_min": round(minutes, 2), "wall_s": round(end - clock.start, 1),
               "s_per_audio_min": round((end - clock.start) / minutes, 3), "steps_s": clock.seconds(end),
               "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
        if args.device.startswith("cuda"):
            row["peak_gpu_mib"] = round(torch.cuda.max_memory_allocated() / 2**20)
        if args.rttm:
            row.update(whole_file_der(args.rttm, turns, len(audio) / 16_000))
        print(json.dumps(row), flush=True)
        if out:
            with open(out / "gpu_diarization.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
            (out / f"turns_{args.device.replace(':', '')}_{batch}.rttm").write_text(rttm(turns, Path(args.audio).stem))


if __name__ == "__main__":
    main()
