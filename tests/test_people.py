"""Interviews across recordings: an enrolled interviewer (with a role) in a batch of synthetic
interviews, the per-person scorecards of the corpus, and their equality with each interview's own
report. Real models, the real CLI (enroll, batch, corpus)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli

from meeting_analytics.analytics.meeting import MeetingReport
from meeting_analytics.analytics.people import person_rows, person_summary
from meeting_analytics.analytics.roles import assign_roles
from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav
from meeting_analytics.stages.voices import exclusive, speech_of


def test_roles_go_to_who_asks_and_known_roles_win():
    speakers = pd.DataFrame({"speaker": ["A", "B"], "questions": [1, 6], "talk_time": [50.0, 20.0]})
    guessed = assign_roles(speakers, ("interviewer", "candidate")).set_index("speaker")
    assert guessed.loc["B", "role"] == "interviewer" and guessed.loc["A", "role"] == "candidate"
    assert guessed.loc["B", "role_source"] == "guessed: asks more questions (6 vs 1)"
    known = assign_roles(speakers, ("interviewer", "candidate"), known={"A": "interviewer"}).set_index("speaker")
    assert known.loc["A", "role_source"] == "voice profile" and known.loc["B", "role"] == "candidate"
    three = assign_roles(pd.concat([speakers, speakers.assign(speaker="C")]), ("interviewer", "candidate"))
    assert three["role"].isna().all()  # no guess beyond two parties


def test_person_summary_weighs_recordings_by_talk_time():
    rows = pd.DataFrame({"meeting": ["m1", "m2", "m1"], "person": ["Dana", "Dana", "SPEAKER_01"], "role": "interviewer",
                         "talk_time": [60.0, 180.0, 30.0], "share": [0.5, 0.5, 0.5], "wpm": [120.0, 140.0, 100.0],
                         "longest_turn": [10.0, 20.0, 5.0], "hesitations": [2, 3, 9], "discourse_markers": [0, 4, 1],
                         "questions_asked": [3, 4, 0], "questions_answered": [0, 1, 3],
                         "answer_latency": [None, 0.5, 0.4]})
    s = person_summary(rows).set_index("person")
    assert list(s.index) == ["Dana"]
    assert s.loc["Dana", "hesitations_per_minute"] == pytest.approx(5 / 4.0)
    assert s.loc["Dana", "wpm"] == pytest.approx((120 * 1 + 140 * 3) / 4.0)
    assert s.loc["Dana", "recordings"] == 2 and s.loc["Dana", "questions_asked"] == 7


@pytest.mark.models
def test_a_batch_of_interviews_gives_per_person_scorecards_equal_to_each_report(tmp_path):
    source = synthesize_meeting(n_speakers=2, duration=40.0, seed=301, phrases=True)
    clip = write_wav(tmp_path / "dana.wav", speech_of(source.audio, exclusive(source.turns, "S1")))
    enrolled = run_cli("enroll", "Dana", clip, "--role", "interviewer", "--profiles", tmp_path / "profiles")
    assert enrolled.returncode == 0, enrolled.stderr
    for i in range(4):
        m = synthesize_meeting(n_speakers=2, duration=30.0, seed=310 + i, filler_rate=0.15, phrases=True)
        write_wav(tmp_path / "interviews" / f"interview_2026-11-{i + 1:02d}.wav", m.audio)
    done = run_cli("batch", tmp_path / "interviews", "-o", tmp_path / "results", "--profiles", tmp_path / "profiles",
                   "--num_speakers", "2", "--roles", "interviewer,candidate", "--workers", "1", "-q")
    assert done.returncode == 0, done.stderr
    corpus = run_cli("corpus", tmp_path / "results", "-q")
    assert corpus.returncode == 0, corpus.stderr
    out = tmp_path / "results" / "corpus"
    rows = pd.read_csv(out / "people.csv")
    summary = pd.read_csv(out / "people_summary.csv").set_index("person")
    assert summary.loc["Dana", "recordings"] == 4 and summary.loc["Dana", "role"] == "interviewer"
    assert "people" in (out / "corpus.html").read_text()

    for result in (tmp_path / "results" / "results").iterdir():
        if result.name.startswith("."):
            continue
        report = MeetingReport.load(result)
        meeting = report.meeting.source
        roles = report.speakers.set_index("speaker")["role"]
        assert roles["Dana"] == "interviewer" and sorted(roles) == ["candidate", "interviewer"]
        candidate = roles[roles == "candidate"].index[0]
        counts = report.filler_counts.set_index(["speaker", "category"])["per_minute"]
        mine = rows[(rows["person"] == candidate) & (rows["meeting"] == Path(meeting).stem)].iloc[0]
        assert mine["hesitations_per_minute"] == pytest.approx(counts[(candidate, "hesitation")])
        assert mine["discourse_markers_per_minute"] == pytest.approx(counts[(candidate, "discourse_marker")])
        again = person_rows("x", report.speakers, report.filler_counts, report.questions)
        again_rate = again.set_index("person").loc[candidate, "fillers_per_minute"]
        assert again_rate == pytest.approx(mine["fillers_per_minute"])
