"""Hesitations the whole-file pass drops (issue #34): re-decode a few seconds where the segmentation hears a second
voice, or a voice the transcript has no word for, and add the hesitations ("um", "uh") heard there.

Whisper decoding a 30 s chunk keeps the louder voice's words and drops a short "uh" said over it; a lone "um" in a
pause is often not even speech to the voice activity detection (the segmentation scores it 0.1-0.4, under the
0.5 onset), so the ASR never sees it. Decoded alone, a few seconds around it, with the verbatim prompt, the same
model often writes it. So, only where the diarization has two or more speakers (one voice: nothing runs):

1. ``voice_events``: from the segmentation pass's local-speaker scores (averaged over the chunks), the runs where
   the second strongest local speaker reaches ``SECOND_VOICE`` for 0.1 s (a second voice), and the runs where the
   strongest reaches ``UNHEARD`` for 0.15 s with no word of the main pass within 0.2 s (a voice nobody wrote).
   ``event_windows``: ``HALF_WINDOW`` s each side of each event. (``windows``: the same around the diarization's
   speaker changes; measured, found 1 of 88 on the tune half, off: ``CHANGES``.)
2. Each window is decoded on its own (faster-whisper with word timestamps, the verbatim prompt, no VAD).
3. ``candidates``: a word of the window (``MIN_LENGTH`` s long at least, once placed) that is a hesitation of the
   filler lexicon, with a word probability of at least ``MIN_SCORE``, and no hesitation of the main pass (or one
   recovered already) within ``DUPLICATE`` s. A hesitation decoded more than 0.5 s from the event that placed its
   window is put at the event first (``placed``: a window's lone "uh" gets the window's start as its time).
4. Its speaker is the one the diarization gives that moment (``speaker_of``); when a second voice placed the
   window, or the hesitation overlaps a word of the main pass (nobody says two words at once), it is a speaker
   other than the dominant one (``second_speaker``).

A recovered ``Word`` has ``source="recovered"`` and ``probability`` = its score (the window decode's word
probability); the fillers frame shows both (``found``, ``score``). Measured on real hesitations laid into real
conversations, tuned on one half and scored on the other: ``benchmarks/fillers_real.py``, BENCHMARKS.md
"Fillers on real speech (issue #34)".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..audio import SAMPLE_RATE
from ..options import PipelineOptions
from ..prompts import VERBATIM_PROMPTS
from ..transcript import Turn, Word

HESITATIONS = "hesitations"  # the stage's name in a transcript's timings
RECOVERED = "recovered"
HALF_WINDOW = 1.5   # seconds each side of a speaker change or an overlap edge
MAX_WINDOW = 4.0    # a merged window is cut into pieces no longer than this
CHANGE_GAP = 1.0    # a turn starting within this of another speaker's turn end is a speaker change
DUPLICATE = 0.5     # a candidate this close to a hesitation of the main pass is that one
# chosen on the tune half (benchmarks/fillers_real.py; BENCHMARKS.md): a recovered hesitation's word probability
# is low (0.01-0.28 for the true ones there) and does not part them from false ones, so only empty ones go
MIN_SCORE = 0.01    # lowest word probability of a recovered hesitation
MIN_LENGTH = 0.02   # shortest decoded word taken (a zero-length "Uh" on laughter: the negatives' one false one)
SECOND_VOICE = 0.2  # the segmentation's second local speaker from this score on: a second voice
UNHEARD = 0.1       # its strongest local speaker from this score on, with no word of the main pass: a voice
CHANGES = False     # windows at the diarization's speaker changes too (found 1 of 88 on the tune half: off)


@dataclass(frozen=True)
class Window:
    """A stretch to decode again, and the run of the segmentation (``event``) or the speaker change that placed
    it; ``second``: placed by a second voice (a recovered word there is not the dominant speaker's)."""

    start: float
    end: float
    event: tuple[float, float] | None = None
    second: bool = False


def change_points(turns: list[Turn]) -> list[float]:
    """Times where the speaker changes or a second voice starts or stops, from turns that may overlap."""
    points: list[float] = []
    for i, a in enumerate(turns):
        for b in turns[i + 1:]:
            if b.start > a.end + CHANGE_GAP:
                break
            if a.speaker == b.speaker:
                continue
            if b.start < a.end:  # overlap: its start and its end
                points += [b.start, min(a.end, b.end)]
            else:  # a change across a short gap: the end and the start
                points += [a.end, b.start]
    return sorted(set(round(p, 3) for p in points))


def windows(turns: list[Turn], duration: float, half: float = HALF_WINDOW,
            longest: float = MAX_WINDOW) -> list[Window]:
    """The windows to re-decode: ``half`` s around each change point, merged, no longer than ``longest``."""
    spans: list[list[float]] = []
    for p in change_points(sorted(turns, key=lambda t: (t.start, t.end))):
        a, b = max(0.0, p - half), min(duration, p + half)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    out: list[Window] = []
    for a, b in spans:
        n = max(1, int(np.ceil((b - a) / longest - 1e-9)))
        step = (b - a) / n
        out += [Window(round(a + k * step, 3), round(a + (k + 1) * step, 3)) for k in range(n)]
    return [w for w in out if w.end - w.start >= 0.5]


def voice_curves(scores: np.ndarray, start: float, chunk: float, step: float,
                 duration: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The segmentation pass's (chunks, frames, local speakers) scores as two curves over the file, averaged
    over the chunks that cover each frame: the strongest local speaker's score and the second strongest's
    (a second voice), with the frame's length in seconds."""
    n_chunks, n_frames, _ = scores.shape
    frame = chunk / n_frames
    total = int(np.ceil(duration / frame)) + 1
    top, second, count = np.zeros(total), np.zeros(total), np.zeros(total)
    ranked = np.sort(scores, axis=2)
    for c in range(n_chunks):
        lo = int(round((start + c * step) / frame))
        hi = min(lo + n_frames, total)
        if hi <= lo:
            continue
        top[lo:hi] += ranked[c, : hi - lo, -1]
        second[lo:hi] += ranked[c, : hi - lo, -2] if ranked.shape[2] > 1 else 0.0
        count[lo:hi] += 1
    count[count == 0] = 1
    return top / count, second / count, frame


def runs(mask: np.ndarray, frame: float, shortest: float) -> list[tuple[float, float]]:
    """(start, end) in seconds of the runs of True in ``mask`` lasting at least ``shortest``."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return [(float(a * frame), float(b * frame)) for a, b in zip(edges[::2], edges[1::2])
            if (b - a) * frame >= shortest]


def _norm(text: str) -> str:
    return text.strip().strip(".,!?;:…\"'()-").lower()


def decode_window(model, audio: np.ndarray, window: Window, prompt: str | None, language: str | None,
                  beam_size: int = 5) -> list[Word]:
    """The words of one window decoded alone (faster-whisper, word timestamps), on the file's time line."""
    piece = audio[int(window.start * SAMPLE_RATE): int(window.end * SAMPLE_RATE)]
    segments, _ = model.transcribe(piece, language=language or "en", initial_prompt=prompt, word_timestamps=True,
                                   beam_size=beam_size, vad_filter=False, condition_on_previous_text=False,
                                   temperature=0.0)
    return [Word(window.start + float(w.start), window.start + float(w.end), w.word.strip(),
                 probability=float(w.probability)) for s in segments for w in (s.words or [])]


def candidates(decoded: list[Word], words: list[Word], hesitations: set[str], min_score: float) -> list[Word]:
    """Hesitations of a window's decode that the main pass has not (none of its hesitations within DUPLICATE)."""
    known = [w for w in words if _norm(w.text) in hesitations]
    out: list[Word] = []
    for w in decoded:
        if _norm(w.text) not in hesitations or (w.probability or 0.0) < min_score:
            continue
        if any(k.start - DUPLICATE <= w.end and k.end + DUPLICATE >= w.start for k in known + out):
            continue
        out.append(w)
    return out


def speaker_of(word: Word, words: list[Word], turns: list[Turn]) -> str | None:
    """The diarization's speaker at ``word``: a covering turn's, other than the main pass's nearest word's
    speaker (the dominant voice) when another covers it; the nearest turn's when none does."""
    if not turns:
        return None
    cover: dict[str, float] = {}
    for t in turns:
        o = min(t.end, word.end + 0.1) - max(t.start, word.start - 0.1)
        if o > 0:
            cover[t.speaker] = cover.get(t.speaker, 0.0) + o
    nearest = min(words, key=lambda w: abs((w.start + w.end) / 2 - (word.start + word.end) / 2), default=None)
    dominant = nearest.speaker if nearest is not None else None
    others = {s: o for s, o in cover.items() if s != dominant}
    if others:
        return max(others, key=lambda s: others[s])
    if cover:
        return max(cover, key=lambda s: cover[s])
    return min(turns, key=lambda t: max(t.start - word.end, word.start - t.end)).speaker


def voice_events(scores: np.ndarray, start: float, chunk: float, step: float, duration: float,
                 words: list[Word], second_at: float = SECOND_VOICE,
                 unheard_at: float = UNHEARD) -> list[tuple[float, float, bool]]:
    """(start, end, second) of the runs where the segmentation hears a second voice (its second strongest local
    speaker at ``second_at`` or more for 0.1 s) or a voice the main pass wrote nothing for (its strongest at
    ``unheard_at`` or more for 0.15 s, no word within 0.2 s)."""
    top, second, frame = voice_curves(scores, start, chunk, step, duration)
    out = [(a, b, True) for a, b in runs(second >= second_at, frame, 0.1)]
    spans = np.array([(w.start, w.end) for w in words]).reshape(-1, 2)
    for a, b in runs(top >= unheard_at, frame, 0.15):
        if not ((spans[:, 0] <= b + 0.2) & (spans[:, 1] >= a - 0.2)).any():
            out.append((a, b, False))
    return sorted(out)


def event_windows(events: list[tuple[float, float, bool]], duration: float, half: float = HALF_WINDOW) -> list[Window]:
    """A window of ``half`` s each side of each event's middle (an event within 1 s of a kept one's middle adds
    none)."""
    out: list[Window] = []
    for a, b, second in events:
        mid = (a + b) / 2
        if out and abs(mid - sum(out[-1].event or (0, 0)) / 2) < 1.0:
            continue
        out.append(Window(round(max(0.0, mid - half), 3), round(min(duration, mid + half), 3), (a, b), second))
    return [w for w in out if w.end - w.start >= 0.5]


def placed(word: Word, window: Window) -> Word:
    """A word at the event that placed its window when its own time is not within 0.5 s of it (a window's
    lone hesitation often gets the window's start as its time)."""
    if window.event is None:
        return word
    a, b = window.event
    if word.start <= b + 0.5 and word.end >= a - 0.5:
        return word
    return replace(word, start=round(a, 3), end=round(min(b, a + 0.8), 3))


def second_speaker(word: Word, words: list[Word], turns: list[Turn]) -> str | None:
    """For a word a second voice said: ``speaker_of``, unless that is the dominant voice (the main pass's nearest
    word's speaker); then the speaker other than the dominant whose turn is nearest."""
    label = speaker_of(word, words, turns)
    nearest = min(words, key=lambda w: abs(w.start - word.start), default=None)
    dominant = nearest.speaker if nearest is not None else None
    if label != dominant:
        return label
    others = [(max(t.start - word.end, word.start - t.end), t.speaker) for t in turns if t.speaker != dominant]
    return min(others)[1] if others else label


def over_words(word: Word, words: list[Word], least: float = 0.1) -> bool:
    """Whether ``word`` overlaps a word of the main pass by ``least`` s or more: said at the same time as another
    word, so by a second voice."""
    return any(min(w.end, word.end) - max(w.start, word.start) >= least for w in words)


def recover_words(model, audio: np.ndarray, words: list[Word], turns: list[Turn], hesitations: set[str],
                  prompt: str | None, language: str | None, segmentation=None, min_score: float = MIN_SCORE,
                  beam_size: int = 5, changes: bool = CHANGES) -> tuple[list[Word], int]:
    """``words`` (speakers assigned, in time order) with the recovered hesitations inserted in time order, and
    the number of windows decoded. ``segmentation``: the segmentation pass (pyannote ``SlidingWindowFeature``),
    whose voice events place windows; ``changes``: windows at the diarization's speaker changes too. Nothing
    happens where the diarization has fewer than two speakers."""
    duration = len(audio) / SAMPLE_RATE
    if len({t.speaker for t in turns}) < 2:
        return words, 0
    spans = windows(turns, duration) if changes else []
    if segmentation is not None:
        sw = segmentation.sliding_window
        spans += event_windows(voice_events(segmentation.data, sw.start, sw.duration, sw.step, duration, words),
                               duration)
    found: list[Word] = []
    for window in spans:
        decoded = decode_window(model, audio, window, prompt, language, beam_size)
        decoded = [p for p in (placed(d, window) for d in decoded) if p.end - p.start >= MIN_LENGTH]  # zero length:
        for w in candidates(decoded, words + found, hesitations, min_score):  # a timing artefact
            second = window.second or over_words(w, words)
            who = second_speaker(w, words, turns) if second else speaker_of(w, words, turns)
            found.append(replace(w, speaker=who, source=RECOVERED))
    if not found:
        return words, len(spans)
    return sorted(words + found, key=lambda w: (w.start, w.end)), len(spans)


def recovering(options: PipelineOptions, language: str | None) -> bool:
    """Whether a mono run recovers hesitations: ``options.recovers_hesitations`` (on, and a verbatim prompt) and
    a filler lexicon for the language decoded."""
    return options.recovers_hesitations and (language or "").split("-")[0] in VERBATIM_PROMPTS


def recover(model, audio: np.ndarray, words: list[Word], turns: list[Turn], language: str | None,
            options: PipelineOptions, segmentation=None) -> list[Word]:
    """The pipeline's step: ``recover_words`` with the language's verbatim prompt and hesitation lexicon."""
    from ..analytics.fillers import lexicon_for

    code = (language or "en").split("-")[0]
    merged, _ = recover_words(model, audio, words, turns, lexicon_for(code).hesitations, options.prompt, code,
                              segmentation, beam_size=options.asr.beam_size)
    return merged
