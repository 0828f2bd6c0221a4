"""Questions asked, and the answer that followed: who asked what, who answered, what they said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tokens import HESITATIONS, sentences, stop_words, words
from .topics import lemmatizer

QUESTION_COLUMNS = ["speaker", "start", "end", "question", "answered_by", "answer", "answer_start", "latency",
                    "utterance"]
# a sentence made only of these, one of them a greeting or "hear"/"there", is a line check ("Hello? Hello?",
# "Can you hear me?", "Are you there?"), not a question; "Do you?" stays a question
LINE_CHECK = frozenset("hello hi hey hallo hullo there anyone anybody somebody someone you me us can could do does "
                       "are is am hear see i we still with yes yeah ok okay".split())
LINE_CHECK_MARKERS = frozenset("hello hi hey hallo hullo hear there".split())
# left out of question keys: hesitations, and discourse markers that do not change what is asked
QUESTION_FILLERS = HESITATIONS | {"like", "so", "well", "okay", "right", "basically", "actually", "just"}


def question_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask something: ending in "?", and not a greeting or line check."""
    out = []
    for sentence in sentences(text):
        said = set(words(sentence))
        line_check = said <= LINE_CHECK and said & LINE_CHECK_MARKERS
        if sentence.endswith("?") and said and not line_check:
            out.append(sentence)
    return out


def questions_per_speaker(utterances: pd.DataFrame) -> pd.Series:
    """How many questions each speaker asked (``question_sentences`` over their utterances)."""
    u = utterances[utterances["text"].astype(str).str.contains("?", regex=False)]
    counts = u["text"].astype(str).map(lambda t: len(question_sentences(t))).astype("int64")
    return counts.groupby(u["speaker"]).sum()


def questions(utterances: pd.DataFrame, max_gap: float = 10.0) -> pd.DataFrame:
    """One row per utterance that asks something (sentences ending in "?").

    The answer is the next utterance by another speaker that starts within ``max_gap`` s of the
    question's end; ``answered_by``/``answer`` are empty when nobody else spoke up in time."""
    u = utterances.reset_index(drop=True)
    u = u[u["speaker"].notna()].assign(utterance=lambda f: f.index).sort_values("start", kind="stable")
    u = u.reset_index(drop=True)
    text = u["text"].astype(str)
    sentences = text[text.str.contains("?", regex=False)].map(question_sentences)
    sentences = sentences[sentences.str.len() > 0]
    if sentences.empty:
        return pd.DataFrame(columns=QUESTION_COLUMNS)
    speaker = u["speaker"].to_numpy(dtype=object)
    # the next utterance by someone else: the first one after this speaker's run of utterances
    run_end = np.r_[np.flatnonzero(speaker[1:] != speaker[:-1]), len(u) - 1]
    nxt = run_end[np.searchsorted(run_end, np.arange(len(u)))] + 1
    i = sentences.index.to_numpy()
    j = np.minimum(nxt[i], len(u) - 1)
    starts, ends = u["start"].to_numpy(float), u["end"].to_numpy(float)
    answered = (nxt[i] < len(u)) & (starts[j] - ends[i] <= max_gap)
    pick = lambda col: np.where(answered, u[col].to_numpy(dtype=object)[j], None)  # noqa: E731
    return pd.DataFrame({"speaker": speaker[i], "start": starts[i], "end": ends[i],
                         "question": sentences.map(" ".join).to_numpy(), "answered_by": pick("speaker"),
                         "answer": pick("text"), "answer_start": np.where(answered, starts[j], np.nan),
                         "latency": np.where(answered, starts[j] - ends[i], np.nan),
                         "utterance": u["utterance"].to_numpy()[i]}, columns=QUESTION_COLUMNS)


def question_key(text: str) -> str:
    """Near-duplicate questions share a key: lower case, no punctuation or fillers, content words as lemmas,
    sorted ("How do I reset my password?" == "how can i reset my passwords")."""
    kept = [w for w in words(text) if w not in QUESTION_FILLERS]
    lem = lemmatizer()
    content = sorted({(lem.lemmatize(w, "n") if lem else w) for w in kept if w not in stop_words("en")})
    return " ".join(content) if content else " ".join(kept)
