"""Speaker names a person gives: in the order the speakers first speak (``--names``, the web form's
names field) or label by label (``--rename SPEAKER_00=Ann``), checked against the recording.

An assessor knows who spoke first, not which label clustering gave whom; so names go by first speech.
A name too many, a label the recording does not have, or two speakers given one name is an
``OptionError`` naming it, never a name silently dropped (issue #25: extra names vanished).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import OptionError
from ..transcript import Transcript, check_speakers_known
from .meeting import MeetingReport
from .tokens import plural


def parse_names(text: str | None, what: str = "names") -> list[str]:
    """``"Ann, Bob"`` -> ``["Ann", "Bob"]``; the same name twice, or an empty one before the last (``"Ann,,Bob"``
    would give Bob to the second speaker, not the third), is an ``OptionError``."""
    names = [n.strip() for n in (text or "").split(",")]
    while names and not names[-1]:
        names.pop()
    if "" in names:
        raise OptionError(f"{what}: name {names.index('') + 1} is empty; give every speaker up to the last one "
                          "you name a name")
    if len(set(names)) != len(names):
        raise OptionError(f"{what}: each speaker needs a different name")
    return names


def check_name_count(names: list[str] | tuple[str, ...], speakers: int, what: str = "--names") -> None:
    """``OptionError`` when there are more ``names`` than ``speakers``, naming the ones left over."""
    if extra := names[speakers:]:
        raise OptionError(f"{what}: {plural(len(names), 'name')} for {plural(speakers, 'speaker')}; "
                          f"no speaker for {', '.join(extra)}")


def parse_renames(text: str | None, what: str = "--rename") -> dict[str, str]:
    """``"SPEAKER_00=Ann, SPEAKER_01=Bob"`` -> ``{"SPEAKER_00": "Ann", ...}``; OptionError naming a bad pair."""
    out: dict[str, str] = {}
    for pair in (p.strip() for p in (text or "").split(",") if p.strip()):
        label, sep, name = (s.strip() for s in pair.partition("="))
        if not sep or not label or not name:
            raise OptionError(f"{what}: {pair!r} is not LABEL=NAME (SPEAKER_00=Ann)")
        if label in out:
            raise OptionError(f"{what}: {label} is named twice")
        out[label] = name
    if len(set(out.values())) != len(out):
        raise OptionError(f"{what}: each speaker needs a different name")
    return out


def speaking_order(transcript: Transcript) -> list[str]:
    """The speakers in the order they first speak (a word's start); ones without words last."""
    order = list(dict.fromkeys(w.speaker for w in sorted(transcript.words, key=lambda w: w.start) if w.speaker))
    return order + [s for s in transcript.speakers if s not in order]


@dataclass(frozen=True)
class SpeakerNames:
    """What a command was told to call the speakers: ``in_order`` (first to speak first) or ``by_label``."""

    in_order: tuple[str, ...] = ()
    by_label: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, names: str | None = None, renames: str | None = None) -> "SpeakerNames":
        """From ``--names`` and ``--rename`` text (one of them); ``OptionError`` when either is malformed."""
        if names and renames:
            raise OptionError("--names and --rename: give one of them")
        return cls(tuple(parse_names(names, "--names")), tuple(parse_renames(renames).items()))

    def __bool__(self) -> bool:
        return bool(self.in_order or self.by_label)

    def mapping(self, order: list[str]) -> dict[str, str]:
        """Label -> name for a recording whose speakers first spoke in ``order``: ``OptionError`` for a name
        too many, a label it does not have, or a new name that is already another speaker's label."""
        flag = "--names" if self.in_order else "--rename"
        if self.in_order:
            check_name_count(self.in_order, len(order))
            names = dict(zip(order, self.in_order))
        else:
            names = dict(self.by_label)
            try:
                check_speakers_known(names, order)
            except OptionError as exc:
                raise OptionError(str(exc).replace("rename_speakers:", f"{flag}:", 1)) from None
        taken = sorted((set(order) - set(names)) & set(names.values()))
        if taken:
            raise OptionError(f"{flag}: {', '.join(taken)} is already another speaker's label")
        return names

    def apply(self, transcript: Transcript) -> Transcript:
        """``transcript`` with the names given (itself when none were)."""
        return transcript.rename_speakers(self.mapping(speaking_order(transcript))) if self else transcript

    def apply_to_report(self, report: MeetingReport) -> MeetingReport:
        """``report`` with the names given: its tables, transcript and charts (itself when none were). A saved
        report without its transcript has no speaking order, so ``--names`` needs one; ``--rename`` does not."""
        if not self:
            return report
        if report.transcript is not None:
            order = speaking_order(report.transcript)
        elif self.in_order:
            raise OptionError("--names needs the transcript (transcript.json in the result directory) to know "
                              "who spoke first; use --rename LABEL=NAME")
        else:
            order = [str(s) for s in report.speakers["speaker"]]
        return report.rename_speakers(self.mapping(order))
