"""Analytics over many meetings in one pass: the same functions as ``analyze``, run once per batch.

Meetings are laid end to end on one time axis (an hour of silence between them) and every speaker
is keyed by (meeting, speaker), so each per-speaker function runs once over thousands of meetings
instead of once per meeting; results are mapped back to meeting time and names. Nothing crosses a
meeting: answers, interruptions and repetitions look seconds around a word, utterance ids are
offset, topic log-odds compare speakers within their meeting. Batches bound the memory.

``CorpusBuilder`` folds reports into the corpus tables (``CorpusTables``: per speaker, per person,
per meeting, questions grouped by ``question_key``, topics, sentiment by date), many meetings at once
(``CorpusReport.summary``) or one at a time (a batch's saved results, ``batch.corpus``): the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import ClassVar, Iterable, Iterator

import numpy as np
import pandas as pd

from ..transcript import Transcript
from . import fillers as F
from .frames import dtype_of
from .meeting import Tables, apply_roles, known_roles, speaker_table
from .people import person_summary, people_rows
from .questions import question_key, question_sentences, questions, sentences_by
from .sentiment import SentimentScorer, sentiment_timeline, speaker_sentiment, utterance_sentiment
from .tokens import plural
from .talk import meeting_activity, meeting_table, speaker_stats
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
        return people_rows(self.speakers, self.filler_counts, self.questions)

    def people_summary(self) -> pd.DataFrame:
        """One row per named person across meetings; rates are totals over the person's talk minutes."""
        return person_summary(self.people())

    @property
    def plot(self):
        # upward, lazy, as MeetingReport.plot: presentation draws the data model
        from ..report.charts import CorpusPlots

        return CorpusPlots(self)

    def summary(self, top: int = 25, about: pd.DataFrame | None = None) -> "CorpusTables":
        """The corpus tables of these meetings (``CorpusBuilder``), as ``meeting-analytics corpus`` writes them
        for a batch. ``about``: facts to carry into the meetings table, one row per meeting (``meeting`` and
        any of ``path``, ``date``, ``date_source``, ``wall_seconds``)."""
        builder = CorpusBuilder()
        builder.add_report(self, about)
        return builder.tables(top)

    def at_a_glance(self) -> tuple[str, pd.DataFrame]:
        """A line of totals and a frame of one row per meeting (duration in s, speakers, words, fillers,
        questions): what the report shows when printed, or in Jupyter."""
        m = self.meetings.set_index("meeting")
        fillers = _per_meeting(self.fillers.groupby("meeting").size(), m.index)
        asked = _per_meeting(sentences_by(self.questions, "meeting"), m.index)
        per = pd.DataFrame({"duration": m["duration"].astype(float).round(1), "speakers": m["speakers"],
                            "words": m["words"], "fillers": fillers, "questions": asked})
        line = (f"{plural(len(per), 'meeting')}, {float(per['duration'].sum()):.1f} s, "
                f"{plural(len(self.speakers), 'speaker')}, {plural(int(per['words'].sum()), 'word')}, "
                f"{plural(int(per['fillers'].sum()), 'filler')}, {plural(int(per['questions'].sum()), 'question')}")
        return line, per.reset_index()

    def __repr__(self) -> str:
        line, per = self.at_a_glance()
        table = per.head(8).to_string(index=False) if len(per) else "(no meetings)"
        more = f"\n... {plural(len(per) - 8, 'more meeting')}" if len(per) > 8 else ""
        return f"CorpusReport({line})\n{table}{more}"

    def _repr_html_(self) -> str:
        # upward, lazy, as MeetingReport's: presentation draws the data model
        from ..report.html import corpus_summary_html

        return corpus_summary_html(self)

    @classmethod
    def concat(cls, parts: Iterable["CorpusReport"]) -> "CorpusReport":
        parts = list(parts)
        return cls(**{n: pd.concat([getattr(p, n) for p in parts], ignore_index=True) for n in CORPUS_FRAMES})


def _per_meeting(counts: pd.Series, meetings: pd.Index) -> pd.Series:
    """``counts`` by meeting in the order of ``meetings``, 0 for a meeting without any."""
    return counts.reindex(meetings, fill_value=0).astype(int)


