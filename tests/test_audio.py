"""Audio loading of the formats ffmpeg reads, and the one-line errors for bad input."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from meeting_analytics.audio import AudioError, check_speech_audio, load_audio, probe
from helpers import DATA


JFK = DATA / "speech" / "jfk.flac"


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.mark.parametrize("ext, codec", [("wav", []), ("flac", []), ("mp3", []), ("m4a", ["-c:a", "aac"]),
                                        ("ogg", ["-c:a", "libvorbis"]), ("webm", ["-c:a", "libopus", "-ar", "48000"])])
def test_formats_decode_to_16k_mono_float32(tmp_path, ext, codec):
    out = tmp_path / f"clip.{ext}"
    ffmpeg("-i", JFK, "-t", "3", "-ar", "44100", "-ac", "2", *codec, out)  # stereo 44.1 kHz in
    audio = load_audio(out)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 3 * 16000) < 0.05 * 16000
    assert np.abs(audio).max() > 0.1


def test_video_with_audio_track(tmp_path):
    out = tmp_path / "talk.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=3", "-i", JFK, "-t", "3", "-c:v", "libx264",
           "-c:a", "aac", "-shortest", out)
    assert abs(len(load_audio(out)) - 3 * 16000) < 0.1 * 16000


def test_video_without_audio_is_refused(tmp_path):
    out = tmp_path / "mute.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "libx264", out)
    with pytest.raises(AudioError, match="mute.mp4: contains no audio stream"):
        load_audio(out)


def test_too_low_sample_rate_is_refused(tmp_path):
    out = tmp_path / "low.wav"
    ffmpeg("-i", JFK, "-ar", "4000", out)
    with pytest.raises(AudioError, match="low.wav: sample rate 4000 Hz is too low"):
        probe(out)


def test_errors_are_one_line_naming_the_file(tmp_path):
    for path, problem in [(tmp_path / "none.wav", "no such file"), (tmp_path, "is a directory")]:
        with pytest.raises(AudioError) as exc:
            load_audio(path)
        assert problem in str(exc.value) and str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_silence_and_too_short_are_refused():
    with pytest.raises(AudioError, match="silent"):
        check_speech_audio(np.zeros(16000 * 2, dtype=np.float32), "quiet.wav")
    with pytest.raises(AudioError, match="too short"):
        check_speech_audio(np.ones(100, dtype=np.float32) * 0.1, "blip.wav")
    check_speech_audio(load_audio(JFK), JFK)  # speech passes


@pytest.mark.parametrize("name", ["speech/jfk.flac", "speech/hotwords.mp3", "call/sample.wav"])
def test_decoding_into_one_buffer_equals_ffmpegs_output(name):
    import subprocess

    path = DATA / name
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "f32le", "-acodec",
           "pcm_f32le", "-ac", "1", "-ar", "16000", "-"]
    reference = np.frombuffer(subprocess.run(cmd, capture_output=True, check=True).stdout, dtype=np.float32)
    audio = load_audio(path)
    assert np.array_equal(audio, reference) and audio.flags.writeable


def test_the_buffer_grows_when_the_duration_was_underestimated():
    import io

    from meeting_analytics.audio import _read_floats

    samples = np.arange(100_000, dtype=np.float32)
    assert np.array_equal(_read_floats(io.BufferedReader(io.BytesIO(samples.tobytes())), 10), samples)
