"""Word timestamps for the text of each ASR segment.

Aligners (``--aligner``), compared on measured boundary error in BENCHMARKS.md:

- ``whisper``: Whisper's own cross-attention + DTW (faster-whisper's ``find_alignment``) on the
  model already loaded for ASR; needs no extra weights.
- ``whisper+energy``: the same, then each word's edges are pulled in to the first and last frame
  whose energy stands above the noise floor (never pushed out). Cross-attention timing tends to
  run a word on into the pause after it; this trims that. The offline default (BENCHMARKS.md).
- ``interpolate``: words spread over the segment in proportion to their length; the floor.
- ``wav2vec2``: ``whisperx.align`` with a wav2vec2 CTC model, a local directory or a hub name
  (``--align_model``); words it cannot time (numbers, symbols) are interpolated between neighbours.

Every aligner's words then go through ``positive_durations``, a step of its own after the alignment
proper (which stays the upstream code's): cross-attention DTW puts two word boundaries on one 20 ms
frame often enough (11 of 75 words of data/call/sample.wav with tiny.en, "So," and "Okay," among
them), and clamping to the segment does the same to a word past its end. A zero-length word cannot be
clicked on or heard, so each one gets the room beside it, or a share of its neighbour's span.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..audio import SAMPLE_RATE
from ..transcript import Segment, Word

_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"


def interpolate_words(segment: Segment) -> list[Word]:
    tokens = segment.text.split()
    if not tokens:
        return []
    edges = spread_edges(tokens, segment.start, segment.end)
    return [Word(float(a), float(b), t) for t, a, b in zip(tokens, edges[:-1], edges[1:])]


def spread_edges(texts: list[str], lo: float, hi: float) -> np.ndarray:
    """The boundaries of ``texts`` spread over ``lo``..``hi`` in proportion to their length (a space each)."""
    weights = np.array([len(t) + 1 for t in texts], dtype=float)
    return lo + (hi - lo) * np.concatenate([[0], np.cumsum(weights)]) / weights.sum()


class Aligner:
    """Word timing for ASR segments. ``bind(audio, language)`` gives a function of one batch of segments
    (and, for Whisper aligners, the encoder output the ASR already computed for that batch)."""

    name = "aligner"

    def align(self, segments: list[Segment], audio: np.ndarray, language: str | None) -> list[list[Word]]:
        raise NotImplementedError

    def bind(self, audio: np.ndarray, language: str | None) -> Callable[..., list[list[Word]]]:
        return lambda segments, encoder_output=None: self.align(segments, audio, language)


class WhisperAligner(Aligner):
    """Cross-attention DTW alignment with the Whisper model that did the ASR (batched). Given the ASR's
    encoder output for a batch it skips the second encoder pass."""

    name = "whisper"

    def __init__(self, whisper_model: Any, batch_size: int = 8):
        self.model = whisper_model  # faster_whisper.WhisperModel
        self.batch_size = batch_size

    def align(self, segments: list[Segment], audio: np.ndarray, language: str | None) -> list[list[Word]]:
        run = self.bind(audio, language)
        return [words for lo in range(0, len(segments), self.batch_size)
                for words in run(segments[lo : lo + self.batch_size])]

    def bind(self, audio: np.ndarray, language: str | None) -> Callable[..., list[list[Word]]]:
        from .asr_model import tokenizer_for

        tokenizer = tokenizer_for(self.model, language)
        return lambda segments, encoder_output=None: self._align_batch(segments, audio, tokenizer, encoder_output)

    def _align_batch(self, segments: list[Segment], audio: np.ndarray, tokenizer,
                     encoder_output=None) -> list[list[Word]]:
        from faster_whisper.transcribe import merge_punctuations

        from .asr_model import features, pieces

        cuts = pieces(audio, [(s.start, s.end) for s in segments])
        if encoder_output is None:
            encoder_output = self.model.encode(features(self.model, cuts))
        extractor = self.model.feature_extractor
        # ctranslate2 aligns a batch with one frame count; align each item with its own length.
        results: list[list[Word]] = []
        for i, seg in enumerate(segments):
            tokens = tokenizer.encode(" " + seg.text.strip())
            if not tokens:
                results.append([])
                continue
            frames = max(1, min(len(cuts[i]), extractor.n_samples) // extractor.hop_length)
            item = _select(encoder_output, i, len(segments))
            alignment = self.model.find_alignment(tokenizer, [tokens], item, frames)[0]
            merge_punctuations(alignment, _PREPEND, _APPEND)
            words = [Word(seg.start + float(w["start"]), seg.start + float(w["end"]), w["word"].strip(),
                          probability=float(w["probability"])) for w in alignment if w["word"].strip()]
            results.append(positive_durations(_clamp(words, seg), seg))
        return results


def _select(encoder_output, i: int, n: int):
    if n == 1:
        return encoder_output
    import ctranslate2

    arr = np.asarray(encoder_output) if encoder_output.device == "cpu" else None
    if arr is None:
        import torch

        tensor = torch.as_tensor(encoder_output, device="cuda")[i : i + 1].contiguous()
        return ctranslate2.StorageView.from_array(tensor)
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(arr[i : i + 1]))


def _clamp(words: list[Word], seg: Segment) -> list[Word]:
    for w in words:
        w.start = min(max(w.start, seg.start), seg.end)
        w.end = min(max(w.end, w.start), seg.end)
    return words


INSTANT_REACH = 0.1  # s each side of a zero-length word's instant it may take from a silence (a short word's half)
MIN_WORD = 0.02      # s: less room than this per word is no room (trim_to_voiced's shortest word)


def positive_durations(words: list[Word], seg: Segment) -> list[Word]:
    """Every word of ``seg`` (in order, inside it) with end > start, where the segment has room.

    A run of zero-length words takes the silence around its instant, up to ``INSTANT_REACH`` each side,
    never past the previous word's end, the next word's start or the segment's edges; where that leaves
    under ``MIN_WORD`` per word (its neighbours touch it), the run shares the next word's span (the
    previous one's at the segment's end), by length in characters as ``interpolate_words`` spreads. Only
    a word of a zero-length segment keeps no duration. Timed words keep their times unless shared."""
    i = 0
    while i < len(words):
        if words[i].end > words[i].start:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and words[j + 1].end <= words[j + 1].start:
            j += 1
        _spread_run(words, i, j, seg)
        i = j + 1
    return words


def _spread_run(words: list[Word], i: int, j: int, seg: Segment) -> None:
    lo = max(words[i - 1].end if i > 0 else seg.start, words[i].start - INSTANT_REACH)
    hi = min(words[j + 1].start if j + 1 < len(words) else seg.end, words[j].end + INSTANT_REACH)
    if hi - lo < MIN_WORD * (j - i + 1):  # no silence beside the run: share a neighbour's span
        if j + 1 < len(words):
            j += 1
        elif i > 0:
            i -= 1
        lo, hi = min(lo, words[i].start), max(hi, words[j].end)
    if hi <= lo:
        return
    edges = spread_edges([w.text for w in words[i : j + 1]], lo, hi)
    for w, a, b in zip(words[i : j + 1], edges[:-1], edges[1:]):
        w.start, w.end = float(a), float(b)


def energy_db(audio: np.ndarray, hop: int = 160, win: int = 400, block: int = 1 << 16) -> np.ndarray:
    """Frame energy in dB (10 ms hop, 25 ms window), from running sums over blocks of frames: linear
    time, and memory bounded by the block (a running sum over four hours in float64 is 2 x 1.8 GB)."""
    if len(audio) < win:
        return np.full(1, -120.0)
    count = (len(audio) - win) // hop + 1
    power = np.empty(count)
    starts = np.arange(block) * hop
    for lo in range(0, count, block):
        n = min(block, count - lo)
        piece = audio[lo * hop : (lo + n - 1) * hop + win]
        sums = np.concatenate([[0.0], np.cumsum(np.square(piece, dtype=np.float64))])
        power[lo : lo + n] = (sums[starts[:n] + win] - sums[starts[:n]]) / win
    return 10 * np.log10(np.maximum(power, 0.0) + 1e-12)


def voiced_frames(audio: np.ndarray, margin_db: float = 8.0, hop: int = 160) -> np.ndarray:
    """Frames louder than the noise floor (10th percentile) + ``margin_db``."""
    db = energy_db(audio, hop)
    return db > np.percentile(db, 10) + margin_db


def trim_to_voiced(words: list[Word], voiced: np.ndarray, hop: int = 160, min_duration: float = 0.02) -> list[Word]:
    """Pull each word's start/end in to its first and last voiced frame (never out)."""
    step = hop / SAMPLE_RATE
    for w in words:
        a, b = int(w.start / step), int(np.ceil(w.end / step))
        idx = np.flatnonzero(voiced[a:b])
        if idx.size == 0:
            continue
        start, end = (a + idx[0]) * step, (a + idx[-1] + 1) * step + 0.015  # + half a window
        if end - start >= min_duration:
            w.start, w.end = max(w.start, start), min(w.end, end)
    return words


