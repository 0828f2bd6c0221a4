"""Speech recognition: WhisperX's batched decoding on faster-whisper (``asr_model``) over whisperx's VAD chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..options import ASROptions, check_language, default_threads
from ..transcript import Segment
from ..weights import ResolvedModel, resolve_whisper


@dataclass
class DecodedBatch:
    """One batch of VAD chunks as decoded: text segments, and the encoder output the aligner can reuse."""

    segments: list[Segment]
    encoder_output: Any
    language: str
    chunks_done: int = 0
    chunks_total: int = 0
    vad_seconds: float = 0.0  # the voice activity detection before the first batch (0 for the others)


class Transcriber:
    """WhisperX's batched faster-whisper ASR on whisperx's pyannote VAD chunks, loaded once.

    ``batches`` runs the steps of whisperx's ``FasterWhisperPipeline.transcribe`` (VAD, chunk merging,
    language detection, batched decoding with its options) one batch at a time, so each batch's
    encoder output can go on to word alignment instead of being computed again.
    """

    def __init__(self, options: ASROptions):
        from .asr_model import BatchedWhisperModel, transcription_options
        from .vad import SharedVad

        self.options = options
        self.resolved: ResolvedModel = resolve_whisper(options.model, options.allow_download)
        self.model = BatchedWhisperModel(self.resolved.path, device=options.device, compute_type=options.compute_type,
                                         cpu_threads=options.threads or default_threads(),
                                         local_files_only=not options.allow_download)
        self.english_only = not self.model.model.is_multilingual
        self.language = check_language(options.language, self.english_only)
        self.vad = SharedVad(options.device, options.vad_onset, options.vad_offset)
        self.decoding = transcription_options(self.model, beam_size=options.beam_size,
                                              temperatures=list(options.temperature),
                                              initial_prompt=options.initial_prompt, hotwords=options.hotwords)
        self._tokenizers: dict = {}

    def batches(self, audio: np.ndarray, speech=None) -> Iterator[DecodedBatch]:
        """Decode ``audio`` batch by batch; ``speech``: precomputed VAD scores (``vad.speech_scores``)."""
        from .asr_model import features, pieces

        scores, vad_seconds = self.vad.speech(audio, speech)
        o = self.options
        chunks = self.vad.merge_chunks(scores, o.chunk_size, onset=o.vad_onset, offset=o.vad_offset)
        if not chunks:
            return
        language = self.language or self.model.language_of(audio)
        tokenizer = self.tokenizer(language)
        for lo in range(0, len(chunks), o.batch_size):
            batch = chunks[lo : lo + o.batch_size]
            texts, encoder_output = self.model.generate_batch(
                features(self.model, pieces(audio, [(c["start"], c["end"]) for c in batch])), tokenizer, self.decoding)
            yield DecodedBatch([Segment(float(c["start"]), float(c["end"]), t.strip()) for c, t in zip(batch, texts)],
                               encoder_output, language, lo + len(batch), len(chunks), vad_seconds if lo == 0 else 0.0)

    def tokenizer(self, language: str):
        from .asr_model import tokenizer_for

        if language not in self._tokenizers:
            self._tokenizers[language] = tokenizer_for(self.model, language)
        return self._tokenizers[language]

    def __call__(self, audio: np.ndarray, speech=None) -> tuple[list[Segment], str | None]:
        """Text segments (non-empty) and the language of ``audio`` (None: no speech, no language set)."""
        segments, language = [], self.language
        for batch in self.batches(audio, speech):
            segments += [s for s in batch.segments if s.text]
            language = batch.language
        return segments, language
