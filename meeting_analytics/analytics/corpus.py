"""Analytics over many meetings in one pass: the same functions as ``analyze``, run once per batch.

Meetings are laid end to end on one time axis (an hour of silence between them) and every speaker
is keyed by (meeting, speaker), so each per-speaker function runs once over thousands of meetings
instead of once per meeting; results are mapped back to meeting time and names. Nothing crosses a
meeting: answers, interruptions and repetitions look seconds around a word, utterance ids are
offset, topic log-odds compare speakers within their meeting. Batches bound the memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterable, Iterator

import numpy as np
import pandas as pd

from ..transcript import Transcript
from . import fillers as F
from .meeting import Tables, speaker_table
from .questions import questions
from .sentiment import SentimentScorer, sentiment_timeline, speaker_sentiment, utterance_sentiment
from .talk import _union_duration, speaker_stats
from .topics import summarize_topics, topic_mentions

GAP = 3600.0
CORPUS_FRAMES = ("meetings", "speakers", "utterances", "fillers", "filler_counts", "questions", "topics",
                 "meeting_topics", "timeline")


@dataclass
class CorpusReport(Tables):
    """Every table of ``MeetingReport`` for many meetings, each with a ``meeting`` column, plus ``meetings``."""

    meetings: pd.DataFrame
    NAMES: ClassVar[tuple[str, ...]] = CORPUS_FRAMES

    def people(self) -> pd.DataFrame:
        """One scorecard row per person per meeting (``analytics.people``); ``people_summary()`` per person."""
        from .people import person_rows

        return pd.concat([person_rows(m, s, self.filler_counts[self.filler_counts["meeting"] == m],
                                      self.questions[self.questions["meeting"] == m])
                          for m, s in self.speakers.groupby("meeting", sort=False)], ignore_index=True)

    def people_summary(self) -> pd.DataFrame:
        from .people import person_summary

        return person_summary(self.people())

    @classmethod
    def concat(cls, parts: Iterable["CorpusReport"]) -> "CorpusReport":
        parts = list(parts)
        return cls(**{n: pd.concat([getattr(p, n) for p in parts], ignore_index=True) for n in CORPUS_FRAMES})


@dataclass
class CorpusFrames:
    """words / utterances / turns of many meetings, each with a ``meeting`` column; ``words.utterance``
    indexes the meeting's own utterances (0..n-1, in the order of the utterances frame)."""

    words: pd.DataFrame
    utterances: pd.DataFrame
    turns: pd.DataFrame
    meetings: pd.DataFrame  # meeting, duration, language

    @classmethod
    def from_transcripts(cls, named: Iterable[tuple[str, Transcript]]) -> "CorpusFrames":
        w, u, t, m = [], [], [], []
        for name, tr in named:
            w.append(tr.words_frame().assign(meeting=name))
            u.append(tr.utterances_frame().assign(meeting=name))
            t.append(tr.turns_frame().assign(meeting=name))
            m.append((name, float(tr.duration), tr.language))
        cat = lambda frames: pd.concat(frames, ignore_index=True)  # noqa: E731
        return cls(cat(w), cat(u), cat(t), pd.DataFrame(m, columns=["meeting", "duration", "language"]))


def batches(named: Iterable[tuple[str, Transcript]], max_words: int = 1_000_000) -> Iterator[CorpusFrames]:
    """Group transcripts into CorpusFrames of about ``max_words`` words each."""
    batch, words = [], 0
    for item in named:
        batch.append(item)
        words += len(item[1].words)
        if words >= max_words:
            yield CorpusFrames.from_transcripts(batch)
            batch, words = [], 0
    if batch:
        yield CorpusFrames.from_transcripts(batch)


