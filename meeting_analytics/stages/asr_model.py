"""whisperx's batched faster-whisper model, keeping each batch's encoder output for word alignment."""

from __future__ import annotations

import numpy as np
from whisperx.asr import WhisperModel

from ..audio import SAMPLE_RATE


class EncoderKeepingWhisperModel(WhisperModel):
    encoder_output = None

    def encode(self, features):
        self.encoder_output = super().encode(features)
        return self.encoder_output


def features(model: WhisperModel, pieces: list[np.ndarray]) -> np.ndarray:
    """Log-mel features of audio pieces (each up to 30 s), zero-padded to 30 s as whisperx computes them."""
    from whisperx.audio import N_SAMPLES, log_mel_spectrogram

    n_mels = model.feat_kwargs.get("feature_size") or 80
    return np.stack([log_mel_spectrogram(x, n_mels=n_mels, padding=N_SAMPLES - len(x)).numpy() for x in pieces])


def pieces(audio: np.ndarray, spans) -> list[np.ndarray]:
    """The audio of (start, end) spans in seconds, cut as whisperx cuts its VAD chunks."""
    return [audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in spans]
