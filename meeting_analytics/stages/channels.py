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


def frame_power(channels: np.ndarray, hop: int) -> np.ndarray:
    """(channels, frames) mean power of each ``hop``-sample frame (a last partial frame left out)."""
    n = channels.shape[1] // hop
    return np.mean(channels[:, : n * hop].reshape(channels.shape[0], n, hop).astype(np.float64) ** 2, axis=2)


def envelope_correlation(channels: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """The smallest pairwise correlation of the channels' log-energy envelopes (1.0: identical)."""
    power = frame_power(channels, int(FRAME * sr))
    if power.shape[1] < 2:
        return 1.0
    corr = np.corrcoef(np.log10(power + 1e-10))
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


def merge(per_channel: list[list[Word]], language: str | None, max_pause: float, turns: list[Turn] | None = None
          ) -> tuple[list[Word], list[Utterance], list[Turn]]:
    """Each channel's utterances, interleaved by start time; ``turns``: each channel's speech
    (``speech_turns``), else the utterances' spans."""
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
    if turns is None:
        turns = [Turn(u.start, u.end, u.speaker) for u in utterances if u.speaker]
    return merged, utterances, sorted(turns, key=lambda t: (t.start, t.end, t.speaker))


def labelled(words: list[Word], name: str) -> list[Word]:
    return [replace(w, speaker=name) for w in words]


# --- each channel's own speech: its energy, less the other channels' leak ----------------------------------
ACTIVITY_FRAME = 0.01   # seconds per activity frame
SMOOTH = 5              # frames of power averaged (50 ms)
LEAK_MARGIN = 6.0       # dB a channel must rise above the level the other channel's leak would give it
BRIDGE = 0.3            # seconds of inactivity inside one stretch of speech
MIN_SPEECH = 0.1        # seconds: shorter active runs are clicks
GATE_PAD = 0.2          # seconds of audio kept around each active stretch when the channel is gated
SPEECH_RANGE = 30.0     # dB under the channel's loudest (99th percentile) frames that speech may fall


def frame_levels(channels: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """(channels, frames) level in dB per 10 ms frame, power averaged over 50 ms."""
    power = frame_power(channels, int(ACTIVITY_FRAME * sr))
    kernel = np.ones(SMOOTH) / SMOOTH
    power = np.stack([np.convolve(p, kernel, mode="same") for p in power]) if power.shape[1] else power
    return 10 * np.log10(power + 1e-12)


def speech_threshold(level: np.ndarray) -> float:
    """The level (dB) that splits a channel's frames into background and speech: Otsu's threshold on the
    histogram of its non-silent frames (digital silence, under -100 dB, left out), and no lower than
    ``SPEECH_RANGE`` dB under the channel's loudest frames (a quiet line puts Otsu's split between digital
    silence and line noise: on five real stereo calls, frames missed + false alarm against each channel's
    reference 5.3-8.0 % with the floor at 30 dB, 5.3-13.2 % with Otsu alone; 30 dB chosen leaving each call
    out in turn, from 25/30/35/40: BENCHMARKS.md "Stereo calls")."""
    live = level[level > -100]
    if len(live) < 10:
        return float("inf")
    return max(_otsu(live), float(np.percentile(level, 99)) - SPEECH_RANGE)


def _otsu(live: np.ndarray) -> float:
    hist, edges = np.histogram(live, bins=100)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres) / np.maximum(w0, 1)
    m1 = (np.sum(hist * centres) - np.cumsum(hist * centres)) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centres[int(np.argmax(between[:-1]))]) if len(between) > 1 else float(centres[0])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist()))


def _clean(mask: np.ndarray) -> np.ndarray:
    """Gaps under ``BRIDGE`` s bridged, then runs under ``MIN_SPEECH`` s dropped."""
    out = mask.copy()
    runs = _runs(out)
    bridge = round(BRIDGE / ACTIVITY_FRAME)
    for (_, e0), (s1, _) in zip(runs, runs[1:]):
        if s1 - e0 < bridge:
            out[e0:s1] = True
    for s, e in _runs(out):
        if e - s < round(MIN_SPEECH / ACTIVITY_FRAME):
            out[s:e] = False
    return out


