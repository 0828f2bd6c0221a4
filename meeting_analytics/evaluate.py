"""Scoring helpers: WER with Whisper's English normalisation, speaker attribution of words."""

from __future__ import annotations

import numpy as np

from .transcript import Word


def normalize_english(text: str) -> str:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()(text)


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(normalize_english(reference), normalize_english(hypothesis)))


def match_words(reference: list[Word], hypothesis: list[Word], tolerance: float = 0.5) -> list[tuple[int, int]]:
    """Pair each hypothesis word with the reference word nearest in time (midpoints within ``tolerance`` s)."""
    if not reference or not hypothesis:
        return []
    ref_mid = np.array([(w.start + w.end) / 2 for w in reference])
    pairs = []
    for j, w in enumerate(hypothesis):
        mid = (w.start + w.end) / 2
        i = int(np.argmin(np.abs(ref_mid - mid)))
        if abs(ref_mid[i] - mid) <= tolerance:
            pairs.append((i, j))
    return pairs


def speaker_attribution(reference: list[Word], hypothesis: list[Word]) -> tuple[float, dict[str, str]]:
    """Share of time-matched words whose hypothesis speaker maps to the reference speaker.

    Hypothesis labels are mapped to reference labels one-to-one, maximising agreement (Hungarian).
    Returns (accuracy, mapping).
    """
    from scipy.optimize import linear_sum_assignment

    pairs = match_words(reference, hypothesis)
    if not pairs:
        return 0.0, {}
    ref_labels = sorted({reference[i].speaker for i, _ in pairs})
    hyp_labels = sorted({str(hypothesis[j].speaker) for _, j in pairs})
    counts = np.zeros((len(hyp_labels), len(ref_labels)))
    for i, j in pairs:
        counts[hyp_labels.index(str(hypothesis[j].speaker)), ref_labels.index(reference[i].speaker)] += 1
    rows, cols = linear_sum_assignment(-counts)
    mapping = {hyp_labels[r]: ref_labels[c] for r, c in zip(rows, cols)}
    return float(counts[rows, cols].sum() / len(pairs)), mapping


def filler_scores(truth, found, mapping: dict[str, str] | None = None, tolerance: float = 1.0):
    """Per reference speaker: filler precision, recall and F1.

    ``truth`` and ``found``: frames with speaker, start (one row per filler occurrence). ``mapping``
    maps hypothesis speakers to reference speakers (identity when None). An occurrence matches one
    of the same speaker whose start lies within ``tolerance`` s (each used once)."""
    import pandas as pd

    found = found.assign(ref_speaker=found["speaker"].map(lambda s: (mapping or {}).get(s, s)))
    rows = []
    for speaker in sorted(set(truth["speaker"]) | set(found["ref_speaker"].dropna())):
        t = np.sort(truth.loc[truth["speaker"] == speaker, "start"].to_numpy())
        h = np.sort(found.loc[found["ref_speaker"] == speaker, "start"].to_numpy())
        used = np.zeros(len(t), dtype=bool)
        hits = 0
        for start in h:
            free = np.flatnonzero(~used & (np.abs(t - start) <= tolerance))
            if free.size:
                used[free[np.argmin(np.abs(t[free] - start))]] = True
                hits += 1
        precision = hits / len(h) if len(h) else float("nan")
        recall = hits / len(t) if len(t) else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        rows.append((speaker, len(t), len(h), hits, precision, recall, f1))
    return pd.DataFrame(rows, columns=["speaker", "truth", "found", "matched", "precision", "recall", "f1"])
