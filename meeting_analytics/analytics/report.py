"""``analyze(transcript) -> MeetingReport``: every analytics table of one meeting, as tidy frames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io import atomic_write_bytes, atomic_write_text
from ..transcript import Transcript
from . import fillers as F
from .questions import questions
from .sentiment import SentimentScorer, sentiment_timeline, speaker_sentiment, utterance_sentiment
from .talk import meeting_stats, speaker_stats
from .topics import topics

FRAMES = ("speakers", "utterances", "fillers", "filler_counts", "questions", "topics", "meeting_topics",
          "timeline")


@dataclass
class MeetingReport:
    speakers: pd.DataFrame
    utterances: pd.DataFrame
    fillers: pd.DataFrame
    filler_counts: pd.DataFrame
    questions: pd.DataFrame
    topics: pd.DataFrame
    meeting_topics: pd.DataFrame
    timeline: pd.DataFrame
    meeting: dict[str, Any] = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in FRAMES}

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict]:
            return json.loads(frame.to_json(orient="records", double_precision=6))

        return {"meeting": self.meeting, **{name: records(f) for name, f in self.frames().items()}}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=_jsonable)

    def save(self, directory: str | Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
        """Write every frame as ``<name>.csv`` / ``<name>.parquet`` plus ``report.json``, atomically."""
        out = Path(directory)
        written = []
        for name, frame in self.frames().items():
            if "csv" in formats:
                written.append(atomic_write_text(out / f"{name}.csv", frame.to_csv(index=False)))
            if "parquet" in formats:
                written.append(atomic_write_bytes(out / f"{name}.parquet", _parquet_bytes(frame)))
        written.append(atomic_write_text(out / "report.json", self.to_json(indent=1)))
        return written


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _jsonable(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)


def analyze(transcript: Transcript, lexicon: F.FillerLexicon | None = None, scorer: SentimentScorer | None = None,
            timeline_window: float = 60.0, timeline_step: float = 15.0, top_topics: int = 20) -> MeetingReport:
    """All analytics of one transcript. Pure: no model is loaded (VADER's lexicon is read once)."""
    words = transcript.words_frame()
    utterances = transcript.utterances_frame()
    turns = transcript.turns_frame()
    lexicon = lexicon or F.lexicon_for(transcript.language)
    stats = speaker_stats(words, utterances, turns)
    occurrences = F.find_fillers(words, lexicon)
    counts = F.filler_counts(occurrences, stats)
    scored = utterance_sentiment(utterances, scorer) if len(utterances) else \
        utterances.assign(sentiment=pd.Series(dtype=float), label=pd.Series(dtype=str))
    mood = speaker_sentiment(scored)
    totals = counts[counts["category"] == "all"][["speaker", "count", "per_minute", "per_100_words"]] \
        .rename(columns={"count": "fillers", "per_minute": "fillers_per_minute", "per_100_words": "fillers_per_100_words"})
    speakers = stats.merge(totals, on="speaker", how="left").merge(
        mood[["speaker", "mean_sentiment", "positive_share", "negative_share"]], on="speaker", how="left")
    speaker_topics, meeting_topics = topics(words, transcript.language, top_topics)
    meeting = meeting_stats(transcript.duration, utterances, turns)
    meeting.update({"language": transcript.language, "words": int(len(words)), "utterances": int(len(utterances)),
                    "fillers": int(len(occurrences)), "lexicon": lexicon.language,
                    "source": transcript.metadata.get("source")})
    return MeetingReport(speakers=speakers, utterances=scored, fillers=occurrences, filler_counts=counts,
                         questions=questions(utterances), topics=speaker_topics,
                         meeting_topics=meeting_topics,
                         timeline=sentiment_timeline(scored, timeline_window, timeline_step), meeting=meeting)
