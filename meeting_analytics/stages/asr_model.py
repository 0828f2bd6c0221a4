"""WhisperX's batched decoding on faster-whisper's model, keeping each batch's encoder output for word
alignment.

whisperx keeps this in ``whisperx.asr``, whose module imports ``transformers.Pipeline`` as the base of
its pipeline class, and with it transformers' model zoo, torchvision and scikit-learn: about 1.5 s of
a 10 s clip's run, for a class this package never calls. The decoding below is whisperx's
``WhisperModel.generate_segment_batched`` and ``load_model`` option defaults, on faster-whisper
directly; tests hold its text and segments equal to whisperx's own ``transcribe`` and its options
equal to ``whisperx.load_model``'s.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import faster_whisper
import numpy as np

from ..audio import SAMPLE_RATE

# whisperx.load_model's defaults for what its batched decoding reads (without_timestamps: no timestamps)
WHISPERX_DEFAULTS = {
    "beam_size": 5, "best_of": 5, "patience": 1, "length_penalty": 1, "repetition_penalty": 1,
    "no_repeat_ngram_size": 0, "temperatures": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0, "no_speech_threshold": 0.6, "condition_on_previous_text": False,
    "prompt_reset_on_temperature": 0.5, "initial_prompt": None, "prefix": None, "suppress_blank": True,
    "suppress_tokens": [-1], "without_timestamps": True, "max_initial_timestamp": 0.0, "word_timestamps": False,
    "prepend_punctuations": "\"'“¿([{-", "append_punctuations": "\"'.。,，!！?？:：”)]}、",
    "max_new_tokens": None, "clip_timestamps": None, "hallucination_silence_threshold": None, "hotwords": None,
}


def transcription_options(model: faster_whisper.WhisperModel, **asr_options):
    """faster-whisper's ``TranscriptionOptions`` as ``whisperx.load_model(asr_options=...)`` builds them."""
    from faster_whisper.transcribe import TranscriptionOptions

    values = WHISPERX_DEFAULTS | {"multilingual": model.model.is_multilingual} | asr_options
    names = {f.name for f in fields(TranscriptionOptions)}
    return TranscriptionOptions(**{k: v for k, v in values.items() if k in names})


class BatchedWhisperModel(faster_whisper.WhisperModel):
    """faster-whisper's model with whisperx's batched, timestamp-free decoding (one prompt for the whole
    batch), returning each batch's encoder output with its text for the aligner."""

    def encode(self, features: np.ndarray):
        from faster_whisper.transcribe import get_ctranslate2_storage

        to_cpu = self.model.device == "cuda" and len(self.model.device_index) > 1
        features = features[None] if features.ndim == 2 else features
        return self.model.encode(get_ctranslate2_storage(features), to_cpu=to_cpu)

    def generate_batch(self, features: np.ndarray, tokenizer, options) -> tuple[list[str], Any]:
        """The text of each item of a batch of log-mel features (whisperx's ``generate_segment_batched``),
        and the batch's encoder output."""
        previous = tokenizer.encode(" " + options.initial_prompt.strip()) if options.initial_prompt is not None else []
        prompt = self.get_prompt(tokenizer, previous, without_timestamps=options.without_timestamps,
                                 prefix=options.prefix, hotwords=options.hotwords)
        encoder_output = self.encode(features)
        result = self.model.generate(
            encoder_output, [prompt] * len(features), beam_size=options.beam_size, patience=options.patience,
            length_penalty=options.length_penalty, max_length=self.max_length, suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens, no_repeat_ngram_size=options.no_repeat_ngram_size,
            repetition_penalty=options.repetition_penalty, return_scores=True)
        texts = tokenizer.tokenizer.decode_batch([[t for t in r.sequences_ids[0] if t < tokenizer.eot] for r in result])
        return texts, encoder_output

    def language_of(self, audio: np.ndarray) -> str:
        """The language Whisper detects in the first 30 s (whisperx's ``detect_language``)."""
        from whisperx.audio import N_SAMPLES

        token, _ = self.model.detect_language(self.encode(features(self, [audio[:N_SAMPLES]])))[0][0]
        return token[2:-2]


def tokenizer_for(model: faster_whisper.WhisperModel, language: str | None):
    """The decoding tokenizer for ``language`` (English when a multilingual model is given none)."""
    from faster_whisper.tokenizer import Tokenizer

    multilingual = model.model.is_multilingual
    return Tokenizer(model.hf_tokenizer, multilingual, task="transcribe",
                     language=(language or "en") if multilingual else "en")


def features(model: BatchedWhisperModel, pieces: list[np.ndarray]) -> np.ndarray:
    """Log-mel features of audio pieces (each up to 30 s), zero-padded to 30 s as whisperx computes them."""
    from whisperx.audio import N_SAMPLES, log_mel_spectrogram

    n_mels = model.feat_kwargs.get("feature_size") or 80
    return np.stack([log_mel_spectrogram(x, n_mels=n_mels, padding=N_SAMPLES - len(x)).numpy() for x in pieces])


def pieces(audio: np.ndarray, spans) -> list[np.ndarray]:
    """The audio of (start, end) spans in seconds, cut as whisperx cuts its VAD chunks."""
    return [audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in spans]
