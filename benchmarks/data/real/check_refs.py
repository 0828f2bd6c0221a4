#!/usr/bin/env python3
"""Sanity checks of the recordings in this folder against their references.

For each row of manifest.csv: the audio's duration (ffprobe), that every RTTM turn lies inside
the audio (and the UEM), the number of speakers, speech and overlap time, and the audio level
inside the reference's speech versus outside it (a reference that is shifted or belongs to
another file shows little difference). For stereo files with one party per channel it also
gives, per speaker, the level of each channel during that speaker's solo turns: the speaker's
own channel should be far louder.

    python check_refs.py            # prints one block per recording, exits 1 on a hard error

Needs numpy and ffmpeg/ffprobe only.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RATE = 16000


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["format"]["duration"])


def decode(path: Path, mono: bool) -> np.ndarray:
    n = 1 if mono else 2
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-f", "f32le", "-ar", str(RATE), "-ac", str(n), "-"]
    x = np.frombuffer(subprocess.run(cmd, check=True, capture_output=True).stdout, dtype="<f4")
    return x.reshape(-1, n).T


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            rows.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return rows


def mask(rows, n, spk=None) -> np.ndarray:
    m = np.zeros(n, bool)
    for s, e, k in rows:
        if spk is None or k == spk:
            m[int(s * 100):int(e * 100)] = True
    return m


def frame_db(x: np.ndarray) -> np.ndarray:
    hop = RATE // 100
    n = len(x) // hop
    p = (x[: n * hop].astype(np.float64) ** 2).reshape(n, hop).mean(axis=1)
    return 10 * np.log10(p + 1e-12)


def main() -> int:
    bad = 0
    with open(HERE / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        uri = r["uri"]
        audio = HERE / r["audio"]
        dur = duration(audio)
        ref = read_rttm(HERE / r["rttm"])
        uem_end = dur
        if r["uem"]:
            uem_end = float((HERE / r["uem"]).read_text().split()[3])
        spk = sorted({k for _, _, k in ref})
        n = int(dur * 100)
        speech = mask(ref, n)
        counts = sum(mask(ref, n, k).astype(int) for k in spk)
        late = [t for t in ref if t[1] > min(dur, uem_end) + 0.02 or t[0] < 0]
        db = frame_db(decode(audio, True)[0])[:n]
        m = min(len(db), len(speech))
        inside, outside = np.median(db[:m][speech[:m]]), np.median(db[:m][~speech[:m]])
        print(f"{uri}: {dur:.2f} s, {len(spk)} speakers {spk}, {len(ref)} turns, speech {speech.mean() * dur:.1f} s, "
              f"overlap {(counts > 1).mean() * dur:.1f} s; median level in speech {inside:.1f} dB, "
              f"outside {outside:.1f} dB")
        if late:
            print(f"  ERROR: {len(late)} turns outside the audio/UEM, e.g. {late[0]}")
            bad += 1
        if r["stereo"]:
            st = decode(HERE / r["stereo"], False)
            chdb = [frame_db(st[c])[:n] for c in range(2)]
            for k in spk:
                solo = mask(ref, n, k) & (counts == 1)
                solo = solo[: len(chdb[0])]
                lv = [np.median(c[: len(solo)][solo]) for c in chdb]
                print(f"  {k}: solo {solo.mean() * dur:.1f} s; median L {lv[0]:.1f} dB, R {lv[1]:.1f} dB")
        if r["stm"]:
            lines = (HERE / r["stm"]).read_text().splitlines()
            stm = [ln.split(maxsplit=5) for ln in lines if ln and not ln.startswith(";;")]
            sspk = sorted({x[2] for x in stm})
            words = sum(len(x[5].split()) for x in stm if len(x) > 5)
            print(f"  stm: {len(stm)} segments, speakers {sspk}, {words} words, last end {float(stm[-1][4]):.2f} s")
            if not set(sspk) <= set(spk):
                print("  ERROR: stm speakers not in the rttm")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
