"""Recordings with one speaker per channel (stereo call-centre audio: agent left, customer right).

``split`` transcribes each channel on its own and labels its words with the channel's name, so two
people talking at once are two clean transcripts instead of one garbled downmix, and no clustering
is needed. ``auto`` splits when the channels carry different content: the log-energy envelopes of
one person per channel move apart (one talks while the other listens), while a room recorded in
stereo, or a mono signal copied to both channels, gives envelopes that rise and fall together.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..audio import SAMPLE_RATE, AudioError
from ..transcript import Turn, Utterance, Word
from .assign import group_utterances

CHANNEL_MODES = ("auto", "mix", "split")
SPLIT_BELOW = 0.6    # envelope correlation under which ``auto`` splits
FRAME = 0.05         # seconds per envelope frame


def envelope_correlation(channels: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """The smallest pairwise correlation of the channels' log-energy envelopes (1.0: identical)."""
    hop = int(FRAME * sr)
    n = channels.shape[1] // hop
    if n < 2:
        return 1.0
    frames = channels[:, : n * hop].reshape(channels.shape[0], n, hop)
    env = np.log10(np.mean(frames.astype(np.float64) ** 2, axis=2) + 1e-10)
    corr = np.corrcoef(env)
    corr = np.nan_to_num(corr, nan=1.0)  # a constant envelope (digital silence) says nothing
    return float(np.min(corr))


def choose(mode: str, channels: np.ndarray) -> tuple[str, float]:
    """``split`` or ``mix`` for a multi-channel recording, and the envelope correlation it rests on."""
    corr = envelope_correlation(channels)
    if mode == "auto":
        mode = "split" if corr < SPLIT_BELOW else "mix"
    return mode, round(corr, 3)


def names_for(count: int, names: str | None, path: str) -> list[str]:
    """``CH0``, ``CH1``... or the names given, one per channel."""
    given = [n.strip() for n in names.split(",")] if names else []
    if not given:
        return [f"CH{i}" for i in range(count)]
    if len(given) != count or not all(given) or len(set(given)) != count:
        raise AudioError(path, f"has {count} channels but --channel_names gives {len(given)} "
                               f"name{'s' if len(given) != 1 else ''} ({names}); give one distinct name per channel")
    return given


def merge(per_channel: list[list[Word]], language: str | None, max_pause: float
          ) -> tuple[list[Word], list[Utterance], list[Turn]]:
    """Each channel's utterances, interleaved by start time; a channel's speech spans become its turns."""
    blocks = []
    for words in per_channel:
        for u in group_utterances(words, language, max_pause):
            blocks.append((u, words[u.first_word: u.last_word]))
    blocks.sort(key=lambda b: (b[0].start, b[0].speaker or ""))
    merged: list[Word] = []
    utterances: list[Utterance] = []
    for u, words in blocks:
        utterances.append(replace(u, first_word=len(merged), last_word=len(merged) + len(words)))
        merged += words
    turns = sorted((Turn(u.start, u.end, u.speaker) for u in utterances if u.speaker), key=lambda t: t.start)
    return merged, utterances, turns


def labelled(words: list[Word], name: str) -> list[Word]:
    return [replace(w, speaker=name) for w in words]
