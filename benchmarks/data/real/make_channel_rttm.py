#!/usr/bin/env python3
"""Who spoke when, from a recording that has one party per channel.

The reference for the SpokenWOZ calls (and for MUL1011 in shared/data/call) is made from each
channel's energy, not by a person:

1. decode the file with ffmpeg to 16 kHz float, keeping the channels (optionally only the excerpt
   [--start, --end), so the times are relative to the excerpt);
2. per channel, the power of 10 ms frames, smoothed with a 50 ms moving average, in dBFS;
3. a frame is speech where that level is above a fixed threshold (default -40 dBFS, chosen on
   MUL1011, whose channels are > 40 dB apart so cross-talk never crosses it);
4. gaps under 0.3 s are bridged, segments under 0.2 s dropped, 0.05 s of padding added each side.

Boundaries are good to about +-0.1 s; very short back-channels may be missing; a cough or a
line click above the threshold counts as speech. It is not a human annotation.

Usage:
    python make_channel_rttm.py CALL.wav --uri CALL [--labels spk_L,spk_R] [--start 0 --end 90]
        [--threshold-db -40] > CALL.rttm
    python make_channel_rttm.py CALL.wav --uri CALL --levels   # print per-channel level stats

Needs only numpy and the ffmpeg/ffprobe programs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np

RATE = 16000
FRAME = 0.010
SMOOTH_FRAMES = 5  # 50 ms
MIN_GAP = 0.3
MIN_SEG = 0.2
PAD = 0.05


def channels_of(path: str) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels",
         "-of", "json", path], check=True, capture_output=True, text=True).stdout
    return int(json.loads(out)["streams"][0]["channels"])


def decode(path: str, start: float | None, end: float | None) -> np.ndarray:
    """(channels, samples) float32 at 16 kHz."""
    n = channels_of(path)
    cmd = ["ffmpeg", "-v", "error", "-nostdin"]
    if start is not None:
        cmd += ["-ss", f"{start:.3f}"]
    if end is not None:
        cmd += ["-to", f"{end:.3f}"]
    cmd += ["-i", path, "-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(RATE), "-"]
    # -ss/-to before -i seek the input; -to is then an input time too.
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    x = np.frombuffer(raw, dtype="<f4")
    return x[: len(x) // n * n].reshape(-1, n).T.copy()


def level_db(x: np.ndarray) -> np.ndarray:
    hop = int(RATE * FRAME)
    m = len(x) // hop
    p = (x[: m * hop].astype(np.float64) ** 2).reshape(m, hop).mean(axis=1)
    k = np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES
    p = np.convolve(p, k, mode="same")
    return 10.0 * np.log10(p + 1e-12)


def segments(active: np.ndarray, total: float) -> list[tuple[float, float]]:
    segs: list[list[float]] = []
    i, m = 0, len(active)
    while i < m:
        if active[i]:
            j = i
            while j < m and active[j]:
                j += 1
            segs.append([i * FRAME, j * FRAME])
            i = j
        else:
            i += 1
    merged: list[list[float]] = []
    for s in segs:
        if merged and s[0] - merged[-1][1] < MIN_GAP:
            merged[-1][1] = s[1]
        else:
            merged.append(s)
    merged = [s for s in merged if s[1] - s[0] >= MIN_SEG]
    padded: list[list[float]] = []
    for s, e in merged:
        s, e = max(0.0, s - PAD), min(total, e + PAD)
        if padded and s <= padded[-1][1]:
            padded[-1][1] = max(padded[-1][1], e)
        else:
            padded.append([s, e])
    return [(s, e) for s, e in padded]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio")
    ap.add_argument("--uri", required=True)
    ap.add_argument("--labels", default=None, help="comma-separated, one per channel (default spk_L,spk_R,...)")
    ap.add_argument("--threshold-db", type=float, default=-40.0)
    ap.add_argument("--start", type=float, default=None)
    ap.add_argument("--end", type=float, default=None)
    ap.add_argument("--levels", action="store_true", help="print level statistics per channel and exit")
    a = ap.parse_args(argv)

    x = decode(a.audio, a.start, a.end)
    n = x.shape[0]
    labels = a.labels.split(",") if a.labels else (["spk_L", "spk_R"] if n == 2 else [f"spk_{i}" for i in range(n)])
    if len(labels) != n:
        ap.error(f"{n} channels but {len(labels)} labels")
    total = x.shape[1] / RATE
    rows = []
    for c in range(n):
        db = level_db(x[c])
        if a.levels:
            q = np.percentile(db, [5, 50, 95, 99])
            print(f"{labels[c]}: p5 {q[0]:.1f} p50 {q[1]:.1f} p95 {q[2]:.1f} p99 {q[3]:.1f} dBFS, "
                  f"{(db > a.threshold_db).mean() * 100:.1f}% of frames above {a.threshold_db} dB")
            continue
        for s, e in segments(db > a.threshold_db, total):
            rows.append((s, e, labels[c]))
    if a.levels:
        if n == 2:
            r = np.corrcoef(x[0], x[1])[0, 1]
            print(f"L/R correlation {r:.3f}; duration {total:.2f} s")
        return 0
    for s, e, lab in sorted(rows):
        sys.stdout.write(f"SPEAKER {a.uri} 1 {s:.2f} {e - s:.2f} <NA> <NA> {lab} <NA> <NA>\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
