"""Decode any file ffmpeg reads to 16 kHz mono float32, and refuse bad input with one clear line."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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
    format: str = ""  # the demuxer ffprobe chose (one of AUDIO_FORMATS): the decoder is told to use it


# The container formats read, by ffmpeg's demuxer names (ffprobe reports a demuxer by all its names:
# ``mov,mp4,m4a,3gp,3g2,mj2``, ``matroska,webm``): audio files and the common video containers. Never a
# demuxer that opens other files or URLs (hls, dash, concat, image2, imf, tee, ...) or a device: a crafted
# "recording" could make the server read its own files. Probing and decoding both name this list
# (``-format_whitelist``), decoding forces the format probing found (``-f``), and only local files are
# opened (``-protocol_whitelist file``), so a file's name or contents cannot choose another reader.
AUDIO_FORMATS = ("wav", "w64", "flac", "mp3", "ogg", "matroska", "webm", "mov", "mp4", "m4a", "3gp", "3g2", "aac",
                 "aiff", "caf", "asf", "avi", "flv", "amr", "amrnb", "amrwb", "au", "wv", "ape", "tta", "ac3", "eac3",
                 "dts", "mpegts", "mpeg", "voc", "gsm")
SAFE_INPUT = ("-protocol_whitelist", "file", "-format_whitelist", ",".join(AUDIO_FORMATS))
NOT_ALLOWED = "format not on whitelist"


def _ffmpeg(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        raise MissingToolError(tool, "ffmpeg")
    return exe


def require_ffmpeg() -> None:
    """``MissingToolError`` now (one line saying how to install it) unless ffprobe and ffmpeg are on PATH."""
    _ffmpeg("ffprobe")
    _ffmpeg("ffmpeg")


# ffmpeg's lines that follow an error without saying what it was
NOISE = ("last message repeated", "error marking filters", "conversion failed", "error while filtering",
         "nothing was written", "error closing", "error writing trailer", "error while processing the decoded data",
         "terminating thread", "failed to set value", "error sending frames", "error opening output")
COMPONENT = re.compile(r"^\[(?P<name>[\w:.,-]+) @ 0x[0-9a-f]+\]\s*")  # "[mov,mp4,m4a @ 0x5571...]"
DECODE_ERROR = "error while decoding stream"
TOLERANT = ("-fflags", "+discardcorrupt", "-max_error_rate", "1.0")  # drop damaged packets, never stop for them


def _lines(stderr: bytes) -> list[str]:
    return [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]


def _meaningful(stderr: bytes, path: str | os.PathLike) -> tuple[str | None, str]:
    """The first line that says what is wrong with the container or a stream, as (the demuxer or decoder
    that said it, the message without the file's path); not the last line, which is often a consequence."""
    plain = []
    for line in _lines(stderr):
        if line.lower().startswith(NOISE):
            continue
        if m := COMPONENT.match(line):
            if m["name"] not in ("out#0", "AVIOContext", "aist#0:0/pcm_f32le", "f32le"):
                return _one_name(m["name"], Path(path)), line[m.end():]
            continue
        plain.append(line.removeprefix(f"{_url(path)}: ").removeprefix(f"{path}: "))
    return None, plain[0] if plain else "unknown error"


def _url(path: str | os.PathLike) -> str:
    """``path`` as ffmpeg's ``file:`` URL: a name such as ``concat:a|b`` or ``http:x`` stays a file's name."""
    return "file:" + os.path.abspath(path)


def _refused_format(stderr: bytes) -> str | None:
    """The demuxer ffmpeg found but the allow-list refused (``[hls @ 0x...] Format not on whitelist``)."""
    for line in _lines(stderr):
        m = COMPONENT.match(line)
        if m and NOT_ALLOWED in line.lower():
            return m["name"]
    return None


def _one_name(component: str, path: Path) -> str:
    """A demuxer that serves several formats (``mov,mp4,m4a,3gp,3g2,mj2``) by the one the file is named as."""
    names = component.split(",")
    suffix = path.suffix.lstrip(".").lower()
    return suffix if suffix in names else names[0]


def _sniff(path: Path) -> str | None:
    """What the file is when it is plainly not audio: zero bytes only, text, HTML."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        if not head.strip(b"\0"):
            while block := fh.read(1 << 20):
                if block.strip(b"\0"):
                    return None
            return "only zero bytes, no audio data"
    lowered = head[:2048].lower().lstrip()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered or b"<body" in lowered:
        return "not audio (looks like HTML)"
    printable = sum(1 for b in head if b in (9, 10, 13) or 32 <= b < 127 or b >= 128)
    if b"\0" not in head and printable >= 0.97 * len(head):
        try:
            head[:-4].decode("utf-8")
            return "not audio (looks like text)"
        except UnicodeDecodeError:
            return None
    return None


def _in_words(path: Path, stderr: bytes, tool: str, codec: str | None = None) -> str:
    """Why ``tool`` could not read ``path``, in a user's words, with the line that says it."""
    sniffed = _sniff(path)
    if sniffed:
        return sniffed
    component, message = _meaningful(stderr, path)
    said = f"({tool}: {message.rstrip('.')})"
    low = message.lower()
    kind = (codec or component or path.suffix.lstrip(".") or "audio").upper()
    if "no 'data' tag" in low or "no 'fmt ' tag" in low:
        return f"damaged WAV header {said}"
    seek = re.search(r"could not seek to (\d+)", low)
    if low.startswith("end of file") or seek and int(seek[1]) >= _file_size(path):
        return f"truncated: no complete {kind} frame in {_size(_file_size(path))} {said}"
    if component and codec and component == codec or DECODE_ERROR in low:
        errors = sum(1 for ln in _lines(stderr) if DECODE_ERROR in ln.lower())
        return f"no complete {kind} frame {said}" if errors <= 1 else f"damaged {kind} frames, nothing decodable {said}"
    if "after eof" in low or "could not find codec parameters" in low:
        return f"no decodable audio frames {said}"
    if "invalid data found when processing input" in low and component is None:
        return f"not a format ffmpeg recognises {said}"
    if component:
        return f"damaged {component.upper()} data {said}"
    return f"not a readable audio file {said}"


def _size(n: int) -> str:
    return f"{n / 1e9:.0f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB" if n >= 1e6 else \
        f"{n / 1e3:.0f} KB" if n >= 1e3 else f"{n} bytes"


def _wav_length(path: Path) -> str | None:
    """A WAV whose header claims more data than the file holds: cut short, or a placeholder length."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    at = 12
    while at + 8 <= len(head):
        chunk, size = head[at:at + 4], struct.unpack("<I", head[at + 4:at + 8])[0]
        if chunk == b"data":
            held = path.stat().st_size - (at + 8)
            if size <= held:
                return None
            if size >= 0xFFFF0000:  # a streaming writer's placeholder: read to the end of the file
                return f"header says {_size(size)} of data, file has {_size(held)} (read to the end of the file)"
            return f"truncated: header says {_size(size)} of data, file has {_size(held)}"
        at += 8 + size + (size & 1)
    return None


def probe(path: str | os.PathLike, name: str | None = None) -> AudioInfo:
    """Check that ``path`` is a readable media file with an audio stream, without decoding it.

    ``name``: what the user calls the file when it is stored under another name (a web upload, kept as
    ``uploads/<id>``): errors name it, and ffprobe sees its extension through a link, as it sees the file's
    own on the command line. ffprobe guesses the format from the extension too (random bytes are "no
    complete MP3 frame" as ``x.mp3`` and "not a format ffmpeg recognises" without one), so without this
    the same file read differently in the web app and on the command line. A name can only choose among
    ``AUDIO_FORMATS``; a file ffprobe reads as anything else (an HLS playlist, a concat script, an image)
    is "not an audio format", refused before it is opened as that."""
    path = Path(path)
    shown = name or path
    if not path.exists():
        raise AudioError(shown, "no such file")
    if path.is_dir():
        raise AudioError(shown, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(shown, "zero-length file (0 bytes)")
    with _named_as(path, name) as target:
        cmd = [_ffmpeg("ffprobe"), "-v", "error", *SAFE_INPUT, "-print_format", "json", "-show_streams",
               "-show_format", _url(target)]
        proc = subprocess.run(cmd, capture_output=True)
        if proc.returncode != 0:
            refused = _refused_format(proc.stderr)
            if refused:
                raise AudioError(shown, f"not an audio format ({_format_words(refused)})")
            raise AudioError(shown, _in_words(target, proc.stderr, "ffprobe"))
    info = json.loads(proc.stdout or b"{}")
    found = str(info.get("format", {}).get("format_name") or "")
    allowed = next((n for n in found.split(",") if n in AUDIO_FORMATS), None)
    if allowed is None:  # the allow-list held ffprobe to these already: a second look, should it not have
        raise AudioError(shown, f"not an audio format ({_format_words(found or 'unknown')})")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(shown, _sniff(path) or "contains no audio stream")
    stream = streams[0]
    rate = int(stream.get("sample_rate") or 0)
    if 0 < rate < MIN_SOURCE_RATE:
        raise AudioError(shown, f"sample rate {rate} Hz is too low for speech models (need >= {MIN_SOURCE_RATE} Hz)")
    duration = float(stream.get("duration") or info.get("format", {}).get("duration") or 0.0)
    return AudioInfo(str(path), duration, rate, int(stream.get("channels") or 0), str(stream.get("codec_name")),
                     allowed)


FORMAT_WORDS = {"hls": "HLS playlist", "concat": "concat script", "dash": "DASH manifest",
                "webm_dash_manifest": "DASH manifest", "image2": "image sequence"}


def _format_words(name: str) -> str:
    return FORMAT_WORDS.get(name, name)


@contextmanager
def _named_as(path: Path, name: str | None) -> Iterator[Path]:
    """``path``, or a link to it ending in ``name``'s extension when the two differ (removed afterwards)."""
    suffix = Path(name).suffix if name else ""
    if not suffix or suffix.lower() == path.suffix.lower():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        link = Path(tmp) / f"input{suffix}"
        try:
            link.symlink_to(path.resolve())
        except OSError:  # no symbolic links here: the stored name it is
            link = path
        yield link


@dataclass(frozen=True)
class AudioRead:
    """Samples as ``read_audio`` decoded them, and what was wrong with the file but did not stop it being
    read (damaged frames, cut short, bad samples replaced): one line each, without the file's name."""

    samples: np.ndarray
    warnings: tuple[str, ...] = ()


def load_audio(path: str | os.PathLike, sr: int = SAMPLE_RATE, info: AudioInfo | None = None,
               keep_channels: bool = False) -> np.ndarray:
    """``read_audio``'s samples (its warnings dropped)."""
    return read_audio(path, sr, info, keep_channels).samples


def read_audio(path: str | os.PathLike, sr: int = SAMPLE_RATE, info: AudioInfo | None = None,
               keep_channels: bool = False) -> AudioRead:
    """Decode ``path`` to mono float32 at ``sr`` Hz, as whisper and pyannote expect; ``info``: its
    ``probe`` when already taken; ``keep_channels``: one row per channel instead, shape (channels, samples).

    Decoding is tolerant (``TOLERANT``): damaged packets are dropped and what decodes is kept, with a
    warning saying how much was lost; a file cut short is read up to its end, with a warning; samples
    that are not finite become 0 and float samples beyond full scale are clipped, with a warning counting
    them. Only a file with nothing decodable is an ``AudioError``, its reason in words.

    ffmpeg's output is read straight into an array sized from the probed duration, so a long
    recording is held once, not twice (its bytes and their copy: 2 x 920 MB for four hours)."""
    path = Path(path)
    if info is None or info.format not in AUDIO_FORMATS:
        info = probe(path)
    channels = max(info.source_channels, 1) if keep_channels else 1
    cmd = [_ffmpeg("ffmpeg"), "-nostdin", "-v", "error", *TOLERANT, *SAFE_INPUT, "-f", info.format, "-i", _url(path),
           "-map", "0:a:0",
           "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(sr), "-"]
    # the probed duration sizes the buffer, but a damaged header can claim days: no more than the bytes allow
    expected = min(int(info.duration * sr) + sr, 64 * _file_size(path) + sr)
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc:
            audio = _read_floats(proc.stdout, expected * channels)
        err.seek(0)
        stderr = err.read()
    if audio.size == 0:
        if proc.returncode != 0 or _lines(stderr):
            raise AudioError(path, f"cannot decode audio: {_in_words(path, stderr, 'ffmpeg', info.codec)}")
        cut = _wav_length(path)
        raise AudioError(path, f"zero-length audio (no samples decoded{f'; {cut}' if cut else ''})")
    audio = audio[: audio.size - audio.size % channels]
    warnings = _damage(path, info, stderr, proc.returncode, audio.size / channels / sr)
    audio, sanitised = sanitise(audio)
    warnings += sanitised
    return AudioRead(audio.reshape(-1, channels).T.copy() if keep_channels else audio, tuple(warnings))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _damage(path: Path, info: AudioInfo, stderr: bytes, returncode: int | None, seconds: float) -> list[str]:
    """Warnings for a file that decoded in part: damaged frames (how many, how much audio lost), cut short."""
    lines = _lines(stderr)
    errors = sum(1 for ln in lines if DECODE_ERROR in ln.lower())
    expected = info.duration
    lost = expected - seconds if expected > 0 else 0.0
    short = lost > max(0.25, 0.02 * expected)  # mp3's encoder delay and padding: 0.05 s
    codec = (info.codec or "audio").upper()
    span = f"{seconds:.1f} s of {expected:.1f} s decoded ({lost / expected:.0%} lost)" if lost > 0 else ""
    warnings = []
    wav = _wav_length(path)
    if wav:
        warnings.append(wav)
    if errors >= 2:
        warnings.append(f"damaged {codec} frames: {errors} could not be decoded" + (f", {span}" if short else ""))
    elif (short or errors == 1 and lost > 0.02) and not wav:  # one frame cut, at the end: cut short
        warnings.append(f"truncated: {span}")
    elif errors == 1:
        warnings.append(f"damaged {codec} frame: 1 could not be decoded")
    if returncode not in (0, None) and not warnings:
        _, message = _meaningful(stderr, path)
        warnings.append(f"ffmpeg stopped after {seconds:.1f} s ({message})")
    return warnings


OUT_OF_RANGE = 2.0  # +6 dBFS: a resampler's or a downmix's overshoot of a clean file stays below


def sanitise(audio: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``audio`` with non-finite samples set to 0 and samples out of range (beyond ``OUT_OF_RANGE``: no
    recording's, a damaged float file's) clipped to +/-1, in place; a warning for each kind of change,
    counting the samples."""
    warnings = []
    bad = ~np.isfinite(audio)
    if bad.any():
        nan = int(np.isnan(audio).sum())
        inf = int(bad.sum()) - nan
        kinds = " and ".join(k for k in (f"{nan} not-a-number" if nan else "", f"{inf} infinite" if inf else "") if k)
        audio[bad] = 0.0
        warnings.append(f"{kinds} sample{'s' * (int(bad.sum()) != 1)} set to 0")
    over = np.abs(audio) > OUT_OF_RANGE
    if over.any():
        count, peak = int(over.sum()), float(np.abs(audio).max())
        audio[over] = np.sign(audio[over])
        warnings.append(f"{count} out-of-range sample{'s' * (count != 1)} (up to {peak:.3g}) clipped to +/-1")
    return audio, warnings


def _read_floats(stream, expected: int) -> np.ndarray:
    """float32 samples from ``stream`` into one buffer (grown by half when the estimate was short)."""
    buf = np.empty(max(expected, 1), dtype=np.float32)
    filled = 0
    while True:
        if filled == buf.nbytes:
            buf = np.concatenate([buf, np.empty(len(buf) // 2 + 1, dtype=np.float32)])
        got = stream.readinto(buf.data.cast("B")[filled:])  # buf.data: memoryview(buf)
        if not got:
            return buf[: filled // 4]
        filled += got


def load_speech(path: str | os.PathLike, sr: int = SAMPLE_RATE, info: AudioInfo | None = None) -> np.ndarray:
    """``read_speech``'s samples (its warnings dropped)."""
    return read_speech(path, sr, info).samples


def read_speech(path: str | os.PathLike, sr: int = SAMPLE_RATE, info: AudioInfo | None = None) -> AudioRead:
    """``read_audio``, refusing audio that cannot hold speech (``check_speech_audio``); when what is left
    of a damaged file cannot, the error says what was wrong with it too."""
    read = read_audio(path, sr, info)
    check_speech_audio(read.samples, path, sr, read.warnings)
    return read


def level_dbfs(audio: np.ndarray) -> float:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def check_speech_audio(audio: np.ndarray, path: str | os.PathLike, sr: int = SAMPLE_RATE,
                       warnings: tuple[str, ...] = ()) -> None:
    """Refuse audio that cannot hold speech: shorter than 0.1 s, or digital silence; ``warnings``: what
    ``read_audio`` said of the file, added to the reason."""
    why = f"; {'; '.join(warnings)}" if warnings else ""
    if audio.size < sr // 10:
        raise AudioError(path, f"too short ({audio.size / sr:.3f} s of audio{why})")
    level = level_dbfs(audio)
    if level < SILENCE_DBFS:
        raise AudioError(path, f"silent (peak level {level:.1f} dBFS, below {SILENCE_DBFS:.0f} dBFS{why})")
