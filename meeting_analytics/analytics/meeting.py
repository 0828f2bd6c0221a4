"""``analyze(transcript) -> MeetingReport``: every analytics table of one meeting, as tidy frames."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import OptionError, ReportError
from ..files import atomic_write_bytes, atomic_write_text, csv_text, parquet_bytes, unescape_cells
from ..options import AnalyticsOptions, check_names, option_names
from ..transcript import Transcript, check_speakers_known
from . import fillers as F
from .questions import questions, sentence_counts
from .tokens import plural
from .sentiment import SentimentScorer, sentiment_timeline, speaker_sentiment, utterance_sentiment
from .talk import meeting_stats, speaker_stats
from .topics import topics

FRAMES = ("speakers", "utterances", "fillers", "filler_counts", "questions", "topics", "meeting_topics",
          "timeline")


REDACTION_COLUMNS = ["entity", "start", "end", "speaker", "score", "words", "group"]
SPEAKER_FIELDS = ("speaker", "answered_by", "interrupter", "interrupted", "other")


@dataclass
class Tables:
    """The analytics tables, tidy DataFrames: of one meeting (``MeetingReport``) or, each with a
    ``meeting`` column, of many (``corpus.CorpusReport``)."""

    speakers: pd.DataFrame
    utterances: pd.DataFrame
    fillers: pd.DataFrame
    filler_counts: pd.DataFrame
    questions: pd.DataFrame
    topics: pd.DataFrame
    meeting_topics: pd.DataFrame
    timeline: pd.DataFrame
    NAMES: ClassVar[tuple[str, ...]] = FRAMES

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.NAMES}

    @staticmethod
    def definitions() -> pd.DataFrame:
        """What each figure means, one row per metric: ``column``, ``name`` (as the report shows it), ``unit``
        and ``definition`` (``analytics.definitions.METRICS``, the text the report's "how to read this" shows)."""
        from .definitions import METRICS

        return pd.DataFrame([vars(m) for m in METRICS.values()], columns=["column", "name", "unit", "definition"])


def speaker_table(stats: pd.DataFrame, counts: pd.DataFrame, mood: pd.DataFrame) -> pd.DataFrame:
    """The speakers table: talk statistics, filler totals and sentiment, one row per speaker."""
    totals = counts[counts["category"] == "all"][["speaker", "count", "per_minute", "per_100_words"]].rename(
        columns={"count": "fillers", "per_minute": "fillers_per_minute", "per_100_words": "fillers_per_100_words"})
    return stats.merge(totals, on="speaker", how="left").merge(
        mood[["speaker", "mean_sentiment", "positive_share", "negative_share"]], on="speaker", how="left")


def with_roles(speakers: pd.DataFrame, transcript: Transcript, roles: str | None) -> pd.DataFrame:
    """``roles`` given, else those the transcript was made with, and the roles of its enrolled voices."""
    return apply_roles(speakers, roles or transcript.info.roles, known_roles(transcript))


def known_roles(transcript: Transcript) -> dict[str, str]:
    return transcript.info.voices.roles if transcript.info.voices else {}


def apply_roles(speakers: pd.DataFrame, roles: str | None, known: dict[str, str]) -> pd.DataFrame:
    from .roles import assign_roles, parse_roles

    if not roles and not known:
        return speakers
    return assign_roles(speakers, parse_roles(roles), known)


@dataclass
class MeetingSummary:
    """One meeting's figures (``report.json``'s ``"meeting"``): its duration, speech time and silence share,
    speakers, speaker switches (and per minute), language, words, utterances, fillers, the filler
    lexicon's language and the source file. Keys another version wrote stay in ``extra``."""

    duration: float = 0.0
    speech_time: float = 0.0
    silence_share: float = 0.0
    speakers: int = 0
    speaker_switches: int = 0
    switches_per_minute: float = 0.0
    language: str | None = None
    words: int = 0
    utterances: int = 0
    fillers: int = 0
    lexicon: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"} | self.extra

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeetingSummary":
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in data.items() if k in names},
                   extra={k: v for k, v in data.items() if k not in names})