def trim_to_energy(words: list[Word], audio: np.ndarray, margin_db: float = 8.0, hop: int = 160) -> list[Word]:
    return trim_to_voiced(words, voiced_frames(audio, margin_db, hop), hop)


class EnergyTrimmedWhisperAligner(WhisperAligner):
    name = "whisper+energy"

    def bind(self, audio: np.ndarray, language: str | None) -> Callable[..., list[list[Word]]]:
        run, voiced = super().bind(audio, language), voiced_frames(audio)
        return lambda segments, encoder_output=None: [trim_to_voiced(words, voiced)
                                                      for words in run(segments, encoder_output)]


class InterpolateAligner(Aligner):
    name = "interpolate"

    def align(self, segments: list[Segment], audio: np.ndarray, language: str | None) -> list[list[Word]]:
        return [interpolate_words(s) for s in segments]


class Wav2Vec2Aligner(Aligner):
    """whisperx's phoneme-level CTC alignment; ``model_name`` is a local directory or a hub name."""

    name = "wav2vec2"

    def __init__(self, model_name: str | None, language: str, device: str = "cpu", model_dir: str | None = None):
        import whisperx
        from whisperx.utils import PUNKT_LANGUAGES

        from ..nltk_offline import ensure_punkt_tab

        ensure_punkt_tab(PUNKT_LANGUAGES.get(language, "english"))
        self.device = device
        self.model, self.metadata = whisperx.load_align_model(language_code=language, device=device,
                                                              model_name=model_name, model_dir=model_dir)
        self.model_name = model_name

    def align(self, segments: list[Segment], audio: np.ndarray, language: str | None) -> list[list[Word]]:
        import whisperx

        out: list[list[Word]] = []
        for seg in segments:
            if not seg.text.strip():
                out.append([])
                continue
            result = whisperx.align([{"start": seg.start, "end": seg.end, "text": seg.text}], self.model,
                                    self.metadata, audio, self.device, return_char_alignments=False)
            raw = [w for s in result["segments"] for w in s.get("words", [])]
            out.append(positive_durations(_fill_untimed(raw, seg), seg))
        return out


def _fill_untimed(raw: list[dict], seg: Segment) -> list[Word]:
    """Words whisperx could not time get times between their timed neighbours."""
    def num(value) -> float:
        return np.nan if value is None else float(value)

    words = [Word(num(w.get("start")), num(w.get("end")), str(w["word"]).strip(), probability=w.get("score"))
             for w in raw if str(w["word"]).strip()]
    i = 0
    while i < len(words):
        if not np.isnan(words[i].start):
            i += 1
            continue
        j = i
        while j < len(words) and np.isnan(words[j].start):
            j += 1
        lo = words[i - 1].end if i > 0 else seg.start
        hi = words[j].start if j < len(words) else seg.end
        fill = interpolate_words(Segment(lo, max(lo, hi), " ".join(w.text for w in words[i:j])))
        for w, f in zip(words[i:j], fill):
            w.start, w.end = f.start, f.end
        i = j
    return _clamp(words, seg)
