"""Word tokens and stop words, shared by the topic and filler analytics."""

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


def clean_tokens(text: pd.Series) -> pd.Series:
    """Word tokens without surrounding punctuation ("invoice," -> "invoice", "don't" kept)."""
    return text.astype(str).str.replace(_TOKEN, "", regex=True)
