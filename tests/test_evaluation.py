"""The evaluation code on constructed references with known answers."""

from __future__ import annotations

import pytest
from pyannote.core import Annotation, Segment

from meeting_analytics.evaluation.metrics import (cpwer, diarization_error, filler_scores, read_stm,
                                                  speaker_attribution, wer_details, word_boundary_errors)
from meeting_analytics.transcript import Word


def ann(spans):
    a = Annotation(uri="x")
    for i, (s, e, spk) in enumerate(spans):
        a[Segment(s, e), i] = spk
    return a


def test_wer_identity_substitution_and_normalisation():
    assert wer_details("Ask not what your country can do", "ask NOT, what your country can do!")["wer"] == 0.0
    d = wer_details("the price is very high", "the prize is very high")
    assert (d["wer"], d["substitutions"], d["ref_words"]) == (0.2, 1, 5)
    d = wer_details("red green blue white", "red blue white black pink")
    assert (d["deletions"], d["insertions"]) == (1, 2) and d["wer"] == pytest.approx(0.75)
    assert wer_details("", "")["wer"] == 0.0 and wer_details("", "hello")["wer"] == 1.0


def test_der_identity_and_known_errors():
    ref = ann([(0, 5, "A"), (5, 10, "B")])
    assert diarization_error(ref, ann([(0, 5, "x"), (5, 10, "y")]))["der"] == 0.0  # labels are mapped
    swapped = diarization_error(ref, ann([(0, 4, "x"), (4, 10, "y")]))  # 1 s of A given to B
    assert swapped["der"] == pytest.approx(0.1) and swapped["confusion"] == pytest.approx(0.1)
    missed = diarization_error(ref, ann([(0, 5, "x")]))
    assert missed["der"] == pytest.approx(0.5) and missed["missed"] == pytest.approx(0.5)
    collar = diarization_error(ref, ann([(0, 4.9, "x"), (4.9, 10, "y")]), collar=0.5)
    assert collar["der"] == 0.0
    from pyannote.core import Timeline

    uem = Timeline([Segment(0, 5)])
    assert diarization_error(ref, ann([(0, 5, "x"), (5, 10, "x")]), uem=uem)["der"] == 0.0


def test_cpwer_speaker_swap_costs_exactly_its_words():
    ref = {"A": "hello how are you", "B": "fine thanks"}
    assert cpwer(ref, {"s1": "hello how are you", "s2": "fine thanks"})["cpwer"] == 0.0
    # "thanks" attributed to the wrong speaker: one deletion (B) + one insertion (A) over 6 words
    out = cpwer(ref, {"s1": "hello how are you thanks", "s2": "fine"})
    assert out["errors"] == 2 and out["cpwer"] == pytest.approx(2 / 6) and out["mapping"] == {"s1": "A", "s2": "B"}
    # an extra hypothesis speaker: all its words are insertions
    assert cpwer(ref, {"s1": "hello how are you", "s2": "fine thanks", "s3": "noise"})["errors"] == 1


def test_word_boundaries_attribution_and_fillers():
    ref = [Word(0.0, 0.5, "hello", "A"), Word(0.6, 1.0, "there", "A"), Word(2.0, 2.4, "hi", "B")]
    hyp = [Word(0.1, 0.5, "Hello,", "s0"), Word(0.6, 1.2, "there.", "s0"), Word(2.0, 2.4, "hi", "s0")]
    errs = word_boundary_errors(ref, hyp)
    assert errs == [pytest.approx((0.1, 0.0)), pytest.approx((0.0, 0.2)), (0.0, 0.0)]
    acc, mapping = speaker_attribution(ref, hyp)
    assert acc == pytest.approx(2 / 3) and mapping == {"s0": "A"}
    import pandas as pd

    truth = pd.DataFrame({"speaker": ["A", "A", "B"], "start": [1.0, 5.0, 9.0]})
    found = pd.DataFrame({"speaker": ["s0", "s0", "s1"], "start": [1.2, 7.0, 9.1]})
    s = filler_scores(truth, found, {"s0": "A", "s1": "B"}).set_index("speaker")
    assert (s.loc["A", "matched"], s.loc["A", "precision"], s.loc["A", "recall"]) == (1, 0.5, 0.5)
    assert s.loc["B", "f1"] == 1.0


def test_read_stm(tmp_path):
    p = tmp_path / "x.stm"
    p.write_text(";; comment\nx 1 A 0.0 1.5 <o,f0,male> hello there\nx 1 inter_segment_gap 1.5 2.0\n"
                 "x 1 B 2.0 3.0 fine\n")
    frame = read_stm(p)
    assert frame.speaker.tolist() == ["A", "B"] and frame.text.tolist() == ["hello there", "fine"]
    assert frame.end.tolist() == [1.5, 3.0]


def test_a_far_field_room_keeps_the_truth_and_changes_the_audio():
    import numpy as np

    from meeting_analytics.evaluation.synth import Room, synthesize_meeting

    dry = synthesize_meeting(3, 20.0, seed=11, phrases=True)
    far = synthesize_meeting(3, 20.0, seed=11, phrases=True, room=Room())
    assert far.words == dry.words and far.turns == dry.turns and len(far.audio) == len(dry.audio)
    assert not np.allclose(far.audio, dry.audio)


def test_a_room_puts_speakers_at_different_levels_and_noise_at_its_snr():
    import random

    import numpy as np

    from meeting_analytics.audio import SAMPLE_RATE
    from meeting_analytics.evaluation.synth import Room, in_room

    sr, burst = SAMPLE_RATE, np.random.default_rng(0).normal(0, 0.1, 2 * SAMPLE_RATE).astype(np.float32)
    a, b = np.zeros(10 * sr, np.float32), np.zeros(10 * sr, np.float32)
    a[sr // 2 : sr // 2 + len(burst)] = burst  # speaker A at 0.5-2.5 s, B at 3-5 s, silence from 6.5 s
    b[3 * sr : 3 * sr + len(burst)] = burst

    def db(x):
        return 10 * np.log10(np.mean(x**2))

    spreads = []
    for seed in range(5):
        mixed = in_room({"A": a, "B": b}, Room(level_spread_db=12.0, snr_db=10.0), random.Random(seed))
        assert len(mixed) == len(a)
        spreads.append(abs(db(mixed[sr : 2 * sr]) - db(mixed[int(3.5 * sr) : int(4.5 * sr)])))
        speech = np.concatenate([mixed[sr // 2 : int(2.5 * sr)], mixed[3 * sr : 5 * sr]])
        assert 7.0 < db(speech) - db(mixed[int(6.5 * sr) :]) < 14.0  # the noise about 10 dB below the speech
    assert max(spreads) > 2.0 and max(spreads) < 13.0, spreads  # each speaker at their own level, within the spread
