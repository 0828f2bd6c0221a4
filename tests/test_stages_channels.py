"""Recordings with one speaker per channel: ``--channels split|mix|auto`` on a real stereo file built
from two real recordings that overlap in time (jfk.flac left; the call, from 6 s, right, 2 s later)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from helpers import DATA, run_cli

from meeting_analytics.audio import AudioError, SAMPLE_RATE
from meeting_analytics.evaluation.metrics import cpwer, wer
from meeting_analytics.options import PipelineOptions
from meeting_analytics.decode import decode
from meeting_analytics.stages.channels import choose, envelope_correlation, merge, names_for
from meeting_analytics.transcript import Word

JFK = ("And so my fellow Americans, ask not what your country can do for you, ask what you can do for your "
       "country.")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def stereo(tmp_path_factory):
    d = tmp_path_factory.mktemp("stereo")
    ffmpeg("-i", str(DATA / "speech" / "jfk.flac"), "-ar", "16000", "-ac", "1", "-af", "apad=whole_dur=16",
           str(d / "left.wav"))
    ffmpeg("-ss", "6", "-t", "14", "-i", str(DATA / "call" / "sample.wav"), "-ar", "16000", "-ac", "1",
           "-af", "adelay=2000,apad=whole_dur=16", str(d / "right.wav"))
    ffmpeg("-i", str(d / "left.wav"), "-i", str(d / "right.wav"), "-filter_complex",
           "[0:a][1:a]join=inputs=2:channel_layout=stereo[a]", "-map", "[a]", str(d / "stereo.wav"))
    ffmpeg("-i", str(d / "left.wav"), "-ac", "2", str(d / "dual_mono.wav"))
    return d


def test_auto_splits_two_people_and_mixes_one_signal_twice(stereo):
    two = decode(stereo / "stereo.wav", PipelineOptions())
    assert two.channels.split and two.audio.shape[0] == 2 and two.channels.names == ["CH0", "CH1"]
    same = decode(stereo / "dual_mono.wav", PipelineOptions())
    assert same.channels.mode == "mix" and same.audio.ndim == 1 and same.channels.envelope_correlation > 0.99
    mono = decode(stereo / "left.wav", PipelineOptions())
    assert mono.channels is None


def test_envelope_correlation_separates_talkers_from_copies():
    rng = np.random.default_rng(0)
    t = np.arange(SAMPLE_RATE * 4)
    a = rng.normal(size=t.size) * (np.sin(t / SAMPLE_RATE * 3) > 0)   # talks, then listens
    b = rng.normal(size=t.size) * (np.sin(t / SAMPLE_RATE * 3) <= 0)  # the other way round
    assert choose("auto", np.stack([a, b]))[0] == "split"
    assert choose("auto", np.stack([a, 0.3 * a]))[0] == "mix"
    assert envelope_correlation(np.zeros((2, 10))) == 1.0


def test_bad_channel_requests_name_the_file(stereo):
    with pytest.raises(AudioError, match=r"left.wav: --channels split needs 2 or more channels; this file has 1"):
        decode(stereo / "left.wav", PipelineOptions(channels="split"))
    with pytest.raises(AudioError, match=r"has 2 channels but --channel_names gives 3 names"):
        decode(stereo / "stereo.wav", PipelineOptions(channel_names="agent,customer,supervisor"))
    assert names_for(2, " agent , customer", "x") == ["agent", "customer"]
    done = run_cli("transcribe", stereo / "left.wav", "--channels", "split", "-o", stereo / "out")
    assert done.returncode == 1 and done.stderr.strip().endswith(
        "left.wav: --channels split needs 2 or more channels; this file has 1")


def test_merge_keeps_each_utterance_whole_and_in_order():
    a = [Word(0.0, 0.5, "hello", "A"), Word(0.6, 1.0, "there", "A"), Word(5.0, 5.5, "bye", "A")]
    b = [Word(0.4, 0.9, "hi", "B"), Word(1.0, 1.4, "you", "B")]
    words, utterances, turns = merge([a, b], "en", 1.0)
    assert [u.text for u in utterances] == ["hello there", "hi you", "bye"]
    for u in utterances:
        assert {w.speaker for w in words[u.first_word:u.last_word]} == {u.speaker}
    assert [(t.speaker, t.start) for t in turns] == [("A", 0.0), ("B", 0.4), ("A", 5.0)]


@pytest.mark.models
def test_split_transcribes_each_channel_as_well_as_alone_and_mix_does_not(pipeline, stereo):
    split = pipeline(stereo / "stereo.wav")
    assert split.info.channels.split and split.speakers == ["CH0", "CH1"]
    alone = {name: pipeline(stereo / f"{side}.wav") for name, side in (("CH0", "left"), ("CH1", "right"))}
    for name, t in alone.items():  # each channel is heard gated to its own speech: the words it gives alone
        mine = " ".join(w.text for w in split.words if w.speaker == name)
        assert wer(" ".join(w.text for w in t.words), mine) <= 0.05
    assert wer(JFK, " ".join(w.text for w in split.words if w.speaker == "CH0")) <= 0.05

    # reference: JFK's words, and the call channel's own transcript (the best that channel gives)
    reference = {"CH0": JFK, "CH1": " ".join(w.text for w in alone["CH1"].words)}
    split_score = cpwer(reference, {s: " ".join(w.text for w in split.words if w.speaker == s) for s in split.speakers})
    mixed = pipeline.transcribe_decoded(decode(stereo / "stereo.wav", PipelineOptions(channels="mix")))
    mix_score = cpwer(reference, {s: " ".join(w.text for w in mixed.words if w.speaker == s) for s in mixed.speakers})
    print(f"cpWER split {split_score['cpwer']:.3f}, mix {mix_score['cpwer']:.3f}")
    assert split_score["cpwer"] <= 0.05 and mix_score["cpwer"] > 0.2


def test_retimed_words_lie_in_their_channels_speech_and_keep_their_order():
    """``retime`` on random speech and words: every word ends up touching its channel's speech, most are cut
    inside their own span, starts never go back, and a zero-length word in speech stays put."""
    from meeting_analytics.stages.channels import ACTIVITY_FRAME, retime

    rng = np.random.default_rng(3)
    for _ in range(50):
        active = np.repeat(rng.random(60) < 0.5, 10)  # stretches of 0.1 s
        active[0] = True
        spans = np.sort(rng.uniform(0, 6, size=40)).reshape(-1, 2)
        words = [Word(float(a), float(b), "w") for a, b in spans if b > a]
        out = retime(words, active)
        assert [w.start for w in out] == sorted(w.start for w in out)
        for r in out:  # every word touches its channel's speech (an edge of it at least)
            lo, hi = int(round(r.start / ACTIVITY_FRAME)) - 1, int(round(r.end / ACTIVITY_FRAME)) + 1
            assert active[max(lo, 0): hi].any(), r
            assert r.end > r.start
        cut = [r for w, r in zip(words, out) if r.start >= w.start - 1e-3 and r.end <= w.end + 1e-3]
        assert len(cut) >= len(out) // 2  # most words are cut inside their own span, not moved
    inside = retime([Word(1.5, 1.5, "w")], np.r_[np.zeros(100, bool), np.ones(200, bool), np.zeros(700, bool)])
    assert inside[0].start == 1.5  # a zero-length word in speech stays where it is
