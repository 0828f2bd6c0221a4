"""Damaged and odd recordings made at test time from the shipped ones (no binary fixture is committed):
truncated, bytes flipped in the header or anywhere, zero-filled, the wrong extension, text and HTML
named as audio, empty, too short, noise, clipped, NaN/Inf/huge float samples, six channels, 192 kHz,
8 kHz 8-bit, a WAV header claiming 4 GB, damaged FLAC frames, and directory entries a scan must skip
(a directory named ``x.wav``, a broken symlink, a symlink loop).

``make_cases(directory, seed)`` writes them and returns a ``Case`` each: its file, the kind (a row of
the table in BENCHMARKS.md), and for the named cases the exact outcome expected (``done`` with a
warning saying ``says``, ``failed`` with an error saying ``says``, or ``skipped`` by a directory scan).
Cases whose outcome depends on where the random bytes fell only have to end done or failed with one
specific line. ``python tests/damaged.py DIR`` writes them (``benchmarks/damaged_inputs.py`` runs them).
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
CALL, JFK, MP3 = DATA / "call" / "sample.wav", DATA / "speech" / "jfk.flac", DATA / "speech" / "hotwords.mp3"
SOURCES = {"wav": CALL, "flac": JFK, "mp3": MP3}
DIRECTORY_ENTRIES = ("x.wav", "broken-link.wav", "loop.wav")  # what a directory scan must list as skipped


@dataclass(frozen=True)
class Case:
    name: str                 # the file's name in the cases' directory (no two with the same stem)
    kind: str                 # the row of the kinds x outcome table
    expect: str | None = None  # done | failed | skipped; None: done or failed, either with one specific line
    says: str = ""            # in the warning (done), the error (failed) or the reason (skipped)
    words: bool = False       # done with words transcribed


def _pcm16(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wf:
        return np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2"), wf.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int, fmt: str = "int16", channels: int = 1) -> None:
    """A canonical 44-byte-header WAV: ``fmt`` int16, uint8 or float32 (IEEE float, format 3)."""
    kind, width, dtype = {"int16": (1, 2, "<i2"), "uint8": (1, 1, "u1"), "float32": (3, 4, "<f4")}[fmt]
    data = np.ascontiguousarray(samples, dtype=dtype).tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, kind, channels, rate, rate * channels * width, channels * width, 8 * width)
    path.write_bytes(header + b"data" + struct.pack("<I", len(data)) + data)


def _ffmpeg(src: Path, dst: Path, *args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), *args, str(dst)], check=True)


def _flip(data: bytes, count: int, rng: random.Random, start: int = 0, end: int | None = None) -> bytes:
    buf = bytearray(data)
    end = len(buf) if end is None else end
    for _ in range(count):
        i = rng.randrange(start, end)
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def make_cases(directory: str | Path, seed: int = 26) -> list[Case]:
    """Write every case into ``directory`` (created); the same seed writes the same bytes."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    raw = {ext: src.read_bytes() for ext, src in SOURCES.items()}
    call, rate = _pcm16(CALL)
    cases: list[Case] = []

    def add(name: str, data: bytes, kind: str, expect: str | None = None, says: str = "", words: bool = False):
        (d / name).write_bytes(data)
        cases.append(Case(name, kind, expect, says, words))

    for ext, data in raw.items():  # the whole file, then the file cut short
        add(f"intact-{ext}.{ext}", data, "intact", "done", words=True)
        for pct in (0.1, 1, 10, 50, 90, 99):
            cut = data[: max(1, int(len(data) * pct / 100))]
            # an mp3 cut 1 % short decodes as long as the whole one (its encoder padding): not seen
            expect, says = ("done", "truncated") if pct >= 50 and (ext, pct) != ("mp3", 99) else \
                ("done", "") if pct >= 50 else (None, "")
            add(f"truncated-{pct:g}pct-{ext}.{ext}", cut, "truncated at 0.1-99 %", expect, says)
        header = 64 if ext != "mp3" else 512
        for n in (1, 10):
            add(f"header-flips-{n}-{ext}.{ext}", _flip(data, n, rng, 0, header), "random bytes flipped in the header")
        for n in (1, 10, 1000):
            add(f"flips-{n}-{ext}.{ext}", _flip(data, n, rng, header), "random bytes flipped anywhere")
        add(f"zero-filled-{ext}.{ext}", bytes(len(data)), "zero-filled", "failed")

    add("wav-named.mp3", raw["wav"], "right bytes, wrong extension", "done", words=True)
    add("flac-named.wav", raw["flac"], "right bytes, wrong extension", "done", words=True)
    add("mp3-named.flac", raw["mp3"], "right bytes, wrong extension", "done")
    text = b"Meeting notes\n\nAgenda: budget, hiring, the Q3 roadmap.\nAction items: send the minutes.\n" * 20
    html = b"<!DOCTYPE html>\n<html><head><title>Not found</title></head><body><h1>404</h1></body></html>\n"
    for ext in ("wav", "mp3"):
        add(f"text-{ext}.{ext}", text, "text named .wav/.mp3", "failed", "not audio (looks like text)")
        add(f"html-{ext}.{ext}", html, "HTML named .wav/.mp3", "failed", "not audio (looks like HTML)")
    add("empty.wav", b"", "empty", "failed", "zero-length file (0 bytes)")

    def wav_case(name: str, samples: np.ndarray, kind: str, rate_: int = rate, fmt: str = "int16", channels: int = 1,
                 expect: str | None = None, says: str = "", words: bool = False) -> None:
        write_wav(d / name, samples, rate_, fmt, channels)
        cases.append(Case(name, kind, expect, says, words))

    wav_case("one-sample.wav", call[8000:8001], "one sample", expect="failed", says="too short")
    wav_case("100ms.wav", call[16000:17600], "100 ms")
    wav_case("noise-60s.wav", (nprng.normal(0, 3000, 60 * rate)).clip(-32768, 32767), "60 s of noise")
    wav_case("clipped-x50.wav", (call.astype(np.int32) * 50).clip(-32768, 32767), "clipped x50")
    floats = call.astype(np.float32) / 32768
    for name, value, says in (("nan", np.nan, "not-a-number"), ("inf", np.inf, "infinite"), ("huge", 1e30, "clipped")):
        bad = floats.copy()
        where = nprng.choice(len(bad), 1000, replace=False)
        bad[where] = value * np.where(nprng.random(1000) < 0.5, -1, 1)
        wav_case(f"float-{name}.wav", bad, "NaN / Inf / huge float samples", fmt="float32", expect="done",
                 says=says, words=True)
    write_wav(d / "float.wav", floats, rate, "float32")
    add("float-flips-1000.wav", _flip((d / "float.wav").read_bytes(), 1000, rng, 44), "float WAV, 1000 bytes flipped",
        "done", words=True)
    (d / "float.wav").unlink()
    wav_case("six-channels.wav", np.repeat(call[:, None], 6, axis=1).reshape(-1), "6 identical channels", channels=6,
             expect="done", words=True)
    _ffmpeg(CALL, d / "rate-192k.wav", "-ar", "192000")
    cases.append(Case("rate-192k.wav", "192 kHz", "done", words=True))
    _ffmpeg(CALL, d / "8k-8bit.wav", "-ar", "8000", "-acodec", "pcm_u8")
    cases.append(Case("8k-8bit.wav", "8 kHz 8-bit", "done", words=True))
    four_gb = bytearray(raw["wav"])
    at = four_gb.index(b"data")
    four_gb[4:8] = struct.pack("<I", 0xFFFFFFFF)
    four_gb[at + 4:at + 8] = struct.pack("<I", 0xFFFFFFF0)
    add("header-4gb.wav", bytes(four_gb), "WAV header says 4 GB", "done", "header says 4 GB of data, file has 960 KB",
        words=True)
    # FLAC frames damaged past the first 2 s (ffmpeg exits 69: most frames fail): what decodes is transcribed
    flac = raw["flac"]
    add("damaged-frames.flac", _flip(flac, 5000, rng, len(flac) // 5), "damaged FLAC frames",
        "done", "damaged FLAC frames", words=True)

    (d / "x.wav").mkdir(exist_ok=True)
    cases.append(Case("x.wav", "directory named x.wav", "skipped", "is a directory"))
    for name, target in (("broken-link.wav", "no-such-recording.wav"), ("loop.wav", "loop.wav")):
        if os.path.lexists(d / name):
            os.unlink(d / name)
        os.symlink(target, d / name)
    cases.append(Case("broken-link.wav", "broken symlink", "skipped", "broken symlink"))
    cases.append(Case("loop.wav", "symlink loop", "skipped", "symlink loop"))
    return cases


def files(cases: list[Case]) -> list[Case]:
    """The cases that are files (the others only a directory scan meets)."""
    return [c for c in cases if c.name not in DIRECTORY_ENTRIES]


if __name__ == "__main__":
    for case in make_cases(sys.argv[1]):
        print(f"{case.name}\t{case.kind}\t{case.expect or '-'}\t{case.says}")
