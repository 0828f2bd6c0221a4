"""One corpus engine: the batch's corpus tables (saved results read back one meeting at a time) equal the
in-memory corpus (``analyze_corpus``) summarised by the same code, and the tables' values that can be
checked exactly are. No models: transcripts are built by hand, saved the way a batch worker saves them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meeting_analytics.analytics import analyze
from meeting_analytics.analytics.corpus import SUMMARY_FRAMES, analyze_corpus
from meeting_analytics.analytics.questions import question_key, question_sentences
from meeting_analytics.batch.corpus import build_corpus, corpus_tables
from meeting_analytics.batch.manifest import Manifest
from meeting_analytics.batch.run import record
from meeting_analytics.batch.worker import Outcome, write_result
from helpers import meeting

WORDS = ("um uh like so well you know i mean the invoice billing team great terrible not very happy angry but "
         "kind of right okay problem customer release we I think").split()
ASKED = ["How do I reset my password?", "um, how can I reset my passwords?", "When will my order arrive?",
         "Is the invoice ready?"]
# (path, speakers, with turns, roles, file_mtime); two stems repeat (a/standup, b/standup)
MEETINGS = [("/data/calls/support_2025-03-14_call.wav", ["Dana", "SPEAKER_01"], True, "interviewer,candidate", 1.741e9),
            ("/data/calls/a/standup.wav", ["Dana", "Lee", "SPEAKER_02"], True, None, 1735776000.0),
            ("/data/calls/b/standup.wav", ["Lee", "Sam"], False, None, 1735776000.0),
            ("/data/calls/rec20250314.mp3", ["Sam", "Dana"], True, "agent,customer", 1742000000.0),
            ("/data/calls/review_2024-12-01.wav", ["SPEAKER_00", "SPEAKER_01", "Lee", "Sam"], True, None, 1743000000.0),
            ("/data/calls/late.wav", ["Dana", "Lee"], False, None, 1740000000.0)]
FAILED = [("/data/calls/notes.wav", "/data/calls/notes.wav: not a readable audio file"),
          ("/data/calls/silence.wav", "/data/calls/silence.wav: silent")]


def random_meeting(seed: int, speakers: list[str], with_turns: bool, n_utt: int = 50):
    rng = np.random.default_rng(seed)
    t, utts, turns = 0.0, [], []
    for _ in range(n_utt):
        if rng.random() < 0.12:
            text = str(rng.choice(ASKED))
        else:
            n = int(rng.integers(2, 12))
            text = " ".join(rng.choice(WORDS, n)) + ("?" if rng.random() < 0.15 else ".")
        n = len(text.split())
        spk = str(rng.choice(speakers))
        utts.append((spk, t, t + 0.4 * n, text))
        turns.append((t, t + 0.4 * n, spk))
        t += 0.4 * n + float(rng.uniform(-0.6, 1.5))
    return meeting(utts, turns=turns if with_turns else None, duration=t + 2.0)


NAMES = ["support_2025-03-14_call", "a/standup", "b/standup", "rec20250314", "review_2024-12-01", "late"]
DATES = [("2025-03-14", "file name"), ("2025-01-02", "file time"), ("2025-01-02", "file time"),
         ("2025-03-14", "file name"), ("2024-12-01", "file name"), ("2025-02-19", "file time")]


def write_batch_results(out: Path, started: float = 1.7e9, roles: bool = True) -> list[tuple[str, object]]:
    """A batch results directory as ``meeting-analytics batch`` leaves it, without models: each meeting's
    report saved by ``worker.write_result``, its manifest row by ``run.record`` (with the planning step's
    key and file time), two failed files, one run. Returns (path, transcript) of the finished meetings."""
    manifest = Manifest(out / "manifest.sqlite")
    run = manifest.start_run("local", 1, len(MEETINGS) + len(FAILED), {})
    done = []
    with_roles = roles
    for i, (path, speakers, with_turns, roles, mtime) in enumerate(MEETINGS):
        transcript = random_meeting(100 + i, speakers, with_turns)
        key = f"{i:020d}-options00000"
        outcome = Outcome(path, key, "done", audio_seconds=float(transcript.duration), wall_seconds=2.5 + i,
                          worker="test:1")
        manifest.upsert(path, key=key, status="pending", file_mtime=mtime)
        write_result(out, key, analyze(transcript, roles=roles if with_roles else None), outcome)
        record(manifest, outcome)
        done.append((path, transcript))
    for path, error in FAILED:
        record(manifest, Outcome(path, f"{path[-9:]}-failed", "failed", error=error, wall_seconds=0.5, worker="test:1"))
    manifest.db.execute("UPDATE runs SET started = ?, finished = ? WHERE id = ?", (started, started + 60.0, run))
    manifest.db.commit()
    manifest.close()
    return done


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("batch")
    return out, write_batch_results(out)


def test_the_batch_corpus_equals_the_in_memory_corpus(tmp_path):
    """Saved results read back one meeting at a time and ``analyze_corpus`` (meetings on one time axis, in
    several batches) give the same tables through the same ``CorpusBuilder``."""
    done = write_batch_results(tmp_path, roles=False)  # analyze_corpus guesses no roles
    batch = corpus_tables(tmp_path)
    named = [(name, transcript) for name, (_, transcript) in zip(NAMES, done)]
    memory = analyze_corpus(named, max_words=700)
    about = batch.meetings[["meeting", "path", "date", "date_source", "wall_seconds"]]  # the manifest's facts
    summary = memory.summary(about=about)
    for name in SUMMARY_FRAMES:
        mine, theirs = getattr(summary, name), getattr(batch, name)
        assert len(theirs) and list(mine.columns) == list(theirs.columns), name
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False, obj=name)
    # the meeting figures are analyze's, with or without diarization turns in the same corpus
    for name, transcript in named:
        row = memory.meetings.set_index("meeting").loc[name]
        single = analyze(transcript).meeting
        for key in ("duration", "speech_time", "silence_share", "speakers", "speaker_switches", "switches_per_minute"):
            assert row[key] == pytest.approx(getattr(single, key)), (name, key)


def test_the_batch_corpus_tables_hold_each_meetings_report(results):
    out, done = results
    t = corpus_tables(out)
    reports = [analyze(tr, roles=m[3]) for (_, tr), m in zip(done, MEETINGS)]
    m = t.meetings
    assert list(m["meeting"]) == NAMES and list(m["path"]) == [p for p, *_ in MEETINGS]
    assert list(zip(m["date"], m["date_source"])) == DATES
    assert list(m["duration"]) == [tr.duration for _, tr in done]
    assert list(m["words"]) == [len(tr.words) for _, tr in done]
    assert list(m["fillers"]) == [len(r.fillers) for r in reports]
    assert list(m["questions"]) == [len(r.questions) for r in reports]
    assert list(m["utterances"]) == [len(tr.utterances) for _, tr in done]
    assert list(m["speakers"]) == [len(r.speakers) for r in reports]
    assert list(m["wall_seconds"]) == [2.5 + i for i in range(len(MEETINGS))]
    for name, report in zip(NAMES, reports):  # each meeting's own tables, as saved
        mine = t.speakers[t.speakers["meeting"] == name].drop(columns="meeting").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[list(report.speakers.columns)], report.speakers, check_dtype=False)
        rates = t.filler_rates[t.filler_rates["meeting"] == name].set_index("speaker")
        for _, c in report.filler_counts.iterrows():
            assert rates.loc[c["speaker"], c["category"]] == c["per_minute"]
        mood = report.utterances.assign(w=report.utterances["n_words"].clip(lower=1))
        assert m.set_index("meeting").loc[name, "mean_sentiment"] == pytest.approx(
            (mood["w"] * mood["sentiment"]).sum() / mood["w"].sum())
    # questions grouped across meetings by key; the two wordings of the password question are one
    asked = pd.DataFrame([(name, s) for name, (_, tr) in zip(NAMES, done) for u in tr.utterances
                          for s in question_sentences(u.text)], columns=["meeting", "question"])
    asked["key"] = asked["question"].map(question_key)
    password = t.questions.set_index("key").loc[question_key("How do I reset my password?")]
    mine = asked[asked["key"] == question_key("How do I reset my password?")]
    assert password["count"] == len(mine) and password["meetings"] == mine["meeting"].nunique()
    assert password["variants"] == 2 and password["question"] == mine["question"].value_counts().index[0]
    assert t.questions["count"].sum() <= len(asked) and t.questions["count"].is_monotonic_decreasing
    # topics summed over meetings
    topics = pd.concat([r.meeting_topics for r in reports])
    for _, row in t.topics.head(10).iterrows():
        same = topics[(topics["term"] == row["term"]) & (topics["kind"] == row["kind"])]
        assert (row["count"], row["meetings"]) == (same["count"].sum(), len(same))
    # people: named speakers across recordings, roles as each report gave them
    s = t.people_summary.set_index("person")
    assert sorted(s.index) == ["Dana", "Lee", "Sam"]
    assert s.loc["Dana", "recordings"] == 4 and s.loc["Sam", "recordings"] == 3
    lee = [r.speakers.set_index("speaker").loc["Lee", "talk_time"] for r in reports
           if "Lee" in set(r.speakers["speaker"])]
    assert s.loc["Lee", "talk_time"] == pytest.approx(sum(lee))
    assert len(t.people) == len(t.speakers)
    assert dict(zip(t.sentiment_by_date["date"], t.sentiment_by_date["meetings"])) == {
        "2024-12-01": 1, "2025-01-02": 2, "2025-02-19": 1, "2025-03-14": 2}
    # cost and failures from the manifest
    assert list(t.failed["path"]) == [p for p, _ in FAILED] and list(t.failed["error"]) == [e for _, e in FAILED]
    hours = sum(tr.duration for _, tr in done) / 3600
    assert asdict(t.cost) == {
        "files_done": 6, "files_failed": 2, "audio_hours": round(hours, 4), "wall_hours": round(60 / 3600, 4),
        "worker_hours": round(sum(2.5 + i for i in range(6)) / 3600, 4),
        "real_time_factor": round(60 / (hours * 3600), 4), "audio_hours_per_wall_hour": round(hours * 3600 / 60, 3),
        "hosted_equivalent_usd": {"OpenAI (about $0.36 per audio hour)": round(hours * 0.36, 2),
                                  "Azure batch (about $0.18 per audio hour)": round(hours * 0.18, 2)}}


def test_build_corpus_writes_the_tables(results, tmp_path):
    out, _ = results
    written = build_corpus(out, tmp_path / "corpus")
    tables = corpus_tables(out)
    names = [*SUMMARY_FRAMES, "failed"]
    assert [p.name for p in written] == [f"{n}.{ext}" for n in names for ext in ("csv", "parquet")] + [
        "cost.json", "corpus.html"]
    for name in names:
        frame = getattr(tables, name)
        assert (tmp_path / "corpus" / f"{name}.csv").read_text() == frame.to_csv(index=False)
        parquet = pd.read_parquet(tmp_path / "corpus" / f"{name}.parquet")
        assert parquet.to_csv(index=False) == frame.to_csv(index=False)  # the same values (None/NaN read alike)
    assert json.loads((tmp_path / "corpus" / "cost.json").read_text()) == asdict(tables.cost)
    page = (tmp_path / "corpus" / "corpus.html").read_text()
    assert "Throughput and cost" in page and "Failed files" in page and "notes.wav" in page
    assert "Corpus report: 6 recordings" in page and "<script" not in page


def test_a_file_time_missing_for_some_files_only_gives_no_date(tmp_path):
    """The manifest's file_mtime reads back as NaN where other rows have one (a result counted as done
    without the planning step): no date, not a crash."""
    write_batch_results(tmp_path)
    with sqlite3.connect(tmp_path / "manifest.sqlite") as db:
        db.execute("UPDATE files SET file_mtime = NULL WHERE path = ?", (MEETINGS[-1][0],))
    m = corpus_tables(tmp_path).meetings.set_index("meeting")
    assert pd.isna(m.loc["late", "date"]) and m.loc["late", "date_source"] == "none"
    assert m.loc["a/standup", "date_source"] == "file time"


def test_an_in_memory_corpus_renders_without_a_batch():
    from meeting_analytics.report.corpus_html import render_corpus

    named = [(NAMES[i], random_meeting(100 + i, MEETINGS[i][1], MEETINGS[i][2])) for i in range(3)]
    summary = analyze_corpus(named).summary()
    assert summary.cost is None and summary.failed.empty and summary.meetings["date"].isna().all()
    page = render_corpus(summary)
    assert "Corpus report: 3 recordings" in page and "Throughput" not in page and "Failed files" not in page
    assert 'alt="top questions"' in page and 'alt="fillers per minute by person"' in page