def channel_activity(channels: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """(channels, frames) booleans every 10 ms: where each channel carries its own person's speech.

    A frame is speech on a channel when its level is above the channel's background (``speech_threshold``)
    and above what the other channels' speech leaks into it: for each other channel ``a``, the leak's
    attenuation ``L`` is the median level difference between ``a`` and this channel while ``a`` speaks
    (headsets and desk phones pick up the others 10-30 dB lower), and the frame must rise ``LEAK_MARGIN`` dB
    above ``a``'s level less ``L``. So a frame belongs to the channel where it is loudest relative to the
    coupling, and two people talking at once are both kept."""
    levels = frame_levels(channels, sr)
    loud = np.stack([lv > speech_threshold(lv) for lv in levels])
    own = loud.copy()
    for b in range(len(levels)):
        for a in range(len(levels)):
            if a == b or not loud[a].any():
                continue
            attenuation = float(np.median(levels[a][loud[a]] - levels[b][loud[a]]))
            if attenuation <= LEAK_MARGIN:  # as loud as the other channel: no leak to tell apart
                continue
            own[b] &= ~(loud[a] & (levels[b] < levels[a] - attenuation + LEAK_MARGIN))
    return np.stack([_clean(m) for m in own])


def gate(row: np.ndarray, active: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The channel with everything outside its own speech (padded by ``GATE_PAD`` s) silenced, so the ASR
    never hears the other party's leak."""
    hop = int(ACTIVITY_FRAME * sr)
    pad = round(GATE_PAD / ACTIVITY_FRAME)
    keep = active.copy()
    for s, e in _runs(active):
        keep[max(0, s - pad): e + pad] = True
    samples = np.repeat(keep, hop)
    samples = np.concatenate([samples, np.full(len(row) - len(samples), bool(keep[-1]) if len(keep) else True)])
    return np.where(samples[: len(row)], row, 0.0).astype(row.dtype)


def retime(words: list[Word], active: np.ndarray) -> list[Word]:
    """Words moved inside their channel's speech: a word's span is cut to the active frames it covers; a word
    over none (the aligner stretched a neighbour across a silence) goes to the nearer edge of speech. Times
    stay in order. Runs are found by bisection: linear in the words and runs of a long call."""
    if not len(active) or not active.any():
        return words
    runs = np.array(_runs(active), dtype=float) * ACTIVITY_FRAME  # (runs, 2) seconds, sorted and disjoint
    starts, ends = runs[:, 0], runs[:, 1]
    first = np.searchsorted(ends, [w.start for w in words], side="right")   # first run ending after the start
    after = np.searchsorted(starts, [w.end for w in words], side="left")    # first run starting at/after the end
    out: list[Word] = []
    last = 0.0
    for w, i, k in zip(words, first.tolist(), after.tolist()):
        if i < k:  # runs i..k-1 overlap the word (a zero-length word: the run it lies in)
            s, e = max(float(starts[i]), w.start), min(float(ends[k - 1]), w.end)
        else:
            gap_before = w.start - ends[i - 1] if i > 0 else np.inf
            gap_after = starts[k] - w.end if k < len(starts) else np.inf
            length = min(w.end - w.start, 0.3)
            if gap_before <= gap_after:
                e = float(ends[i - 1])
                s = max(e - length, float(starts[i - 1]))
            else:
                s = float(starts[k])
                e = min(s + length, float(ends[k]))
        s = max(s, last)
        e = max(e, s + 0.01)
        last = s
        out.append(replace(w, start=round(s, 3), end=round(e, 3)))
    return out


def speech_turns(active: np.ndarray, words: list[Word], name: str) -> list[Turn]:
    """The channel's stretches of speech that carry at least one of its words, as turns."""
    turns = []
    mids = np.sort(np.array([(w.start + w.end) / 2 for w in words], dtype=float))
    for s, e in _runs(active):
        start, end = s * ACTIVITY_FRAME, e * ACTIVITY_FRAME
        if np.searchsorted(mids, end, side="right") > np.searchsorted(mids, start, side="left"):
            turns.append(Turn(round(start, 3), round(end, 3), name))
    return turns