@dataclass
class MeetingReport(Tables):
    """Every analytics table of one meeting as a tidy DataFrame, plus the transcript it came from.

    ``report.plot.<chart>()`` draws (matplotlib Figures), ``to_html`` renders one self-contained page,
    ``save``/``load`` round-trip through a directory, ``rename_speakers`` relabels everything."""

    meeting: MeetingSummary = field(default_factory=MeetingSummary)
    transcript: Transcript | None = None

    @property
    def redactions(self) -> pd.DataFrame | None:
        """With ``--redact``: one row per span taken out (entity, start, end, speaker, score, words, group; never
        the text); None when the transcript was not redacted. Saved as ``redactions.csv``/``.parquet``."""
        facts = self.transcript.info.redaction if self.transcript is not None else None
        if facts is None:
            return None
        return pd.DataFrame([r.to_dict() for r in facts.spans], columns=REDACTION_COLUMNS).astype(
            {"start": float, "end": float, "score": float, "words": int, "group": int})

    @property
    def sentiment(self) -> pd.DataFrame:
        """Sentiment per utterance: speaker, start, end, text, sentiment (-1..1), label."""
        return self.utterances[["speaker", "start", "end", "text", "sentiment", "label"]]

    @property
    def plot(self):
        # upward, lazy: presentation draws the data model; imported on use, no module-level circle
        from ..report.charts import ReportPlots

        return ReportPlots(self)

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict]:
            return json.loads(frame.to_json(orient="records", double_precision=6))

        return {"meeting": self.meeting.to_dict(), **{name: records(f) for name, f in self.frames().items()}}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=_jsonable)

    def to_html(self, path: str | Path | None = None, title: str | None = None) -> str:
        """One self-contained HTML page (charts inlined, transcript text escaped); written to ``path`` if given."""
        # upward, lazy: presentation draws the data model; imported on use, no module-level circle
        from ..report.html import render

        page = render(self, title=title)
        if path is not None:
            atomic_write_text(path, page)
        return page

    def _repr_html_(self) -> str:
        # upward, lazy: presentation draws the data model; imported on use, no module-level circle
        from ..report.html import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        m = self.meeting
        cols = [c for c in ("speaker", "share", "words", "wpm", "fillers", "questions") if c in self.speakers]
        table = self.speakers[cols].head(8).round(2).to_string(index=False) if len(self.speakers) else "(no speakers)"
        more = f"\n... {len(self.speakers) - 8} more speakers" if len(self.speakers) > 8 else ""
        asked = int(sentence_counts(self.questions).sum())
        return (f"MeetingReport({m.source or 'meeting'}: {float(m.duration or 0):.1f} s, "
                f"{plural(len(self.speakers), 'speaker')}, {plural(int(m.words), 'word')}, "
                f"{plural(len(self.fillers), 'filler')}, {plural(asked, 'question')})\n{table}{more}")

    def rename_speakers(self, names: dict[str, str]) -> "MeetingReport":
        """A copy with speakers relabelled everywhere (tables, transcript, charts); a label the meeting
        does not have is an ``OptionError`` naming it and the speakers there are.

        Giving two speakers one name is refused: their tables cannot be added up. To merge them,
        analyse the renamed transcript: ``analyze(report.transcript.rename_speakers(names))``."""
        labels = [str(s) for s in self.speakers["speaker"]]
        check_speakers_known(names, dict.fromkeys([*labels, *(self.transcript.speakers if self.transcript else [])]))
        merged: dict[str, list[str]] = {}
        for label in labels:
            merged.setdefault(names.get(label, label), []).append(label)
        clashes = {name: group for name, group in merged.items() if len(group) > 1}
        if clashes:
            name, group = next(iter(clashes.items()))
            raise OptionError(f"rename_speakers: {' and '.join(group)} would both be named {name!r}; to merge "
                              "speakers, analyse the renamed transcript: "
                              "analyze(report.transcript.rename_speakers(names))")

        def rename(frame: pd.DataFrame) -> pd.DataFrame:
            cols = {c: frame[c].map(lambda v: names.get(v, v) if isinstance(v, str) else v)
                    for c in SPEAKER_FIELDS if c in frame}
            return frame.assign(**cols)

        frames = {name: rename(f) for name, f in self.frames().items()}
        transcript = self.transcript.rename_speakers(names) if self.transcript is not None else None
        return MeetingReport(**frames, meeting=replace(self.meeting), transcript=transcript)

    def save(self, directory: str | Path, formats: tuple[str, ...] = ("csv", "parquet"),
             html: bool = False) -> list[Path]:
        """Write every frame as ``<name>.csv`` / ``<name>.parquet``, ``report.json``, the transcript
        (``transcript.json``) and optionally ``report.html``, each atomically. ``load`` reads it back."""
        out = Path(directory)
        written = []
        redactions = self.redactions  # built from the run facts: once
        extra = {"redactions": redactions} if redactions is not None else {}
        for name, frame in {**self.frames(), **extra}.items():
            if "csv" in formats:
                written.append(atomic_write_text(out / f"{name}.csv", csv_text(frame)))
            if "parquet" in formats:
                written.append(atomic_write_bytes(out / f"{name}.parquet", parquet_bytes(frame)))
        if self.transcript is not None:
            written.append(self.transcript.save(out / "transcript.json"))
        if html:
            self.to_html(out / "report.html")
            written.append(out / "report.html")
        written.append(atomic_write_text(out / "report.json", self.to_json(indent=1)))
        return written

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "MeetingReport":
        """Read a directory written by ``save`` (Parquet frames when present, else CSV, else report.json)."""
        d = Path(directory)
        if not (d / "report.json").is_file():
            raise ReportError(f"{d}: not a saved report (no report.json)")
        try:
            data = json.loads((d / "report.json").read_text(encoding="utf-8"))
            frames = {name: _read_frame(d, name, data.get(name, [])) for name in FRAMES}
        except (OSError, ValueError, KeyError) as exc:
            raise ReportError(f"{d}: cannot read the saved report ({exc})") from None
        transcript = Transcript.load(d / "transcript.json") if (d / "transcript.json").is_file() else None
        return cls(**frames, meeting=MeetingSummary.from_dict(data.get("meeting") or {}), transcript=transcript)


