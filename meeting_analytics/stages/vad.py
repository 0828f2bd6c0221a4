"""Voice activity for the ASR: whisperx's pyannote VAD, fed by the diarization's segmentation pass
when both run the same checkpoint.

whisperx's VAD and pyannote's speaker diarization both slide the pyannote/segmentation model over
the audio (10 s windows, 1 s step). The VAD keeps, per window, the most active speaker's score and
averages the windows (Hamming-weighted); diarization keeps the per-speaker scores. So one pass
serves both: ``speech_scores`` turns the diarization's chunk scores into exactly what the VAD
computes, and ``SharedVad`` hands them to whisperx instead of running the model a second time.
"""

from __future__ import annotations

import time

import numpy as np
from whisperx.vads import Pyannote

from ..audio import SAMPLE_RATE


class SharedVad(Pyannote):
    """whisperx's pyannote VAD (its type must stay a whisperx ``Vad``: whisperx checks it) whose ``speech``
    takes the scores of a segmentation pass already made instead of running the model again."""

    def __init__(self, device: str, onset: float = 0.5, offset: float = 0.363):
        super().__init__(device, vad_onset=onset, vad_offset=offset)

    @property
    def inference(self):
        return self.vad_pipeline._segmentation

    def speech(self, audio: np.ndarray, precomputed=None) -> tuple[object, float]:
        """Speech scores of ``audio`` (``precomputed`` when given: ``speech_scores``) and the seconds taken."""
        t0 = time.perf_counter()
        if precomputed is None:
            precomputed = self({"waveform": self.preprocess_audio(audio), "sample_rate": SAMPLE_RATE})
        return precomputed, time.perf_counter() - t0


def same_weights(a, b) -> bool:
    """Two torch modules with identical parameters (the same checkpoint, wherever loaded from)."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(sa[k].shape == sb[k].shape and bool((sa[k] == sb[k]).all()) for k in sa)


def shareable(vad: SharedVad, segmentation_inference) -> bool:
    """Whether a diarization pass (its pyannote ``Inference``) can stand in for the VAD's own."""
    a, b = vad.inference, segmentation_inference
    return (not b.model.specifications.powerset and a.duration == b.duration and a.step == b.step
            and same_weights(a.model, b.model))


def speech_scores(chunks, vad: SharedVad, num_samples: int):
    """The VAD's speech scores from raw segmentation chunk scores (num_chunks, frames, speakers),
    as pyannote's ``Inference.slide`` aggregates them for ``VoiceActivityDetection``."""
    from pyannote.core import Segment, SlidingWindowFeature

    inference = vad.inference
    speech = inference.aggregate(
        SlidingWindowFeature(np.max(chunks.data, axis=-1, keepdims=True), chunks.sliding_window),
        inference.model.receptive_field, warm_up=inference.warm_up, hamming=True, missing=0.0)
    window, step = inference.model.audio.get_num_samples(inference.duration), round(inference.step * SAMPLE_RATE)
    if num_samples < window or (num_samples - window) % step > 0:  # a zero-padded last chunk: crop its padding
        speech.data = speech.crop(Segment(0.0, num_samples / SAMPLE_RATE), mode="loose")
    return speech
