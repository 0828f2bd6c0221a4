"""Speech recognition with WhisperX's batched faster-whisper model (``whisperx.load_model``)."""

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


class Transcriber:
    """WhisperX's batched faster-whisper ASR on whisperx's pyannote VAD chunks, loaded once.

    ``batches`` runs the steps of whisperx's ``FasterWhisperPipeline.transcribe`` (VAD, chunk merging,
    language detection, batched decoding with its options) one batch at a time, so each batch's
    encoder output can go on to word alignment instead of being computed again.
    """

    def __init__(self, options: ASROptions):
        import contextlib
        import io

        import whisperx

        from .asr_model import EncoderKeepingWhisperModel
        from .vad import SharedVad

        self.options = options
        self.resolved: ResolvedModel = resolve_whisper(options.model, options.allow_download)
        model = EncoderKeepingWhisperModel(self.resolved.path, device=options.device,
                                           compute_type=options.compute_type, cpu_threads=options.threads or default_threads(),
                                           local_files_only=not options.allow_download)
        self.english_only = not model.model.is_multilingual
        self.language = check_language(options.language, self.english_only)
        self.vad = SharedVad(options.device, options.vad_onset, options.vad_offset)
        asr_options = {"beam_size": options.beam_size, "temperatures": list(options.temperature),
                       "initial_prompt": options.initial_prompt, "hotwords": options.hotwords}
        with contextlib.redirect_stdout(io.StringIO()):  # whisperx prints notes on stdout; it is ours
            self.pipeline = whisperx.load_model(
                self.resolved.path, options.device, compute_type=options.compute_type, asr_options=asr_options,
                language=self.language, vad_model=self.vad, model=model,
                vad_options={"vad_onset": options.vad_onset, "vad_offset": options.vad_offset,
                             "chunk_size": options.chunk_size})

    @property
    def whisper_model(self):
        return self.pipeline.model

    def batches(self, audio: np.ndarray, speech=None) -> Iterator[DecodedBatch]:
        """Decode ``audio`` batch by batch; ``speech``: precomputed VAD scores (``vad.speech_scores``)."""
        from .asr_model import features, pieces
        from ..audio import SAMPLE_RATE

        self.vad.precomputed = speech
        scores = self.vad({"waveform": self.vad.preprocess_audio(audio), "sample_rate": SAMPLE_RATE})
        params = self.pipeline._vad_params
        chunks = self.vad.merge_chunks(scores, self.options.chunk_size, onset=params["vad_onset"],
                                       offset=params["vad_offset"])
        if not chunks:
            return
        language = self.language or self.pipeline.detect_language(audio)
        tokenizer = self._tokenizer(language)
        model = self.pipeline.model
        for lo in range(0, len(chunks), self.options.batch_size):
            batch = chunks[lo : lo + self.options.batch_size]
            feats = features(model, pieces(audio, [(c["start"], c["end"]) for c in batch]))
            texts = model.generate_segment_batched(feats, tokenizer, self.pipeline.options)["text"]
            yield DecodedBatch([Segment(float(c["start"]), float(c["end"]), t.strip())
                                for c, t in zip(batch, texts)], model.encoder_output, language,
                               lo + len(batch), len(chunks))

    def _tokenizer(self, language: str):
        from faster_whisper.tokenizer import Tokenizer

        tokenizer = self.pipeline.tokenizer
        if tokenizer is not None and tokenizer.language_code == language:
            return tokenizer
        return Tokenizer(self.pipeline.model.hf_tokenizer, not self.english_only, task="transcribe", language=language)

    def __call__(self, audio: np.ndarray, speech=None) -> tuple[list[Segment], str]:
        """Text segments (non-empty) and the language of ``audio``."""
        segments, language = [], self.language
        for batch in self.batches(audio, speech):
            segments += [s for s in batch.segments if s.text]
            language = batch.language
        return segments, language
