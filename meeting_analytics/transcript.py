"""The data model: words, utterances, speaker turns and the transcript that holds them.

Everything downstream of the models (analytics, writers, reports) works on these objects only,
so a saved transcript JSON can be re-analysed without torch.

The JSON form is whisperx-compatible (``segments`` with nested ``words``, ``word_segments``,
``language``) with extra keys, and round-trips losslessly: ``Transcript.from_json(t.to_json()) == t``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator

from .errors import OptionError, TranscriptError
from .runinfo import RunInfo

FORMAT = "meeting-analytics/1"

WORD_COLUMNS = ["start", "end", "text", "speaker", "probability", "utterance", "source"]
DECODED = "decoded"  # the words frame's ``source`` of a word the main pass decoded (``Word.source`` None)
UTTERANCE_COLUMNS = ["start", "end", "speaker", "text", "n_words", "first_word", "last_word"]
TURN_COLUMNS = ["start", "end", "speaker"]


def check_speakers_known(names: dict[str, str], known: Iterable[str]) -> None:
    """``OptionError`` naming each label of ``names`` that is not a speaker, and the speakers there are: a
    typo in a label would otherwise leave the report unnamed without a word."""
    known = list(known)
    unknown = [label for label in names if label not in known]
    if unknown:
        raise OptionError(f"rename_speakers: no speaker {', '.join(map(repr, unknown))}; "
                          f"the speakers are {', '.join(known) or 'none'}")


@dataclass
class Word:
    start: float
    end: float
    text: str
    speaker: str | None = None
    probability: float | None = None
    # how the word was found: None = decoded by the main pass; "recovered" = a hesitation heard by re-decoding a
    # window at a speaker change (stages/hesitations.py), its ``probability`` that decode's score
    source: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Segment:
    """A stretch of recognised text, before word timing (the ASR's output)."""

    start: float
    end: float
    text: str


@dataclass
class Turn:
    """A diarization turn: one speaker active from start to end (turns of different speakers may overlap)."""

    start: float
    end: float
    speaker: str


@dataclass
class Utterance:
    """Consecutive words of one speaker; ``words[first_word:last_word]`` of the transcript."""

    start: float
    end: float
    speaker: str | None
    text: str
    first_word: int
    last_word: int

    @property
    def n_words(self) -> int:
        return self.last_word - self.first_word


@dataclass
class Transcript:
    language: str | None
    duration: float
    speakers: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    info: RunInfo = field(default_factory=RunInfo)

    @property
    def metadata(self) -> MappingProxyType:
        """``info`` as the JSON's ``"metadata"`` holds it (read-only; ``info`` is the typed form)."""
        return MappingProxyType(self.info.to_dict())

    # -- access -------------------------------------------------------------------------------
    def utterance_words(self, utterance: Utterance) -> list[Word]:
        return self.words[utterance.first_word : utterance.last_word]

    def iter_utterances(self) -> Iterator[tuple[Utterance, list[Word]]]:
        for u in self.utterances:
            yield u, self.utterance_words(u)

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    def rename_speakers(self, names: dict[str, str]) -> "Transcript":
        """A copy with speaker labels replaced (``{"SPEAKER_00": "Interviewer"}``); a label this transcript
        does not have is an ``OptionError`` naming it. Two labels given one name become one speaker: their
        turns are merged where they overlap."""
        check_speakers_known(names, dict.fromkeys([*self.speakers, *_speakers_of(self.words, self.turns)]))

        def new(label: str) -> str:
            return names.get(label, label)

        def new_or_none(label: str | None) -> str | None:
            return new(label) if label is not None else None

        return replace(self, speakers=list(dict.fromkeys(new(s) for s in self.speakers)),
                       words=[replace(w, speaker=new_or_none(w.speaker)) for w in self.words],
                       utterances=[replace(u, speaker=new_or_none(u.speaker)) for u in self.utterances],
                       turns=_merged_turns([replace(t, speaker=new(t.speaker)) for t in self.turns]),
                       info=replace(self.info))

    def __repr__(self) -> str:
        source = self.info.source
        return (f"Transcript({len(self.speakers)} speakers, {len(self.words)} words, "
                f"{len(self.utterances)} utterances, {len(self.turns)} turns, {self.duration:.1f} s, "
                f"language={self.language!r}"
                + (f", source={source!r})" if source else ")"))

    def _repr_html_(self) -> str:
        # upward, lazy: presentation draws the data model; imported on use, no module-level circle
        from .report.html import transcript_html

        return transcript_html(self, limit=200)

    # -- frames -------------------------------------------------------------------------------
    def words_frame(self):
        import pandas as pd

        utt = [0] * len(self.words)
        for i, u in enumerate(self.utterances):
            utt[u.first_word : u.last_word] = [i] * u.n_words
        frame = pd.DataFrame(
            {
                "start": [w.start for w in self.words],
                "end": [w.end for w in self.words],
                "text": [w.text for w in self.words],
                "speaker": [w.speaker for w in self.words],
                "probability": [w.probability for w in self.words],
                "utterance": utt,
                "source": [w.source or DECODED for w in self.words],
            },
            columns=WORD_COLUMNS,
        )
        return frame.astype({"start": float, "end": float, "probability": float, "utterance": int})

    def utterances_frame(self):
        import pandas as pd

        rows = [
            (u.start, u.end, u.speaker, u.text, u.n_words, u.first_word, u.last_word)
            for u in self.utterances
        ]
        frame = pd.DataFrame(rows, columns=UTTERANCE_COLUMNS)
        return frame.astype({"start": float, "end": float, "n_words": int})

    def turns_frame(self):
        import pandas as pd

        frame = pd.DataFrame([(t.start, t.end, t.speaker) for t in self.turns], columns=TURN_COLUMNS)
        return frame.astype({"start": float, "end": float})

    def to_dataframe(self):
        """The tidy word-level frame (one row per word)."""
        return self.words_frame()

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        segments = []
        for u, words in self.iter_utterances():
            segments.append(
                {
                    "start": u.start,
                    "end": u.end,
                    "text": u.text,
                    "speaker": u.speaker,
                    "words": [_word_dict(w) for w in words],
                }
            )
        return {
            "format": FORMAT,
            "language": self.language,
            "duration": self.duration,
            "speakers": list(self.speakers),
            "segments": segments,
            "word_segments": [_word_dict(w) for w in self.words],
            "turns": [asdict(t) for t in self.turns],
            "metadata": self.info.to_dict(),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Transcript":
        if not isinstance(data, dict) or "segments" not in data:
            raise TranscriptError("not a transcript: no 'segments' key")
        try:
            words: list[Word] = []
            utterances: list[Utterance] = []
            for seg in data["segments"]:
                first = len(words)
                words.extend(_word_from_dict(w, seg.get("speaker")) for w in seg.get("words", []))
                utterances.append(
                    Utterance(
                        start=float(seg["start"]),
                        end=float(seg["end"]),
                        speaker=seg.get("speaker"),
                        text=seg.get("text", "").strip() if "format" not in data else seg["text"],
                        first_word=first,
                        last_word=len(words),
                    )
                )
            turns = [Turn(float(t["start"]), float(t["end"]), str(t["speaker"])) for t in data.get("turns", [])]
            speakers = data.get("speakers") or _speakers_of(words, turns)
            duration = data.get("duration")
            if duration is None:
                duration = max([w.end for w in words] + [t.end for t in turns] + [0.0])
            return cls(
                language=data.get("language"),
                duration=float(duration),
                speakers=list(speakers),
                words=words,
                utterances=utterances,
                turns=turns,
                info=RunInfo.from_dict(data.get("metadata")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TranscriptError(f"malformed transcript: {exc!r}") from None

    @classmethod
    def from_json(cls, text: str) -> "Transcript":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Transcript":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TranscriptError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TranscriptError(f"{path}: cannot read ({exc})") from None
        try:
            return cls.from_json(text)
        except TranscriptError as exc:
            raise TranscriptError(f"{path}: {exc}") from None

    def save(self, path: str | Path) -> Path:
        from .files import atomic_write_text

        return atomic_write_text(path, self.to_json())


def _word_dict(w: Word) -> dict[str, Any]:
    d: dict[str, Any] = {"word": w.text, "start": w.start, "end": w.end}
    if w.probability is not None:
        d["score"] = w.probability
    if w.speaker is not None:
        d["speaker"] = w.speaker
    if w.source is not None:
        d["source"] = w.source
    return d


def _word_from_dict(d: dict[str, Any], default_speaker: str | None) -> Word:
    score = d.get("score", d.get("probability"))
    return Word(
        start=float(d["start"]),
        end=float(d["end"]),
        text=str(d["word"]),
        speaker=d.get("speaker", default_speaker),
        probability=None if score is None else float(score),
        source=d.get("source"),
    )


def _merged_turns(turns: list[Turn]) -> list[Turn]:
    """Overlapping turns of one speaker joined (they arise when two labels are renamed to one)."""
    out: list[Turn] = []
    last: dict[str, int] = {}
    for t in sorted(turns, key=lambda t: (t.start, t.end, t.speaker)):
        i = last.get(t.speaker)
        if i is not None and t.start < out[i].end:
            out[i] = replace(out[i], end=max(out[i].end, t.end))
            continue
        last[t.speaker] = len(out)
        out.append(t)
    return out


def _speakers_of(words: Iterable[Word], turns: Iterable[Turn]) -> list[str]:
    seen: dict[str, None] = {}
    for t in turns:
        seen.setdefault(t.speaker)
    for w in words:
        if w.speaker is not None:
            seen.setdefault(w.speaker)
    return sorted(seen)