def load_report(path: str | os.PathLike) -> MeetingReport:
    """A MeetingReport from a directory written by ``save``, or from a transcript JSON (analysed, no models)."""
    if Path(path).is_dir():
        return MeetingReport.load(path)
    return analyze(Transcript.load(path))


def _read_frame(directory: Path, name: str, records: list[dict]) -> pd.DataFrame:
    if (directory / f"{name}.parquet").is_file():
        return pd.read_parquet(directory / f"{name}.parquet")
    if (directory / f"{name}.csv").is_file():
        return unescape_cells(pd.read_csv(directory / f"{name}.csv"))  # as written: formula-like text escaped
    return pd.DataFrame.from_records(records)


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)


def analyze(transcript: Transcript, options: AnalyticsOptions | None = None, *, lexicon: F.FillerLexicon | None = None,
            scorer: SentimentScorer | None = None, timeline_window: float = 60.0, timeline_step: float = 15.0,
            top_topics: int = 20, **option_values: Any) -> MeetingReport:
    """All analytics of one transcript. Pure: no model is loaded (VADER's lexicon is read once).

    ``options`` (or its fields as keywords: ``roles="interviewer,candidate"``, ``filler_lexicon=path``):
    ``roles`` gives the speakers table ``role`` and ``role_source`` (by default the roles the transcript
    was made with, and those of enrolled voices; none without); ``filler_lexicon`` adds phrases to the
    language's lexicon. ``lexicon`` and ``scorer`` replace the filler lexicon and the sentiment scorer."""
    options = analytics_options(options, option_values)
    words = transcript.words_frame()
    utterances = transcript.utterances_frame()
    turns = transcript.turns_frame()
    lexicon = lexicon or F.lexicon_for(transcript.language)
    if options.filler_lexicon:
        lexicon = F.FillerLexicon.from_file(options.filler_lexicon, base=lexicon)
    asked = questions(utterances, words)
    stats = speaker_stats(words, utterances, turns, asked=asked)
    occurrences = F.find_fillers(words, lexicon)
    counts = F.filler_counts(occurrences, stats)
    scored = utterance_sentiment(utterances, scorer) if len(utterances) else \
        utterances.assign(sentiment=pd.Series(dtype=float), label=pd.Series(dtype=str))
    mood = speaker_sentiment(scored)
    speakers = with_roles(speaker_table(stats, counts, mood), transcript, options.roles)
    speaker_topics, meeting_topics = topics(words, transcript.language, top_topics)
    meeting = MeetingSummary(**meeting_stats(transcript.duration, utterances, turns), language=transcript.language,
                             words=int(len(words)), utterances=int(len(utterances)), fillers=int(len(occurrences)),
                             lexicon=lexicon.language, source=transcript.info.source)
    return MeetingReport(transcript=transcript, speakers=speakers, utterances=scored, fillers=occurrences,
                         filler_counts=counts, questions=asked, topics=speaker_topics,
                         meeting_topics=meeting_topics,
                         timeline=sentiment_timeline(scored, timeline_window, timeline_step), meeting=meeting)


def analytics_options(options: AnalyticsOptions | None, values: dict[str, Any]) -> AnalyticsOptions:
    """``options``, or one built from keyword values; a name that is not an analytics option is a
    TypeError naming it (a pipeline option says it applies to audio only)."""
    if options is not None and values:
        raise TypeError(f"give either options or keyword options, not both ({', '.join(values)})")
    if options is not None:
        return options
    known = {f.name for f in fields(AnalyticsOptions)}
    unknown = sorted(set(values) - known)
    if unknown:
        pipeline_only = [n for n in unknown if n in option_names()]
        if pipeline_only:
            raise TypeError(f"{', '.join(pipeline_only)}: transcription option(s), for audio; analytics takes "
                            f"{', '.join(sorted(known))}")
        check_names(values)
    return AnalyticsOptions(**values)
