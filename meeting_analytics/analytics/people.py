"""Per-person scorecards across recordings: one row per person per recording, one summary per person.

A person is a speaker label: the names known voices give (``enroll``) or the ones a user gave; the
generic labels (``SPEAKER_00``, ``CH0``) mean nothing across recordings and are left out of the
summary. Rates in the summary are totals over totals (hesitations over all talk minutes), so a long
interview weighs what it lasted.
"""

from __future__ import annotations

import re

import pandas as pd

from .frames import empty
from .questions import sentences_by

GENERIC = re.compile(r"^(SPEAKER_\d+|CH\d+)$")
ROW_COLUMNS = ["meeting", "person", "role", "talk_time", "share", "wpm", "longest_turn", "hesitations",
               "hesitations_per_minute", "discourse_markers", "discourse_markers_per_minute", "fillers_per_minute",
               "questions_asked", "questions_answered", "answer_latency"]


def person_rows(meeting: str, speakers: pd.DataFrame, filler_counts: pd.DataFrame,
                questions: pd.DataFrame) -> pd.DataFrame:
    """One meeting's scorecard rows, straight from its report's frames (the same figures)."""
    def category(name: str, column: str) -> pd.Series:
        sel = filler_counts[filler_counts["category"] == name].set_index("speaker")[column]
        return speakers["speaker"].map(sel).fillna(0)

    replied = questions.dropna(subset=["answered_by"])
    answered = replied.groupby("answered_by")
    answered_sentences = sentences_by(replied, "answered_by")
    rows = pd.DataFrame({
        "meeting": meeting, "person": speakers["speaker"],
        "role": speakers["role"] if "role" in speakers else None,
        "talk_time": speakers["talk_time"], "share": speakers["share"], "wpm": speakers["wpm"],
        "longest_turn": speakers["longest_turn"],
        "hesitations": category("hesitation", "count").astype(int),
        "hesitations_per_minute": category("hesitation", "per_minute"),
        "discourse_markers": category("discourse_marker", "count").astype(int),
        "discourse_markers_per_minute": category("discourse_marker", "per_minute"),
        "fillers_per_minute": speakers["fillers_per_minute"],
        "questions_asked": speakers["questions"],
        "questions_answered": speakers["speaker"].map(answered_sentences).fillna(0).astype(int),
        "answer_latency": speakers["speaker"].map(answered["latency"].mean()),
    })
    return rows[ROW_COLUMNS].reset_index(drop=True)


def people_rows(speakers: pd.DataFrame, filler_counts: pd.DataFrame, questions: pd.DataFrame) -> pd.DataFrame:
    """``person_rows`` of every meeting in frames of the same meetings with a ``meeting`` column (in the
    speakers table's order)."""
    names = speakers["meeting"].unique()
    if len(names) == 1:  # one meeting (a batch's result): nothing to group
        return person_rows(names[0], speakers, filler_counts, questions)
    counts, asked = dict(tuple(filler_counts.groupby("meeting", sort=False))), \
        dict(tuple(questions.groupby("meeting", sort=False)))
    rows = [person_rows(m, s, counts.get(m, filler_counts.iloc[:0]), asked.get(m, questions.iloc[:0]))
            for m, s in speakers.groupby("meeting", sort=False)]
    return pd.concat(rows, ignore_index=True) if rows else empty(ROW_COLUMNS)


def person_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per named person across recordings."""
    named = rows[~rows["person"].astype(str).str.match(GENERIC)]
    if named.empty:
        return empty(["person", "role", "recordings", "talk_time", "share", "wpm", "longest_turn",
                      "hesitations_per_minute", "discourse_markers_per_minute", "questions_asked",
                      "questions_answered", "answer_latency"])
    minutes = named["talk_time"] / 60.0
    g = named.assign(minutes=minutes, words=named["wpm"] * minutes).groupby("person", sort=True)
    return pd.DataFrame({
        "role": g["role"].agg(lambda r: r.dropna().mode().iat[0] if r.notna().any() else None),
        "recordings": g["meeting"].nunique(), "talk_time": g["talk_time"].sum(), "share": g["share"].mean(),
        "wpm": g["words"].sum() / g["minutes"].sum(), "longest_turn": g["longest_turn"].max(),
        "hesitations_per_minute": g["hesitations"].sum() / g["minutes"].sum(),
        "discourse_markers_per_minute": g["discourse_markers"].sum() / g["minutes"].sum(),
        "questions_asked": g["questions_asked"].sum(), "questions_answered": g["questions_answered"].sum(),
        "answer_latency": g["answer_latency"].mean(),
    }).reset_index()
