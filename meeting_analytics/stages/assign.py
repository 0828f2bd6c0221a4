"""Words to speakers, and speaker-attributed words to utterances. Pure functions, no models."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..transcript import Turn, Utterance, Word

NO_SPACE_LANGUAGES = {"zh", "ja", "th", "lo", "km", "my", "yue", "bo"}


def assign_speakers(words: list[Word], turns: list[Turn], keep_ratio: float = 0.5,
                    chunk: int = 4096) -> list[Word]:
    """Give each word the speaker whose turns cover most of it.

    In overlapped speech, a speaker covering at least ``keep_ratio`` of the best overlap who also
    spoke the previous word keeps the word, so a speaker's sentence is not split by a backchannel.
    A word outside every turn goes to the nearest turn.
    """
    if not turns or not words:
        return [replace(w, speaker=None) for w in words]
    speakers = sorted({t.speaker for t in turns})
    index = {s: i for i, s in enumerate(speakers)}
    t_start = np.array([t.start for t in turns])
    t_end = np.array([t.end for t in turns])
    t_spk = np.array([index[t.speaker] for t in turns])
    out: list[Word] = []
    prev = -1
    for lo in range(0, len(words), chunk):
        batch = words[lo : lo + chunk]
        w_start = np.array([w.start for w in batch])[:, None]
        w_end = np.array([w.end for w in batch])[:, None]
        inter = np.clip(np.minimum(w_end, t_end) - np.maximum(w_start, t_start), 0.0, None)
        cover = np.zeros((len(batch), len(speakers)))
        np.add.at(cover.T, t_spk, inter.T)
        gap = np.maximum(t_start - w_end, w_start - t_end)
        nearest = t_spk[np.argmin(gap, axis=1)]
        best = cover.max(axis=1)
        for i, w in enumerate(batch):
            if best[i] <= 0:
                choice = int(nearest[i])
            elif prev >= 0 and cover[i, prev] >= keep_ratio * best[i]:
                choice = prev
            else:
                choice = int(np.argmax(cover[i]))
            prev = choice
            out.append(replace(w, speaker=speakers[choice]))
    return out


def join_words(words: list[Word], language: str | None) -> str:
    sep = "" if (language or "").split("-")[0] in NO_SPACE_LANGUAGES else " "
    return sep.join(w.text for w in words).strip()


def group_utterances(words: list[Word], language: str | None = None, max_pause: float = 1.0) -> list[Utterance]:
    """Consecutive words of one speaker, split where the speaker changes or pauses over ``max_pause`` s."""
    utterances: list[Utterance] = []
    first = 0
    for i in range(1, len(words) + 1):
        if i < len(words) and words[i].speaker == words[i - 1].speaker \
                and words[i].start - words[i - 1].end <= max_pause:
            continue
        chunk = words[first:i]
        utterances.append(Utterance(chunk[0].start, max(w.end for w in chunk), chunk[0].speaker,
                                    join_words(chunk, language), first, i))
        first = i
    return utterances
