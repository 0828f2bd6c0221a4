"""Who said what on a real support call (SpokenWOZ MUL1011, shared/data/call/spokenwoz_MUL1011: stereo, one
party per channel, a reference made from each channel's energy): the stereo file split by channel, the same
file with each party's voice leaked into the other channel at -20 dB (a headset pair's cross-talk), and its
mono mixdown through the default diarization."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from helpers import DATA, SHARED

from meeting_analytics.analytics import analyze
from meeting_analytics.audio import read_audio
from meeting_analytics.evaluation.metrics import diarization_error, turns_annotation
from meeting_analytics.stages.channels import channel_activity

CALL = SHARED / "call" / "spokenwoz_MUL1011"
needs_call = pytest.mark.skipif(not (CALL / "MUL1011.opus").exists(),
                                reason=f"the SpokenWOZ call is not at {CALL} (set MEETING_ANALYTICS_SHARED_DATA)")
CHANNEL_OF = {"CH0": "spk_L", "CH1": "spk_R"}


def reference():
    from pyannote.database.util import load_rttm

    return load_rttm(CALL / "MUL1011.channels.rttm")["MUL1011"]


@pytest.fixture(scope="module")
def leaked(tmp_path_factory):
    """The call with each channel's signal added to the other at -20 dB, as FLAC."""
    import soundfile as sf

    x = read_audio(CALL / "MUL1011.opus", keep_channels=True).samples
    gain = 10 ** (-20 / 20)
    path = tmp_path_factory.mktemp("leak") / "MUL1011_leak.flac"
    sf.write(path, np.stack([x[0] + gain * x[1], x[1] + gain * x[0]]).T, 16000)
    return path


def scored(transcript):
    from pyannote.core import Segment, Timeline

    ref = reference()
    hyp = turns_annotation(transcript.turns, "MUL1011").rename_labels(CHANNEL_OF)
    return diarization_error(ref, hyp, uem=Timeline([Segment(0, transcript.duration)]), collar=0.25)


@needs_call
def test_activity_keeps_each_party_on_their_own_channel_and_drops_the_leak(leaked):
    """Frame by frame, each channel's activity against the reference, without and with -20 dB leak."""
    ref = reference()
    for path in (CALL / "MUL1011.opus", leaked):
        active = channel_activity(read_audio(path, keep_channels=True).samples)
        for c, label in enumerate(("spk_L", "spk_R")):
            truth = np.zeros(active.shape[1], bool)
            for seg in ref.label_timeline(label):
                truth[int(seg.start / 0.01): int(seg.end / 0.01)] = True
            missed = (truth & ~active[c]).sum() / truth.sum()
            false_alarm = (~truth & active[c]).sum() / truth.sum()
            assert missed < 0.05 and false_alarm < 0.10, (path.name, label, missed, false_alarm)


@needs_call
@pytest.mark.models
def test_stereo_call_split_gives_each_party_their_talk_time(pipeline):
    from meeting_analytics.decode import decode
    from meeting_analytics.options import PipelineOptions

    decoded = decode(CALL / "MUL1011.opus", PipelineOptions(channels="split"))
    t = pipeline.transcribe_decoded(decoded)
    assert scored(t)["der"] <= 0.05
    speakers = analyze(t).speakers.set_index("speaker")
    ref = reference()
    for channel, label in CHANNEL_OF.items():
        assert speakers.loc[channel, "talk_time"] == pytest.approx(ref.label_duration(label), rel=0.05)
    assert speakers["interruptions"].sum() <= 1  # nobody interrupts in this call


@needs_call
@pytest.mark.models
def test_headset_pair_with_cross_talk_is_split_by_channel(pipeline, leaked):
    from meeting_analytics.decode import decode
    from meeting_analytics.options import PipelineOptions

    t = pipeline.transcribe_decoded(decode(leaked, PipelineOptions(channels="split")))
    assert scored(t)["der"] <= 0.15
    ref = reference()
    speakers = analyze(t).speakers.set_index("speaker")
    for channel, label in CHANNEL_OF.items():  # the leak is not the channel's own speech
        assert speakers.loc[channel, "talk_time"] < 1.1 * ref.label_duration(label)


@needs_call
@pytest.mark.models
def test_mono_mixdown_finds_the_two_parties(pipeline, tmp_path):
    mono = tmp_path / "MUL1011.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(CALL / "MUL1011.opus"), "-ac", "1", "-ar", "16000",
                    str(mono)], check=True)
    t = pipeline(mono)
    assert len(t.speakers) == 2
    from pyannote.core import Segment, Timeline

    hyp = turns_annotation(t.turns, "MUL1011")
    assert diarization_error(reference(), hyp, uem=Timeline([Segment(0, t.duration)]), collar=0.25)["der"] <= 0.12


@pytest.mark.models
@pytest.mark.parametrize("name", ["offline-ge2e", "offline-campplus"])
def test_the_shipped_call_has_its_two_people_apart(name):
    """data/call (Diane and Sheila on one phone line): the default, and CAM++ whose AMI-tuned threshold
    merged the two voices (DER c0.25 45 %, 2 speakers of 22.7 s and 3.7 s) before its clustering was chosen
    on real calls and meetings held out (BENCHMARKS.md "Real recordings")."""
    from pyannote.database.util import load_rttm

    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.diarize import Diarizer

    turns = Diarizer(name)(load_audio(DATA / "call" / "sample.wav")).turns
    ref = load_rttm(DATA / "call" / "sample.rttm")["sample"]
    hyp = turns_annotation(turns, "sample")
    assert len(hyp.labels()) == 2
    assert diarization_error(ref, hyp, collar=0.25)["der"] <= 0.08
    shares = sorted(hyp.label_duration(label) for label in hyp.labels())
    assert shares[0] > 0.3 * shares[1]  # two people who both talk, not a voice and a fragment
