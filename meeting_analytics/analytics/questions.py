"""Questions asked, and the answer that followed: who asked what, who answered, what they said.

A question's times are its own words': ``start`` is the first word of its first question sentence, ``end``
the last word of its last one, not the utterance around them (data/call/sample.wav once listed "So, what
kind of thing?" at 21.9 s, where its utterance began with "Well,", while "So," starts at 27.85 s). The
latency runs from that last word's end to the answer's first word's start. Sentences are cut after each
word that ends one (``tokens.ends_sentence``: ".", "!" or "?", not "Dr." or "e.g."); an utterance without
words (a transcript without word timing) falls back to its text and its own times.

A row of ``questions`` is one utterance's questions; ``sentences`` says how many question sentences it
holds ("Why did it fail? How do we fix it?" is one row of two). Every count of questions is a count of
sentences: the speakers' ``questions`` (``questions_per_speaker``, read from this frame, not found again),
the meeting's total, a person's questions asked and answered, and the corpus's most asked questions (each
sentence grouped on its own). Before, the meeting's total and the report's summary line counted rows, so a
speaker could ask 2 questions in a meeting of 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frames import empty
from .tokens import CLOSERS, HESITATIONS, sentence_spans, sentences, stop_words, words
from .topics import lemmatizer

QUESTION_COLUMNS = ["speaker", "start", "end", "question", "sentences", "answered_by", "answer", "answer_start",
                    "latency", "utterance"]
# a sentence made only of these, one of them a greeting or "hear"/"there", is a line check ("Hello? Hello?",
# "Can you hear me?", "Are you there?"), not a question; "Do you?" stays a question
LINE_CHECK = frozenset("hello hi hey hallo hullo there anyone anybody somebody someone you me us can could do does "
                       "are is am hear see i we still with yes yeah ok okay".split())
LINE_CHECK_MARKERS = frozenset("hello hi hey hallo hullo hear there".split())
# left out of question keys: hesitations, and discourse markers that do not change what is asked
QUESTION_FILLERS = HESITATIONS | {"like", "so", "well", "okay", "right", "basically", "actually", "just"}


def is_question(sentence: str) -> bool:
    """``sentence`` asks something: it ends in "?" (closing quotes and brackets after it aside) and is not a
    greeting or line check."""
    said = set(words(sentence))
    line_check = said <= LINE_CHECK and said & LINE_CHECK_MARKERS
    return sentence.rstrip(CLOSERS).endswith("?") and bool(said) and not line_check


def question_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask something: ending in "?", and not a greeting or line check."""
    return [sentence for sentence in sentences(text) if is_question(sentence)]


@dataclass(frozen=True)
class Asked:
    """The question sentences of one utterance: their text, how many, and their words' span in time."""

    text: str
    count: int
    start: float
    end: float


def asked_in_words(tokens: list[str], starts: np.ndarray, ends: np.ndarray) -> Asked | None:
    """The question sentences among an utterance's words (``tokens`` with their times), or None."""
    found = []
    for a, b in sentence_spans(tokens):
        sentence = " ".join(t.strip() for t in tokens[a:b]).strip()
        if is_question(sentence):
            found.append((sentence, a, b - 1))
    if not found:
        return None
    return Asked(" ".join(f[0] for f in found), len(found), float(starts[found[0][1]]), float(ends[found[-1][2]]))


def asked(utterances: pd.DataFrame, words: pd.DataFrame | None) -> pd.Series:
    """``Asked`` per utterance that asks something, indexed by the utterance's position in ``utterances``.

    ``words.utterance`` gives each word's position in ``utterances``; an utterance without words is
    read from its text, at its own times."""
    u = utterances.reset_index(drop=True)
    text = u["text"].astype(str)
    candidates = u[text.str.contains("?", regex=False) & u["speaker"].notna()]
    if candidates.empty:
        return pd.Series(dtype=object)
    spans, tokens, starts, ends = _word_spans(words, candidates.index)
    out = {}
    for i, row in zip(candidates.index, candidates.itertuples(index=False)):
        if i in spans:
            a, b = spans[i]
            found = asked_in_words(tokens[a:b], starts[a:b], ends[a:b])
        else:
            qs = question_sentences(str(row.text))
            found = Asked(" ".join(qs), len(qs), float(row.start), float(row.end)) if qs else None
        if found is not None:
            out[i] = found
    return pd.Series(out, dtype=object)


