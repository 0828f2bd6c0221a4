"""Decode any file ffmpeg reads to 16 kHz mono float32, and refuse bad input with one clear line."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError, MissingToolError

SAMPLE_RATE = 16_000
MIN_SOURCE_RATE = 8_000
SILENCE_DBFS = -60.0


@dataclass(frozen=True)
class AudioInfo:
    path: str
    duration: float
    source_sample_rate: int
    source_channels: int
    codec: str


def _ffmpeg(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        raise MissingToolError(tool, "ffmpeg")
    return exe


def require_ffmpeg() -> None:
    """``MissingToolError`` now (one line saying how to install it) unless ffprobe and ffmpeg are on PATH."""
    _ffmpeg("ffprobe")
    _ffmpeg("ffmpeg")


def _last_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "unknown error"


def probe(path: str | Path) -> AudioInfo:
    """Check that ``path`` is a readable media file with an audio stream, without decoding it."""
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(path, "zero-length file (0 bytes)")
    cmd = [_ffmpeg("ffprobe"), "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise AudioError(path, f"not a readable audio file (ffprobe: {_last_line(proc.stderr)})")
    info = json.loads(proc.stdout or b"{}")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(path, "contains no audio stream")
    stream = streams[0]
    rate = int(stream.get("sample_rate") or 0)
    if 0 < rate < MIN_SOURCE_RATE:
        raise AudioError(path, f"sample rate {rate} Hz is too low for speech models (need >= {MIN_SOURCE_RATE} Hz)")
    duration = float(stream.get("duration") or info.get("format", {}).get("duration") or 0.0)
    return AudioInfo(str(path), duration, rate, int(stream.get("channels") or 0), str(stream.get("codec_name")))


def load_audio(path: str | Path, sr: int = SAMPLE_RATE, info: AudioInfo | None = None,
               keep_channels: bool = False) -> np.ndarray:
    """Decode ``path`` to mono float32 at ``sr`` Hz, as whisper and pyannote expect; ``info``: its
    ``probe`` when already taken; ``keep_channels``: one row per channel instead, shape (channels, samples).

    ffmpeg's output is read straight into an array sized from the probed duration, so a long
    recording is held once, not twice (its bytes and their copy: 2 x 920 MB for four hours)."""
    info = info or probe(path)
    channels = max(info.source_channels, 1) if keep_channels else 1
    cmd = [_ffmpeg("ffmpeg"), "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
           "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(sr), "-"]
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc:
            audio = _read_floats(proc.stdout, (int(info.duration * sr) + sr) * channels)
        if proc.returncode != 0:
            err.seek(0)
            raise AudioError(path, f"cannot decode audio (ffmpeg: {_last_line(err.read())})")
    if audio.size == 0:
        raise AudioError(path, "zero-length audio (no samples decoded)")
    return audio.reshape(-1, channels).T.copy() if keep_channels else audio


def _read_floats(stream, expected: int) -> np.ndarray:
    """float32 samples from ``stream`` into one buffer (grown by half when the estimate was short)."""
    buf = np.empty(max(expected, 1), dtype=np.float32)
    filled = 0
    while True:
        if filled == buf.nbytes:
            buf = np.concatenate([buf, np.empty(len(buf) // 2 + 1, dtype=np.float32)])
        got = stream.readinto(memoryview(buf).cast("B")[filled:])
        if not got:
            return buf[: filled // 4]
        filled += got


def load_speech(path: str | Path, sr: int = SAMPLE_RATE, info: AudioInfo | None = None) -> np.ndarray:
    """``load_audio``, refusing audio that cannot hold speech (``check_speech_audio``)."""
    audio = load_audio(path, sr, info)
    check_speech_audio(audio, path, sr)
    return audio


def level_dbfs(audio: np.ndarray) -> float:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def check_speech_audio(audio: np.ndarray, path: str | Path, sr: int = SAMPLE_RATE) -> None:
    """Refuse audio that cannot hold speech: shorter than 0.1 s, or digital silence."""
    if audio.size < sr // 10:
        raise AudioError(path, f"too short ({audio.size / sr:.3f} s of audio)")
    level = level_dbfs(audio)
    if level < SILENCE_DBFS:
        raise AudioError(path, f"silent (peak level {level:.1f} dBFS, below {SILENCE_DBFS:.0f} dBFS)")