@dataclass
class CorpusFrames:
    """words / utterances / turns of many meetings, each with a ``meeting`` column; ``words.utterance``
    indexes the meeting's own utterances (0..n-1, in the order of the utterances frame)."""

    words: pd.DataFrame
    utterances: pd.DataFrame
    turns: pd.DataFrame
    meetings: pd.DataFrame  # meeting, duration, language
    roles: dict[str, MeetingRoles] = field(default_factory=dict)

    @classmethod
    def from_transcripts(cls, named: Iterable[tuple[str, Transcript]]) -> "CorpusFrames":
        w, u, t, m, roles = [], [], [], [], {}
        for name, tr in named:
            w.append(tr.words_frame().assign(meeting=name))
            u.append(tr.utterances_frame().assign(meeting=name))
            t.append(tr.turns_frame().assign(meeting=name))
            m.append((name, float(tr.duration), tr.language))
            roles[name] = MeetingRoles(tr.info.roles, known_roles(tr))
        cat = lambda frames: pd.concat(frames, ignore_index=True)  # noqa: E731
        return cls(cat(w), cat(u), cat(t), pd.DataFrame(m, columns=["meeting", "duration", "language"]), roles)


@dataclass(frozen=True)
class MeetingRoles:
    """What a transcript says of roles: those it was made with (``--roles``) and its enrolled voices' roles."""

    roles: str | None = None
    known: dict[str, str] = field(default_factory=dict)


def _with_roles(speakers: pd.DataFrame, c: CorpusFrames, roles: str | None) -> pd.DataFrame:
    """Each meeting's speakers with roles as ``analyze`` gives them: ``roles`` given, else the transcript's."""
    if not roles and not any(r.roles or r.known for r in c.roles.values()):
        return speakers
    told = {m: c.roles.get(m, MeetingRoles()) for m in speakers["meeting"].unique()}
    parts = [apply_roles(g, roles or told[m].roles, told[m].known) for m, g in speakers.groupby("meeting", sort=False)]
    return pd.concat(parts, ignore_index=True)


def batches(named: Iterable[tuple[str, Transcript]], max_words: int = 1_000_000) -> Iterator[CorpusFrames]:
    """Group transcripts into CorpusFrames of about ``max_words`` words each."""
    batch, words = [], 0
    for k, item in enumerate(named):
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], Transcript)):
            raise TypeError(f"item {k} is {type(item).__name__}, not a (name, Transcript) pair: "
                            "give analyze_corpus pairs, e.g. zip(names, transcripts)")
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
            return frame.assign(meeting=pd.Series(dtype=dtype_of("meeting")))[["meeting", *frame.columns]]
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
                   timeline_window: float = 60.0, timeline_step: float = 15.0, top_topics: int = 20,
                   roles: str | None = None) -> CorpusReport:
    """All analytics of every meeting in ``c`` (one language: the first meeting's); ``roles`` as ``analyze``'s."""
    # overlaps and interruptions run on each meeting's diarization turns, or its utterances where it has none,
    # talk time and turns on its floor turns (as ``analyze``; ``definitions.METRICS``)
    c = replace(c, turns=meeting_activity(c.turns, c.utterances))
    ax = _Axis(c)
    language = c.meetings["language"].iloc[0] if len(c.meetings) else "en"
    words = ax.shift(c.words, "w", utterance=True)
    utts = ax.shift(c.utterances, "u")
    turns = ax.shift(c.turns, "t")
    asked = questions(utts, words)
    stats = speaker_stats(words, utts, turns, max_latency=GAP / 2, asked=asked)
    occurrences = F.find_fillers(words, lexicon or F.lexicon_for(language))
    counts = F.filler_counts(occurrences, stats)
    scored = utterance_sentiment(utts, scorer)
    mood = speaker_sentiment(scored)
    speakers = ax.restore(speaker_table(stats, counts, mood))
    speakers["share"] = speakers["talk_time"] / speakers.groupby("meeting")["talk_time"].transform("sum")
    speakers = _with_roles(speakers, c, roles)
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
    q = ax.restore(asked, time_cols=("start", "end", "answer_start"),
                   speaker_cols=("speaker", "answered_by"))
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
    """Per meeting: ``talk.meeting_table`` (as ``analyze``'s meeting figures), with language and words."""
    out = meeting_table(c.meetings, c.utterances, c.turns)
    out.insert(2, "language", c.meetings["language"].to_numpy())
    words = c.words.groupby("meeting").size().reindex(out["meeting"]).fillna(0).astype(int).to_numpy()
    out.insert(out.columns.get_loc("speakers") + 1, "words", words)
    return out


@dataclass
class Cost:
    """What processing a batch cost, from its manifest (``cost.json``): files, audio, wall and worker hours, the
    real-time factor (wall over audio) and what hosted transcription would charge for the same audio."""

    files_done: int
    files_failed: int
    audio_hours: float
    wall_hours: float
    worker_hours: float
    real_time_factor: float | None
    audio_hours_per_wall_hour: float | None
    hosted_equivalent_usd: dict[str, float]


