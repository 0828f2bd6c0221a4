"""What each number of the report means, written once: ``METRICS[column]`` is a ``Metric`` (its name,
unit and definition), for the page's "how to read this" box and for anyone reading the tables.

Talk time, turns and the timeline come from one source, the words: a speaker's *turns* are the runs of
their utterances that no other speaker's utterance interrupts (``talk.floor_turns``), drawn as the
timeline's bars; talk time is the length of those bars, so a turn is never longer than the talk time.
Before, talk time came from the diarization's turns and turn lengths from the utterances, and the two
disagreed (data/speech/jfk.flac: talk 8.4 s, longest turn 10.1 s). Overlaps and interruptions still
come from the diarization, the only source that hears two people at once (a word has one speaker).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Metric:
    """One figure of the report: ``column`` in its table, a ``name`` to show, ``unit`` ("s", "%",
    "per minute", "" for a count or text) and a one-sentence ``definition``."""

    column: str
    name: str
    unit: str
    definition: str


# benchmarks/fillers_text.py on tests/data/lecture_markers.tsv (BENCHMARKS.md "Discourse markers on real text")
MARKERS_MEASURED = ("a real lecture's 493 hand-labelled markers at precision 0.97 and recall 0.97 (each marker "
                    "said 10 times or more: precision 0.95 or better, recall 0.92 or better); comparisons and "
                    "examples the rules cannot see (\"like the sun\") count as fillers, and a word the "
                    "transcription got wrong is counted as written")

# benchmarks/fillers_real.py, score half (BENCHMARKS.md "Fillers on real speech"): what the hesitation count misses
HESITATIONS_MEASURED = ("Hesitations (um, uh) measured on real speech: 14 of 14 found where one person speaks "
                        "alone (three real monologues); real hesitations laid into real conversations: about 1 in 4 "
                        "found at a turn change (6 of 24) or under another person's speech (8 of 36), and 1 of 28 "
                        "said alone between other people's turns (16 of 28 with hesitation recovery turned on, "
                        "whose rows say found = recovered, with a score); one found at a turn change or under "
                        "another voice is usually given to the louder speaker. So a count in conversation is a "
                        "floor, not a total")

TURN = ("a run of the speaker's utterances that no other speaker's utterance interrupts, from its first "
        "word's start to its last word's end (pauses inside it included)")

_METRICS = (
    Metric("talk_time", "talk", "s", f"total length of the speaker's turns; a turn is {TURN}"),
    Metric("share", "share", "%", "the speaker's talk time over all speakers' talk time"),
    Metric("words", "words", "", "words the speaker said"),
    Metric("wpm", "wpm", "per minute", "words over talk time in minutes"),
    Metric("turns", "turns", "", f"number of turns; a turn is {TURN}; the timeline draws each one"),
    Metric("mean_turn", "mean turn", "s", "mean length of the speaker's turns"),
    Metric("longest_turn", "longest turn", "s", "length of the speaker's longest turn (never over talk time)"),
    Metric("questions", "questions", "", "sentences the speaker ended with \"?\", greetings and line checks "
                                          "(\"Hello?\", \"Can you hear me?\") left out"),
    Metric("interruptions", "interruptions", "", "times the speaker started while another was talking (by at "
                                                 "least 0.2 s, in the diarization) and the other stopped within "
                                                 "2 s"),
    Metric("interrupted", "interrupted", "", "times another speaker interrupted this one"),
    Metric("overlaps", "overlaps", "", "stretches in which the diarization heard this speaker and another at once"),
    Metric("overlap_time", "overlap", "s", "total length of those stretches"),
    Metric("mean_response_latency", "response latency", "s",
           "mean time from the previous speaker's last word to this speaker's first word when the floor "
           "passes to them (negative when they start before the other stops)"),
    Metric("fillers", "fillers", "", "filler words and phrases said, by the language's lexicon: hesitations (um, "
                                     "uh), repetitions, and discourse markers used as fillers (like, so, you know, "
                                     "right?, okay, actually, ...), told from the same words as content (\"I like "
                                     "it\", \"so much\", \"right now\", \"things like that\") by context rules "
                                     f"measured on {MARKERS_MEASURED}. {HESITATIONS_MEASURED}"),
    Metric("fillers_per_minute", "fillers/min", "per minute", "fillers over talk time in minutes"),
    Metric("fillers_per_100_words", "fillers/100 words", "per 100 words", "fillers over words, times 100"),
    Metric("mean_sentiment", "sentiment", "-1..1", "mean VADER compound score of the speaker's utterances, "
                                                     "weighted by their words"),
    Metric("positive_share", "positive", "%", "share of the speaker's utterances scoring 0.05 or more"),
    Metric("negative_share", "negative", "%", "share of the speaker's utterances scoring -0.05 or less"),
    Metric("question_start", "time", "s", "when the question sentence starts: its first word's start, not "
                                          "the start of the utterance it is in"),
    Metric("latency", "latency", "s", "from the question's last word's end to the answer's first word's start; "
                                      "the answer is the next utterance by another speaker, within 10 s"),
    Metric("speech_time", "speech", "s", "time inside someone's turn (overlapping turns counted once)"),
    Metric("silence_share", "silence", "%", "share of the recording inside nobody's turn"),
)

METRICS: MappingProxyType[str, Metric] = MappingProxyType({m.column: m for m in _METRICS})
"""Every metric by column name (the speakers table's columns, ``question_start`` and ``latency`` of the
questions table, ``speech_time`` and ``silence_share`` of the meeting)."""
