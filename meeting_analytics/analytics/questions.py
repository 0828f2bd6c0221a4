"""Questions asked, and the answer that followed: who asked what, who answered, what they said."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

QUESTION_COLUMNS = ["speaker", "start", "end", "question", "answered_by", "answer", "answer_start", "latency",
                    "utterance"]
_SENTENCE = re.compile(r"[^.!?]*[.!?]+|[^.!?]+$")


def _question_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip().endswith("?")]


def questions(utterances: pd.DataFrame, max_gap: float = 10.0) -> pd.DataFrame:
    """One row per utterance that asks something (sentences ending in "?").

    The answer is the next utterance by another speaker that starts within ``max_gap`` s of the
    question's end; ``answered_by``/``answer`` are empty when nobody else spoke up in time."""
    u = utterances.reset_index().rename(columns={"index": "utterance"}).sort_values("start", kind="stable")
    u = u.reset_index(drop=True)
    asked = u["text"].astype(str).str.contains("?", regex=False) & u["speaker"].notna()
    rows = []
    speakers, starts, ends = u["speaker"].to_numpy(), u["start"].to_numpy(), u["end"].to_numpy()
    for i in np.flatnonzero(asked.to_numpy()):
        sentences = _question_sentences(str(u.at[i, "text"]))
        if not sentences:
            continue
        j = i + 1
        while j < len(u) and (speakers[j] == speakers[i] or speakers[j] is None) and starts[j] - ends[i] <= max_gap:
            j += 1
        answered = j < len(u) and speakers[j] != speakers[i] and starts[j] - ends[i] <= max_gap
        rows.append((speakers[i], starts[i], ends[i], " ".join(sentences),
                     speakers[j] if answered else None, u.at[j, "text"] if answered else None,
                     starts[j] if answered else np.nan, starts[j] - ends[i] if answered else np.nan,
                     int(u.at[i, "utterance"])))
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS)
