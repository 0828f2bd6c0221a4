"""Empty tables typed as full ones: a table with no rows keeps each column's dtype (times and rates float,
counts int, the rest text: ``str``, which pandas 3 gives text columns and pandas 2 reads as object), so
stacking it with full ones changes nothing.

Measured: with ``pd.DataFrame(columns=...)`` every column of an empty table was object, and pandas 3 keeps
an empty table's dtypes in ``pd.concat``: ``analyze_corpus`` over two batches, one without a question,
gave a ``questions`` table whose ``start`` and ``latency`` were object (so were a silent meeting's fillers).
"""

from __future__ import annotations

import pandas as pd

FLOAT_COLUMNS = frozenset(
    "start end answer_start latency time duration talk_time share wpm mean_turn longest_turn overlap_time "
    "mean_response_latency log_odds z sentiment mean_sentiment positive_share negative_share per_minute "
    "per_100_words fillers_per_minute fillers_per_100_words hesitations_per_minute discourse_markers_per_minute "
    "answer_latency speech_time silence_share switches_per_minute score".split())
INT_COLUMNS = frozenset(
    "n_words words turns questions interruptions interrupted overlaps sentences utterance word_index count "
    "speakers utterances fillers hesitations discourse_markers questions_asked questions_answered recordings "
    "speaker_switches".split())


def dtype_of(column: str) -> str:
    """The dtype ``column`` has in a table with rows: float64, int64 or str (text)."""
    return "float64" if column in FLOAT_COLUMNS else "int64" if column in INT_COLUMNS else "str"


def empty(columns: list[str]) -> pd.DataFrame:
    """A table with ``columns`` and no rows, each column of the dtype it has with rows (``dtype_of``)."""
    return pd.DataFrame({c: pd.Series(dtype=dtype_of(c)) for c in columns})
