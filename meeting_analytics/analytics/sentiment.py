"""Sentiment per utterance (VADER by default), per speaker, and over time.

VADER runs through NLTK's ``SentimentIntensityAnalyzer`` with the lexicon that ships in the
``vaderSentiment`` package, so nothing is downloaded; its ``score_texts`` (``vader.VectorVader``)
scores a whole column at once with the same results. Any object with ``polarity_scores(text) ->
{"compound": float, ...}`` can replace it (e.g. a transformer model from a local path); one that also
has ``score_texts(texts) -> array`` is called once per meeting.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np
import pandas as pd

from .frames import empty

POSITIVE, NEGATIVE = 0.05, -0.05  # VADER's conventional thresholds on the compound score


class SentimentScorer(Protocol):
    def polarity_scores(self, text: str) -> dict: ...


@lru_cache(maxsize=1)
def vader() -> SentimentScorer:
    from ..nltk_offline import ensure_vader_lexicon
    from .vader import VectorVader

    return VectorVader(lexicon_file=ensure_vader_lexicon())


def score_texts(texts: np.ndarray, scorer: SentimentScorer) -> np.ndarray:
    if hasattr(scorer, "score_texts"):
        return np.asarray(scorer.score_texts(texts), dtype=float)
    return np.array([scorer.polarity_scores(t)["compound"] for t in texts], dtype=float)


def utterance_sentiment(utterances: pd.DataFrame, scorer: SentimentScorer | None = None) -> pd.DataFrame:
    """The utterance frame with ``sentiment`` (compound, -1..1) and ``label`` (positive/negative/neutral)."""
    scorer = scorer or vader()
    # each distinct text scored once: meetings repeat short turns ("yeah", "okay", "thank you")
    unique, inverse = np.unique(utterances["text"].astype(str).to_numpy(), return_inverse=True)
    scores = score_texts(unique, scorer)[inverse] if len(unique) else np.zeros(0)
    out = utterances.assign(sentiment=scores)
    out["label"] = np.select([scores >= POSITIVE, scores <= NEGATIVE], ["positive", "negative"], "neutral")
    return out


def speaker_sentiment(scored: pd.DataFrame, by: str = "speaker") -> pd.DataFrame:
    """Per speaker (or per ``by``, e.g. meeting): mean sentiment weighted by words, share of positive /
    negative utterances."""
    s = scored.dropna(subset=[by])
    if s.empty:
        return empty([by, "utterances", "mean_sentiment", "positive_share", "negative_share"])
    weights = s["n_words"].clip(lower=1)
    g = s.assign(w=weights, ws=weights * s["sentiment"], pos=s["label"].eq("positive"),
                 neg=s["label"].eq("negative")).groupby(by)
    out = pd.DataFrame({"utterances": g.size(), "mean_sentiment": g["ws"].sum() / g["w"].sum(),
                        "positive_share": g["pos"].mean(), "negative_share": g["neg"].mean()})
    return out.reset_index()


def sentiment_timeline(scored: pd.DataFrame, window: float = 60.0, step: float = 15.0,
                       ranges: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rolling mean sentiment per speaker over time: one row per (speaker, time) with the mean of the
    utterances that start within ``window`` seconds ending at ``time``. Times run from 0 to the last
    utterance's end, or per speaker over ``ranges`` (index speaker; columns t0, t1) for a corpus."""
    s = scored.dropna(subset=["speaker"]).sort_values("start")
    if s.empty:
        return empty(["speaker", "time", "sentiment", "utterances"])
    end = float(s["end"].max())
    rows = []
    for speaker, g in s.groupby("speaker"):
        t0, t1 = (0.0, end) if ranges is None else ranges.loc[speaker, ["t0", "t1"]]
        times = np.arange(t0 + step, t1 + step, step)
        starts, values = g["start"].to_numpy(), g["sentiment"].to_numpy()
        csum = np.r_[0.0, np.cumsum(values)]
        hi = np.searchsorted(starts, times, side="right")
        lo = np.searchsorted(starts, times - window, side="right")
        n = hi - lo
        mean = np.where(n > 0, (csum[hi] - csum[lo]) / np.maximum(n, 1), np.nan)
        rows.append(pd.DataFrame({"speaker": speaker, "time": times, "sentiment": mean, "utterances": n}))
    return pd.concat(rows, ignore_index=True)


class TransformersScorer:
    """A text-classification model from a local directory (or a hub name, when downloads are allowed)
    as a sentiment scorer: compound = P(positive) - P(negative), labels read from the model config."""

    def __init__(self, model: str, device: int | str = -1, batch_size: int = 32):
        from transformers import pipeline

        self.pipe = pipeline("text-classification", model=model, tokenizer=model, device=device, top_k=None)
        self.batch_size = batch_size

    @staticmethod
    def _compound(scores: list[dict]) -> float:
        by = {s["label"].lower(): float(s["score"]) for s in scores}
        pos = sum(v for k, v in by.items() if "pos" in k)
        neg = sum(v for k, v in by.items() if "neg" in k)
        if not pos and not neg:  # unnamed labels: binary 0=negative 1=positive; 3-way 0/1/2 = neg/neutral/pos
            neg, pos = by.get("label_0", 0.0), by.get("label_2" if len(by) == 3 else "label_1", 0.0)
        return pos - neg

    def polarity_scores(self, text: str) -> dict:
        out = self.pipe(str(text))
        scores = out[0] if out and isinstance(out[0], list) else out
        return {"compound": self._compound(scores)}
