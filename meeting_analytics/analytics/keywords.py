"""Frequent content words per speaker (stop-words removed); the simple precursor of topic analysis."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

_TOKEN = re.compile(r"[^\w'’-]+|^['’-]+|['’-]+$")


@lru_cache(maxsize=8)
def stop_words(language: str = "en") -> frozenset[str]:
    from stop_words import get_stop_words

    try:
        return frozenset(get_stop_words(language))
    except Exception:  # no list for this language: keep every word
        return frozenset()


def keywords(words: pd.DataFrame, language: str | None = "en", top: int = 20,
             exclude: set[str] | None = None) -> pd.DataFrame:
    """Top ``top`` content words per speaker: speaker, term, count, share (of the speaker's content words)."""
    tok = words["text"].astype(str).str.lower().str.replace(_TOKEN, "", regex=True)
    drop = stop_words((language or "en").split("-")[0]) | (exclude or set())
    keep = (tok.str.len() > 2) & ~tok.isin(drop) & ~tok.str.isnumeric()
    frame = pd.DataFrame({"speaker": words["speaker"][keep], "term": tok[keep]}).dropna(subset=["speaker"])
    if frame.empty:
        return pd.DataFrame(columns=["speaker", "term", "count", "share"])
    counts = frame.groupby(["speaker", "term"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("speaker")["count"].transform("sum")
    counts = counts.sort_values(["speaker", "count", "term"], ascending=[True, False, True])
    return counts.groupby("speaker", group_keys=False).head(top).reset_index(drop=True)