class _Axis:
    """Meeting -> time offset and utterance offset; (meeting, speaker) -> one integer key."""

    def __init__(self, c: CorpusFrames):
        self.names = c.meetings["meeting"].to_numpy(dtype=object)
        index = pd.Index(self.names)
        self.code = {k: index.get_indexer(f["meeting"]) for k, f in (("w", c.words), ("u", c.utterances),
                                                                      ("t", c.turns))}
        self.offset = np.r_[0.0, np.cumsum(c.meetings["duration"].to_numpy(float) + GAP)[:-1]]
        n_utt = np.bincount(self.code["u"], minlength=len(self.names))
        self.utt_offset = np.r_[0, np.cumsum(n_utt)[:-1]]
        pairs = pd.concat([pd.DataFrame({"m": self.code[k], "s": f["speaker"].to_numpy()})
                           for k, f in (("w", c.words), ("u", c.utterances), ("t", c.turns))]).dropna()
        pairs = pairs.drop_duplicates().sort_values(["m", "s"]).reset_index(drop=True)
        self.word_offset = np.r_[0, np.cumsum(np.bincount(self.code["w"], minlength=len(self.names)))[:-1]]
        self.pairs = pairs
        self._index = pd.MultiIndex.from_frame(pairs[["m", "s"]])

    def key(self, codes: np.ndarray, speakers: pd.Series) -> np.ndarray:
        """(meeting, speaker) -> a float key, NaN where the speaker is unknown (as groupby expects)."""
        at = self._index.get_indexer(pd.MultiIndex.from_arrays([codes, speakers.to_numpy(dtype=object)]))
        return np.where(at >= 0, at, np.nan)

    def shift(self, frame: pd.DataFrame, kind: str, utterance: bool = False) -> pd.DataFrame:
        code = self.code[kind]
        out = frame.assign(start=frame["start"] + self.offset[code], end=frame["end"] + self.offset[code],
                           speaker=self.key(code, frame["speaker"]))
        if utterance:
            out["utterance"] = frame["utterance"].to_numpy() + self.utt_offset[code]
        return out

    def restore(self, frame: pd.DataFrame, time_cols=("start", "end"), speaker_cols=("speaker",)) -> pd.DataFrame:
        """Back to meeting names, speaker names and meeting time; ``meeting`` first."""
        frame = frame.drop(columns="meeting", errors="ignore")
        if frame.empty:
            return frame.assign(meeting=pd.Series(dtype=object))[["meeting", *frame.columns]]
        if time_cols[0] in frame:  # the meeting is where the time falls on the axis
            m = np.searchsorted(self.offset, frame[time_cols[0]].to_numpy(float), side="right") - 1
        else:
            m = self.pairs["m"].to_numpy()[frame[speaker_cols[0]].to_numpy(float).astype(int)]
        out = frame.copy()
        for col in speaker_cols:
            k = out[col].to_numpy(dtype=float)
            ok = ~np.isnan(k)
            names = np.full(len(k), None, dtype=object)
            names[ok] = self.pairs["s"].to_numpy(dtype=object)[k[ok].astype(int)]
            out[col] = names
        for col in time_cols:
            if col in out:
                out[col] = out[col].to_numpy(float) - self.offset[m]
        out.insert(0, "meeting", self.names[m])
        return out