def _word_spans(words: pd.DataFrame | None, utterances: pd.Index) -> tuple[dict, list, np.ndarray, np.ndarray]:
    """The words of ``utterances`` as arrays, in order, and each utterance's (first, past-last) slice of
    them: slicing arrays instead of a DataFrame per utterance (10 M words: 23 s of 62 s went to groups)."""
    if words is None or not len(words):
        return {}, [], np.zeros(0), np.zeros(0)
    w = words[words["utterance"].isin(utterances)].sort_values("utterance", kind="stable")
    keys, first = np.unique(w["utterance"].to_numpy(), return_index=True)
    bounds = np.r_[first, len(w)]
    spans = {int(k): (int(bounds[j]), int(bounds[j + 1])) for j, k in enumerate(keys)}
    return spans, w["text"].astype(str).tolist(), w["start"].to_numpy(float), w["end"].to_numpy(float)


def questions_per_speaker(asked: pd.DataFrame) -> pd.Series:
    """How many question sentences each speaker asked, from a ``questions`` frame."""
    return sentences_by(asked, "speaker")


def sentences_by(asked: pd.DataFrame, column: str) -> pd.Series:
    """Question sentences of a ``questions`` frame summed per value of ``column`` (speaker, answered_by,
    meeting)."""
    return sentence_counts(asked).groupby(asked[column].to_numpy(dtype=object)).sum().astype("int64")


def sentence_counts(asked: pd.DataFrame) -> pd.Series:
    """Question sentences per row of a ``questions`` frame (1 a row in one saved before ``sentences``)."""
    if "sentences" in asked:  # NaN: a row of a frame saved before, stacked with newer ones
        return asked["sentences"].fillna(1).astype("int64")
    return pd.Series(1, index=asked.index, dtype="int64")


def first_word_starts(utterances: pd.DataFrame, words: pd.DataFrame | None) -> np.ndarray:
    """Each utterance's first word's start (its own start when it has no words)."""
    own = utterances["start"].to_numpy(float).copy()
    if words is not None and len(words):
        first = words.groupby("utterance")["start"].min()
        first = first[(first.index >= 0) & (first.index < len(own))]
        own[first.index.to_numpy(int)] = first.to_numpy(float)
    return own


def questions(utterances: pd.DataFrame, words: pd.DataFrame | None = None, max_gap: float = 10.0) -> pd.DataFrame:
    """One row per utterance that asks something (sentences ending in "?"), timed by the question's words:
    ``start`` its first word's start, ``end`` its last word's end (``words.utterance`` indexes
    ``utterances``; without words, the utterance's times); ``sentences`` how many question sentences it holds.

    The answer is the next utterance by another speaker whose first word starts within ``max_gap`` s of
    the question's end; ``latency`` is that gap. ``answered_by``/``answer`` are empty when nobody else
    spoke up in time."""
    u = utterances.reset_index(drop=True)
    found = asked(u, words)
    if found.empty:
        return empty(QUESTION_COLUMNS)
    u = u.assign(utterance=u.index, first_start=first_word_starts(u, words))
    u = u[u["speaker"].notna()].sort_values("start", kind="stable").reset_index(drop=True)
    speaker = u["speaker"].to_numpy(dtype=object)
    # the next utterance by someone else: the first one after this speaker's run of utterances
    run_end = np.r_[np.flatnonzero(speaker[1:] != speaker[:-1]), len(u) - 1]
    nxt = run_end[np.searchsorted(run_end, np.arange(len(u)))] + 1
    position = pd.Series(np.arange(len(u)), index=u["utterance"].to_numpy())
    i = position.loc[found.index.to_numpy()].to_numpy()
    order = np.argsort(i, kind="stable")
    i, found = i[order], found.iloc[order]
    j = np.minimum(nxt[i], len(u) - 1)
    q_start = np.array([a.start for a in found], dtype=float)
    q_end = np.array([a.end for a in found], dtype=float)
    a_start = u["first_start"].to_numpy(float)[j]
    answered = (nxt[i] < len(u)) & (a_start - q_end <= max_gap)
    pick = lambda col: np.where(answered, u[col].to_numpy(dtype=object)[j], None)  # noqa: E731
    return pd.DataFrame({"speaker": speaker[i], "start": q_start, "end": q_end,
                         "question": [a.text for a in found], "sentences": [a.count for a in found],
                         "answered_by": pick("speaker"),
                         "answer": pick("text"), "answer_start": np.where(answered, a_start, np.nan),
                         "latency": np.where(answered, a_start - q_end, np.nan),
                         "utterance": u["utterance"].to_numpy()[i]}, columns=QUESTION_COLUMNS)


def question_key(text: str) -> str:
    """Near-duplicate questions share a key: lower case, no punctuation or fillers, content words as lemmas,
    sorted ("How do I reset my password?" == "how can i reset my passwords")."""
    kept = [w for w in words(text) if w not in QUESTION_FILLERS]
    lem = lemmatizer()
    content = sorted({(lem.lemmatize(w, "n") if lem else w) for w in kept if w not in stop_words("en")})
    return " ".join(content) if content else " ".join(kept)