SUMMARY_FRAMES = ("speakers", "filler_rates", "people", "people_summary", "meetings", "questions", "topics",
                  "sentiment_by_date")
MEETING_ROW = ["meeting", "path", "date", "date_source", "duration", "speakers", "words", "fillers", "questions",
               "mean_sentiment", "positive_share", "negative_share", "utterances", "wall_seconds"]
QUESTION_ROW = ["question", "count", "meetings", "answered_share", "variants", "example_answer", "key"]


@dataclass
class CorpusTables:
    """The corpus report's tables (``CorpusBuilder.tables``), tidy DataFrames: ``speakers`` (the speakers
    table, a ``meeting`` column first), ``filler_rates`` (per meeting and speaker, one column per filler
    category), ``people`` (scorecards per person per meeting) and ``people_summary`` (per named person),
    ``meetings`` (``MEETING_ROW``), ``questions`` (grouped by ``question_key``, most asked first), ``topics``
    (mentions summed over meetings), ``sentiment_by_date``; a batch adds its ``failed`` files and ``cost``."""

    speakers: pd.DataFrame
    filler_rates: pd.DataFrame
    people: pd.DataFrame
    people_summary: pd.DataFrame
    meetings: pd.DataFrame
    questions: pd.DataFrame
    topics: pd.DataFrame
    sentiment_by_date: pd.DataFrame
    failed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["path", "error"]))
    cost: Cost | None = None
    NAMES: ClassVar[tuple[str, ...]] = (*SUMMARY_FRAMES, "failed")

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table by name (the files ``meeting-analytics corpus`` writes, ``cost.json`` aside)."""
        return {name: getattr(self, name) for name in self.NAMES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name} {len(frame)}" for name, frame in self.frames().items())
        return (f"CorpusTables({plural(len(self.meetings), 'meeting')}, "
                f"{plural(len(self.people_summary), 'named person', 'named people')}; rows: {sizes})")


@dataclass
class _Question:
    count: int = 0
    meetings: set = field(default_factory=set)
    answered: int = 0
    examples: Counter = field(default_factory=Counter)  # wording -> times asked
    answer: str | None = None


class CorpusBuilder:
    """The corpus tables, folded in meeting by meeting (a batch's saved results, read one at a time) or many
    meetings at once (``add_report``): it keeps rows per speaker and per meeting, questions by key and
    topics by term, so memory follows speakers and distinct questions and terms, never utterances or fillers.
    ``tables(top)`` returns the ``CorpusTables``."""

    def __init__(self) -> None:
        self._speakers: list[pd.DataFrame] = []
        self._filler_counts: list[pd.DataFrame] = []
        self._people: list[pd.DataFrame] = []
        self._meetings: list[dict] = []
        self._questions: dict[str, _Question] = {}
        self._topics: Counter = Counter()
        self._topic_meetings: Counter = Counter()

    def __len__(self) -> int:
        """The number of meetings folded in."""
        return len(self._meetings)

    def add(self, meetings: list[dict], speakers: pd.DataFrame, filler_counts: pd.DataFrame,
            questions: pd.DataFrame, meeting_topics: pd.DataFrame, utterances: pd.DataFrame) -> None:
        """Fold in the meetings of ``meetings``, a dict each (``meeting``, ``duration``, ``words``, ``fillers`` and
        where known ``path``, ``date``, ``date_source``, ``wall_seconds``). The frames are a report's tables with
        a ``meeting`` column (``MeetingReport``'s with one added, or ``CorpusReport``'s); ``utterances`` needs
        only ``meeting``, ``sentiment``, ``label`` and ``n_words``."""
        names = [info["meeting"] for info in meetings]
        self._speakers.append(speakers)
        self._filler_counts.append(filler_counts)
        self._people.append(people_rows(speakers, filler_counts, questions))
        for meeting, text, answered_by, answer in zip(questions["meeting"], questions["question"],
                                                      questions["answered_by"], questions["answer"]):
            for sentence in question_sentences(str(text)) or [str(text).strip()]:  # each question on its own
                g = self._questions.setdefault(question_key(sentence), _Question())
                g.count += 1
                g.meetings.add(meeting)
                g.examples[sentence] += 1
                if isinstance(answered_by, str):
                    g.answered += 1
                    g.answer = g.answer or str(answer)
        for term, kind, mentions in zip(meeting_topics["term"], meeting_topics["kind"], meeting_topics["count"]):
            self._topics[(term, kind)] += int(mentions)  # one row per meeting and term
            self._topic_meetings[(term, kind)] += 1
        mood = speaker_sentiment(utterances, by="meeting").set_index("meeting").reindex(names)[
            ["mean_sentiment", "positive_share", "negative_share"]]  # NaN for a silent meeting

        def count(frame: pd.DataFrame) -> dict:  # rows per meeting (one meeting, as a batch adds them: no grouping)
            return {names[0]: len(frame)} if len(names) == 1 else frame.groupby("meeting").size().to_dict()

        n_speakers, n_utterances = count(speakers), count(utterances)
        n_questions = sentences_by(questions, "meeting").to_dict()
        for info in meetings:
            m = info["meeting"]
            self._meetings.append({
                "meeting": m, "path": info.get("path"), "date": info.get("date"),
                "date_source": info.get("date_source", "none"), "duration": info.get("duration"),
                "speakers": int(n_speakers.get(m, 0)), "words": info.get("words"), "fillers": info.get("fillers"),
                "questions": int(n_questions.get(m, 0)), **mood.loc[m].astype(float).to_dict(),
                "utterances": int(n_utterances.get(m, 0)), "wall_seconds": info.get("wall_seconds")})

    def add_report(self, report: CorpusReport, about: pd.DataFrame | None = None) -> None:
        """Fold in every meeting of ``report``; ``about`` as in ``CorpusReport.summary``."""
        fillers = report.fillers.groupby("meeting").size()
        meetings = report.meetings[["meeting", "duration", "words"]].assign(
            fillers=report.meetings["meeting"].map(fillers).fillna(0).astype(int))
        if about is not None:
            meetings = meetings.merge(about, on="meeting", how="left")
        order = pd.Index(meetings["meeting"])

        def in_order(frame: pd.DataFrame) -> pd.DataFrame:  # meeting by meeting, as a batch reads them
            return frame.iloc[np.argsort(order.get_indexer(frame["meeting"]), kind="stable")]

        frames = (report.speakers, report.filler_counts, report.questions, report.meeting_topics, report.utterances)
        self.add(meetings.to_dict("records"), *(in_order(f) for f in frames))

    def tables(self, top: int = 25) -> CorpusTables:
        """The tables of the meetings folded in so far; questions and topics: the ``top * 4`` most frequent."""
        if not self._meetings:
            raise ValueError("CorpusBuilder.tables: no meetings added")
        speakers = pd.concat(self._speakers, ignore_index=True)
        speakers = speakers[["meeting", *[c for c in speakers.columns if c != "meeting"]]]
        fillers = pd.concat(self._filler_counts, ignore_index=True)
        filler_rates = fillers.pivot_table(index=["meeting", "speaker"], columns="category", values="per_minute",
                                           aggfunc="sum", fill_value=0.0).reset_index()
        filler_rates.columns.name = None
        meetings = pd.DataFrame(self._meetings, columns=MEETING_ROW)
        questions = pd.DataFrame([{"question": g.examples.most_common(1)[0][0], "count": g.count,
                                   "meetings": len(g.meetings), "answered_share": g.answered / g.count,
                                   "variants": len(g.examples), "example_answer": g.answer, "key": k}
                                  for k, g in self._questions.items()], columns=QUESTION_ROW)
        questions = questions.sort_values(["count", "meetings"], ascending=False).head(top * 4).reset_index(drop=True)
        topics = pd.DataFrame([(t, k, c, self._topic_meetings[(t, k)]) for (t, k), c in self._topics.items()],
                              columns=["term", "kind", "count", "meetings"])
        topics = topics.sort_values(["count", "meetings"], ascending=False).head(top * 4).reset_index(drop=True)
        by_date = meetings.dropna(subset=["date"]).groupby("date").agg(
            meetings=("meeting", "size"), mean_sentiment=("mean_sentiment", "mean"),
            negative_share=("negative_share", "mean")).reset_index()
        people = pd.concat(self._people, ignore_index=True)
        return CorpusTables(speakers=speakers, filler_rates=filler_rates, people=people,
                            people_summary=person_summary(people), meetings=meetings, questions=questions,
                            topics=topics, sentiment_by_date=by_date)


def analyze_corpus(named: Iterable[tuple[str, Transcript]], max_words: int = 1_000_000, **options) -> CorpusReport:
    """Analytics of many transcripts (``(name, Transcript)`` pairs), ``max_words`` per batch; ``roles`` (e.g.
    ``"interviewer,candidate"``) as ``analyze``'s, else each transcript's own and its enrolled voices' roles."""
    return CorpusReport.concat(analyze_frames(b, **options) for b in batches(named, max_words))