def analyze_frames(c: CorpusFrames, lexicon: F.FillerLexicon | None = None, scorer: SentimentScorer | None = None,
                   timeline_window: float = 60.0, timeline_step: float = 15.0, top_topics: int = 20) -> CorpusReport:
    """All analytics of every meeting in ``c`` (one language: the first meeting's)."""
    ax = _Axis(c)
    language = c.meetings["language"].iloc[0] if len(c.meetings) else "en"
    words = ax.shift(c.words, "w", utterance=True)
    utts = ax.shift(c.utterances, "u")
    turns = ax.shift(c.turns, "t")
    stats = speaker_stats(words, utts, turns, max_latency=GAP / 2)
    occurrences = F.find_fillers(words, lexicon or F.lexicon_for(language))
    counts = F.filler_counts(occurrences, stats)
    scored = utterance_sentiment(utts, scorer)
    mood = speaker_sentiment(scored)
    speakers = ax.restore(speaker_table(stats, counts, mood))
    speakers["share"] = speakers["talk_time"] / speakers.groupby("meeting")["talk_time"].transform("sum")
    ranges = ax.pairs.assign(t0=ax.offset[ax.pairs["m"].to_numpy()],
                             t1=ax.offset[ax.pairs["m"].to_numpy()] + c.meetings["duration"].to_numpy(float)[
                                 ax.pairs["m"].to_numpy()])
    ranges.index = ranges.index.astype(float)
    timeline = sentiment_timeline(scored, timeline_window, timeline_step, ranges=ranges)
    mentions = topic_mentions(words, language)
    mentions["meeting"] = ax.names[ax.pairs["m"].to_numpy()[mentions["speaker"].to_numpy(int)]] if len(mentions) \
        else pd.Series(dtype=object)
    per_speaker, per_meeting = summarize_topics(_with_speaker_names(ax, mentions), top_topics, by=["meeting"])
    fill = ax.restore(occurrences)
    if len(fill):
        m = _codes(ax, fill)
        fill["utterance"] -= ax.utt_offset[m]
        fill["word_index"] -= ax.word_offset[m]
    q = ax.restore(questions(utts), time_cols=("start", "end", "answer_start"), speaker_cols=("speaker", "answered_by"))
    if len(q):
        q["utterance"] -= ax.utt_offset[_codes(ax, q)]
    return CorpusReport(meetings=_meeting_stats(c), speakers=speakers, utterances=ax.restore(scored), fillers=fill,
                        filler_counts=ax.restore(counts), questions=q, topics=per_speaker, meeting_topics=per_meeting,
                        timeline=ax.restore(timeline, time_cols=("time",)))


def _with_speaker_names(ax: _Axis, mentions: pd.DataFrame) -> pd.DataFrame:
    if mentions.empty:
        return mentions
    return mentions.assign(speaker=ax.pairs["s"].to_numpy(dtype=object)[mentions["speaker"].to_numpy(int)])


def _codes(ax: _Axis, frame: pd.DataFrame) -> np.ndarray:
    return pd.Index(ax.names).get_indexer(frame["meeting"])


def _meeting_stats(c: CorpusFrames) -> pd.DataFrame:
    """Per meeting: duration, speech time, silence share, speakers, words, switches per minute."""
    act = c.turns if len(c.turns) else c.utterances.dropna(subset=["speaker"])
    speech = {m: _union_duration(g["start"].to_numpy(), g["end"].to_numpy()) for m, g in act.groupby("meeting")}
    u = c.utterances.dropna(subset=["speaker"]).sort_values(["meeting", "start", "end"], kind="stable")
    floors = u[(u["speaker"] != u["speaker"].shift()) | (u["meeting"] != u["meeting"].shift())]
    out = c.meetings.copy()
    out["speech_time"] = out["meeting"].map(speech).fillna(0.0)
    out["silence_share"] = np.where(out["duration"] > 0, 1 - out["speech_time"] / out["duration"].where(out["duration"] > 0, 1), 0.0)
    out["speakers"] = out["meeting"].map(act.groupby("meeting")["speaker"].nunique()).fillna(0).astype(int)
    out["words"] = out["meeting"].map(c.words.groupby("meeting").size()).fillna(0).astype(int)
    switches = (floors.groupby("meeting").size() - 1).clip(lower=0) if len(floors) else pd.Series(dtype=int)
    out["speaker_switches"] = out["meeting"].map(switches).fillna(0).astype(int)
    minutes = out["duration"] / 60.0
    out["switches_per_minute"] = np.where(minutes > 0, out["speaker_switches"] / minutes.where(minutes > 0, 1), 0.0)
    return out


def analyze_corpus(named: Iterable[tuple[str, Transcript]], max_words: int = 1_000_000, **options) -> CorpusReport:
    """Analytics of many transcripts (``(name, Transcript)`` pairs), ``max_words`` per batch."""
    return CorpusReport.concat(analyze_frames(b, **options) for b in batches(named, max_words))
