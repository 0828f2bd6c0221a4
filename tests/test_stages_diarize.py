"""The diarization's own reconstruction equals pyannote's (real segmentation of a real meeting,
clusterings drawn at random with inactive speakers, many clusters and every speaker count)."""

from __future__ import annotations

import numpy as np
import pytest
from pyannote.audio.pipelines import SpeakerDiarization
from pyannote.core import SlidingWindowFeature

from meeting_analytics.audio import load_audio


@pytest.fixture(scope="module")
def stages(pipeline, ami_dir):
    """The segmentation and speaker count pyannote computes for an AMI excerpt (via its hook)."""
    seen = {}

    def hook(step, artifact, **_):
        if artifact is not None:
            seen[step] = artifact

    pipeline.diarizer(load_audio(ami_dir / "trn02.wav"), hook=hook)
    return seen["segmentation"], seen["speaker_counting"]


@pytest.mark.models
@pytest.mark.parametrize("num_clusters,max_count", [(1, 1), (3, 2), (12, 3), (40, 3)])
def test_reconstruction_equals_pyannotes(pipeline, stages, num_clusters, max_count):
    segmentations, count = stages
    rng = np.random.default_rng(num_clusters)
    hard = rng.integers(0, num_clusters, size=segmentations.data.shape[::2])
    hard[rng.random(hard.shape) < 0.2] = -2  # inactive speakers
    hard[0, 0] = num_clusters - 1
    counts = SlidingWindowFeature(np.minimum(count.data, max_count).astype(np.int8), count.sliding_window)

    ours = pipeline.diarizer.pipeline.reconstruct(segmentations, hard.copy(), counts)
    theirs = SpeakerDiarization.reconstruct(pipeline.diarizer.pipeline, segmentations, hard.copy(), counts)
    assert ours.data.shape == theirs.data.shape and ours.data.dtype == theirs.data.dtype
    assert np.array_equal(ours.data, theirs.data)
    assert (ours.sliding_window.start, ours.sliding_window.step) == (theirs.sliding_window.start,
                                                                      theirs.sliding_window.step)
    assert ours.data.sum() > 0


@pytest.mark.models
@pytest.mark.parametrize("parts", [2, 3, 5])
def test_segmentation_in_parts_equals_one_pass(pipeline, ami_dir, parts):
    audio = load_audio(ami_dir / "trn04.wav")[: 16_000 * 20 + 1234]  # not a whole number of steps
    whole = pipeline.diarizer.segment(audio, parts=1)
    split = pipeline.diarizer.segment(audio, parts=parts)
    assert split.data.shape == whole.data.shape and split.data.shape[0] > 2 * parts
    assert np.array_equal(split.data, whole.data)
    assert (split.sliding_window.start, split.sliding_window.step) == (whole.sliding_window.start,
                                                                        whole.sliding_window.step)


def test_heap_trimming_hook_passes_every_call_on(monkeypatch):
    from meeting_analytics import heap

    trims, seen = [], []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1))
    hook = heap.EveryN(lambda *args, **kwargs: seen.append((args, kwargs)), n=4)
    for i in range(10):
        hook("embeddings", None, completed=i, total=10)
    assert len(seen) == 10 and seen[3] == (("embeddings", None), {"completed": 3, "total": 10})
    assert len(trims) == 2
    heap.EveryN()(completed=1, total=2)  # no hook: only counts


@pytest.mark.models
def test_offline_pipeline_from_checkpoint_paths_equals_the_packaged_one(pipeline):
    """``Diarizer.offline`` (checkpoints by path, as the GPU benchmark loads them) is the shipped pipeline."""
    from helpers import ROOT

    from meeting_analytics.stages.diarize import Diarizer
    from meeting_analytics.weights import resemblyzer_checkpoint, segmentation_checkpoint

    audio = load_audio(ROOT / "data" / "call" / "sample.wav")
    by_path = Diarizer.offline(segmentation_checkpoint(), resemblyzer_checkpoint())
    assert by_path.parameters() == pipeline.diarizer.parameters()
    mine = by_path(audio)
    turns, exclusive = mine.turns, mine.exclusive
    out = pipeline.diarizer(audio)
    assert (turns, exclusive) == (out.turns, out.exclusive)
    assert len({t.speaker for t in turns}) == 2
