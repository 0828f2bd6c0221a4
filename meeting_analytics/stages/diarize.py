"""Speaker diarization with pyannote.audio's own ``SpeakerDiarization`` pipeline.

Offline default: the pyannote/segmentation checkpoint that whisperx ships, Resemblyzer's GE2E
encoder (``embedding.ResemblyzerEmbedding``) and agglomerative clustering (pyannote's, in bounded
memory for long recordings: ``clustering.BoundedAgglomerativeClustering``), with hyperparameters
tuned on AMI and shipped in ``diarization/config.yaml``. Every pipeline, the offline one included,
loads through ``pyannote.audio.Pipeline.from_pretrained``: a pyannote pipeline directory, a
config.yaml, or a hub name (e.g. pyannote/speaker-diarization-3.1 with a token).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from pyannote.audio.core.plda import PLDA
from pyannote.audio.pipelines import SpeakerDiarization

from .. import heap
from ..audio import SAMPLE_RATE
from ..transcript import Turn
from ..weights import ModelUnavailableError

OFFLINE_CONFIG = Path(__file__).with_name("diarization") / "config.yaml"
OFFLINE_NAME = "offline"
PRECOMPUTED_SEGMENTATION = "meeting_analytics/segmentation"


class NoPLDA(PLDA):
    """The absent PLDA of a pipeline whose clustering needs none (agglomerative).

    pyannote 4's ``SpeakerDiarization`` loads a PLDA whatever the clustering; this stands in for it
    and refuses to be used, so a VBx pipeline without a real PLDA fails loudly instead.
    """

    def __init__(self):
        self.lda_dimension = 0

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        raise RuntimeError("this pipeline has no PLDA; VBxClustering needs a PLDA checkpoint")


class OfflineSpeakerDiarization(SpeakerDiarization):
    """``SpeakerDiarization`` on package-shipped weights, no hub access and no PLDA."""

    def __init__(self, segmentation: Any = None, embedding: Any = None,
                 clustering: str = "AgglomerativeClustering", plda: Any = None, **kwargs: Any):
        from .embedding import ResemblyzerEmbedding
        from ..weights import segmentation_checkpoint

        if clustering == "VBxClustering" and plda is None:
            raise ValueError("VBxClustering needs a PLDA checkpoint (plda=...)")
        super().__init__(
            segmentation=segmentation or str(segmentation_checkpoint()),
            embedding=embedding if embedding is not None else ResemblyzerEmbedding(),
            clustering=clustering,
            plda=plda if plda is not None else NoPLDA(),
            **kwargs,
        )
        if clustering == "AgglomerativeClustering":  # pyannote's, exact up to ~50 min; bounded memory beyond
            from .clustering import BoundedAgglomerativeClustering

            self.clustering = BoundedAgglomerativeClustering(metric=self.clustering.metric)

    def reconstruct(self, segmentations, hard_clusters: np.ndarray, count):
        """pyannote's reconstruction, the same discrete diarization, without its (chunks, frames,
        clusters) float64 array: each chunk's clustered scores go straight into the frame sums
        (2.7 GB at four hours and 40 clusters; this holds frames x clusters in float32)."""
        from pyannote.core import SlidingWindow, SlidingWindowFeature

        chunks = segmentations.sliding_window
        num_chunks, num_frames, _ = segmentations.data.shape
        frames = SlidingWindow(start=chunks.start, duration=count.sliding_window.duration,
                               step=count.sliding_window.step)
        total = frames.closest_frame(chunks.start + chunks.duration + (num_chunks - 1) * chunks.step
                                     + 0.5 * frames.duration) + 1
        sums = np.zeros((total, int(np.max(hard_clusters)) + 1), dtype=np.float32)
        for c, (cluster, scores) in enumerate(zip(hard_clusters, segmentations.data)):
            start = frames.closest_frame(chunks[c].start + 0.5 * frames.duration)
            for k in np.unique(cluster):
                if k != -2:
                    sums[start : start + num_frames, k] += np.max(scores[:, cluster == k], axis=1)
        return top_speakers(SlidingWindowFeature(sums, frames), count)

    def get_segmentations(self, file, hook=None):
        """The segmentation pass, unless the caller already ran it (it is shared with the VAD)."""
        if PRECOMPUTED_SEGMENTATION in file:
            return file[PRECOMPUTED_SEGMENTATION]
        return super().get_segmentations(file, hook=hook)


def top_speakers(activations, count, block: int = 65_536):
    """The ``count`` most active speakers of each frame, as pyannote's ``to_diarization`` picks them
    after its aggregation (same sort, same ties), a block of frames at a time."""
    from pyannote.core import SlidingWindowFeature

    data = activations.data
    most = int(np.max(count.data))
    if data.shape[1] < most:
        data = np.pad(data, ((0, 0), (0, most - data.shape[1])))
    activations = SlidingWindowFeature(data, activations.sliding_window)
    extent = activations.extent & count.extent
    activations = activations.crop(extent, return_data=False)
    counts = count.crop(extent, return_data=False).data[:, 0]
    binary = np.zeros_like(activations.data)
    n = min(len(counts), len(binary))
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        order = np.argsort(-activations.data[lo:hi], axis=-1)
        rows, ranks = np.nonzero(np.arange(order.shape[1])[None, :] < counts[lo:hi, None])
        binary[lo + rows, order[rows, ranks]] = 1.0
    return SlidingWindowFeature(binary, activations.sliding_window)


def _annotation_to_turns(annotation) -> list[Turn]:
    turns = [Turn(float(seg.start), float(seg.end), str(label))
             for seg, _, label in annotation.itertracks(yield_label=True)]
    return sorted(turns, key=lambda t: (t.start, t.end, t.speaker))


class Diarizer:
    """Loads a diarization pipeline once and applies it to waveforms."""

    def __init__(self, model: str | None = None, hf_token: str | None = None, device: str = "cpu",
                 allow_download: bool = False, params: dict | None = None):
        from pyannote.audio import Pipeline

        self.name = model or OFFLINE_NAME
        checkpoint = str(OFFLINE_CONFIG) if self.name == OFFLINE_NAME else self.name
        is_local = os.path.exists(checkpoint)
        if not is_local and not (allow_download or hf_token):
            raise ModelUnavailableError(
                f"diarization model {self.name!r} is not available offline: pass a local pyannote pipeline "
                "directory or config.yaml, or a hub name with --hf_token (or --allow_download)")
        pipeline = Pipeline.from_pretrained(checkpoint, token=hf_token or None)
        if pipeline is None:
            raise ModelUnavailableError(f"could not load diarization pipeline {self.name!r} (gated model? check the token)")
        if params:
            pipeline.instantiate(params)
        self._use(pipeline, device)
        self.source = "package" if self.name == OFFLINE_NAME else ("local" if is_local else "hub")

    @classmethod
    def offline(cls, segmentation: str | Path, embedding: str | Path, device: str = "cpu") -> "Diarizer":
        """The offline pipeline of ``diarization/config.yaml`` on checkpoints given by path (a
        pyannote/segmentation checkpoint and a GE2E state dict) instead of the installed packages'."""
        import yaml

        from .embedding import ResemblyzerEmbedding

        config = yaml.safe_load(OFFLINE_CONFIG.read_text())
        kwargs = {**config["pipeline"]["params"], "segmentation": str(segmentation),
                  "embedding": ResemblyzerEmbedding(embedding)}
        pipeline = OfflineSpeakerDiarization(**kwargs).instantiate(config["params"])
        diarizer = cls.__new__(cls)
        diarizer._use(pipeline, device)
        diarizer.name, diarizer.source = OFFLINE_NAME, "local"
        return diarizer

    def _use(self, pipeline: Any, device: str) -> None:
        import torch

        self.pipeline = pipeline.to(torch.device(device))

    @property
    def ge2e(self):
        """The pipeline's GE2E encoder (``ResemblyzerEmbedding``) when it runs one, else None."""
        from .embedding import ResemblyzerEmbedding

        model = getattr(getattr(self.pipeline, "_embedding", None), "model_", None)
        return model if isinstance(model, ResemblyzerEmbedding) else None

    def parameters(self) -> dict:
        return self.pipeline.parameters(instantiated=True)

    def shares_segmentation(self, vad) -> bool:
        """Whether this pipeline's segmentation pass can also serve as ``vad`` (a ``vad.SharedVad``)."""
        from .vad import shareable

        return isinstance(self.pipeline, OfflineSpeakerDiarization) and shareable(vad, self.pipeline._segmentation)

    def segment(self, audio: np.ndarray, parts: int = 2):
        """The raw segmentation pass: (num_chunks, num_frames, local_speakers) scores.

        The sliding chunks are independent, so ``parts`` threads each score a run of them (the same
        scores, bit for bit): the pass runs before the ASR and would leave the ASR's cores idle,
        and two threads of one torch thread each beat one of two (5 min of audio on 2 cores: 4.7 s,
        against 6.2-6.6 s in one thread of two and 8.4-10.1 s in one of one)."""
        inference = self.pipeline._segmentation
        step, window = round(inference.step * SAMPLE_RATE), round(inference.duration * SAMPLE_RATE)
        chunks = (len(audio) - window) // step + 1 if len(audio) >= window else 0
        size = inference.batch_size  # parts start on batch boundaries: the same batches, so the same floats
        bounds = sorted({round(i * chunks / parts / size) * size for i in range(parts)} - {chunks})
        if len(bounds) < 2:
            return inference(_file(audio), hook=heap.EveryN())
        from concurrent.futures import ThreadPoolExecutor

        from pyannote.core import SlidingWindowFeature

        bounds.append(None)
        pieces = [audio[lo * step : (hi - 1) * step + window if hi else None] for lo, hi in zip(bounds, bounds[1:])]
        with ThreadPoolExecutor(len(pieces), thread_name_prefix="segmentation") as pool:
            scores = list(pool.map(lambda piece: inference(_file(piece), hook=heap.EveryN()), pieces))
        heap.trim()
        return SlidingWindowFeature(np.concatenate([s.data for s in scores]), scores[0].sliding_window)

    def __call__(self, audio: np.ndarray, num_speakers: int | None = None, min_speakers: int | None = None,
                 max_speakers: int | None = None, segmentation=None, hook=None) -> tuple[list[Turn], list[Turn]]:
        """Speaker turns (overlaps kept) and pyannote's exclusive turns (one speaker at a time, for words);
        ``segmentation``: the output of ``segment(audio)`` when already computed; ``hook``: pyannote's
        progress hook (step, artifact, file, total, completed)."""
        file = _file(audio)
        if segmentation is not None:
            file[PRECOMPUTED_SEGMENTATION] = segmentation
        output = self.pipeline(file, num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers,
                               hook=heap.EveryN(hook))
        heap.trim()
        full = getattr(output, "speaker_diarization", output)
        exclusive = getattr(output, "exclusive_speaker_diarization", full)
        return _annotation_to_turns(full), _annotation_to_turns(exclusive)


def _file(audio: np.ndarray) -> dict:
    import torch

    return {"waveform": torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None],
            "sample_rate": SAMPLE_RATE, "uri": "audio"}
