"""Corpus analytics equal per-meeting analytics; the vectorised VADER equals NLTK's scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meeting_analytics.analytics import analyze
from meeting_analytics.analytics.corpus import CORPUS_FRAMES, analyze_corpus
from helpers import meeting

WORDS = ("um uh like so well you know i mean the invoice billing team great terrible not very happy angry but "
         "kind of right okay problem customer release we I think").split()


def random_meeting(seed: int, n_utt: int = 60):
    rng = np.random.default_rng(seed)
    speakers = [f"S{i}" for i in range(int(rng.integers(2, 5)))]
    t, utts, turns = 0.0, [], []
    for _ in range(n_utt):
        n = int(rng.integers(2, 12))
        text = " ".join(rng.choice(WORDS, n)) + ("?" if rng.random() < 0.2 else ".")
        spk = str(rng.choice(speakers))
        utts.append((spk, t, t + 0.4 * n, text))
        turns.append((t, t + 0.4 * n, spk))
        t += 0.4 * n + float(rng.uniform(-0.6, 1.5))
    return meeting(utts, turns=turns)


def test_corpus_analytics_equal_per_meeting_analytics():
    named = [(f"m{i}", random_meeting(i)) for i in range(6)]
    corpus = analyze_corpus(named, max_words=800)  # several batches
    assert set(corpus.meetings["meeting"]) == {n for n, _ in named}
    for name, transcript in named:
        single = analyze(transcript)
        for frame in CORPUS_FRAMES[1:]:
            mine = getattr(corpus, frame)
            mine = mine[mine["meeting"] == name].drop(columns="meeting").reset_index(drop=True)
            ref = getattr(single, frame).reset_index(drop=True)
            assert len(mine) == len(ref), frame
            pd.testing.assert_frame_equal(mine[list(ref.columns)], ref, check_dtype=False, atol=1e-9, obj=frame)
        row = corpus.meetings.set_index("meeting").loc[name]
        for key in ("speech_time", "silence_share", "speakers", "speaker_switches", "switches_per_minute"):
            assert row[key] == pytest.approx(getattr(single.meeting, key)), key


def test_vectorised_vader_equals_nltk():
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    from meeting_analytics.analytics.sentiment import vader
    from meeting_analytics.nltk_offline import ensure_vader_lexicon

    nltk_vader = SentimentIntensityAnalyzer(lexicon_file=ensure_vader_lexicon())
    texts = ["The food is GREAT but the service was terrible!!", "I am not happy at all.", "It was never so good",
             "This is kind of bad", "at least it works", "VERY good!", "the bomb", "yeah right", "Great? Great??",
             "she is sort of nice", "you cut the mustard, good job", "", "a", "NOT GOOD at all", "good good bad good"]
    rng = np.random.default_rng(1)
    vocab = ("the we great terrible good problem thanks happy angry not very but kind of sort just enough bomb yeah "
             "right never so this least at really extremely GREAT BAD no ! ? , cut mustard").split()
    texts += [" ".join(rng.choice(vocab, int(rng.integers(1, 20)))) for _ in range(1500)]
    expected = np.array([nltk_vader.polarity_scores(t)["compound"] for t in texts])
    assert np.array_equal(vader().score_texts(texts), expected)
    assert (expected > 0.05).any() and (expected < -0.05).any()


def test_near_duplicate_questions_share_a_key():
    from meeting_analytics.analytics.questions import question_key
    from meeting_analytics.batch.corpus import meeting_date

    assert question_key("How do I reset my password?") == question_key("um, how can I reset my passwords")
    assert question_key("When will my order arrive?") != question_key("How do I reset my password?")
    assert meeting_date("/x/support_2025-03-14_call.wav", None) == ("2025-03-14", "file name")
    assert meeting_date("/x/rec20240102.mp3", None) == ("2024-01-02", "file name")
    assert meeting_date("/x/call.wav", 0.0) == (None, "none")


def test_batch_and_corpus_bad_arguments(tmp_path, capsys):
    from meeting_analytics.cli import main

    assert main(["corpus", str(tmp_path)]) == 1  # no manifest: not a results directory
    assert "not a batch results directory" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nothing*.wav"), "-o", str(tmp_path / "out")]) == 2
    assert "no input files" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--language", "xx"]) == 2
    assert "language" in capsys.readouterr().err


def test_corpus_roles_are_the_meetings_own():
    """``analyze_corpus`` gave no roles: the transcripts' own (``--roles`` at transcription, enrolled voices'
    roles) were lost, and ``roles=`` was refused; each meeting's speakers now carry what ``analyze`` gives."""
    from helpers import ROOT

    from meeting_analytics.transcript import Transcript

    named = [(p.stem, Transcript.load(p)) for p in sorted((ROOT / "tests" / "data").glob("written_0.1_*.json"))]
    corpus = analyze_corpus(named)
    for name, t in named:
        own = analyze(t).speakers.set_index("speaker")[["role", "role_source"]]
        got = corpus.speakers[corpus.speakers["meeting"] == name].set_index("speaker")[["role", "role_source"]]
        pd.testing.assert_frame_equal(got, own)
    given = analyze_corpus(named, roles="interviewer,candidate").speakers
    call = given[given["meeting"] == "written_0.1_call"]
    assert sorted(call["role"]) == ["candidate", "interviewer"]
