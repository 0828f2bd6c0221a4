"""Aligners: interpolation and energy trimming (pure), and the wav2vec2 path with a local model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from meeting_analytics.stages.align import Segment, interpolate_words, trim_to_energy, _fill_untimed
from meeting_analytics.transcript import Word


def test_interpolate_covers_segment_in_order():
    words = interpolate_words(Segment(1.0, 3.0, "a longer word"))
    assert [w.text for w in words] == ["a", "longer", "word"]
    assert words[0].start == 1.0 and words[-1].end == pytest.approx(3.0)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(words, words[1:]))
    assert words[1].duration > words[0].duration  # longer text, longer time


def test_trim_to_energy_pulls_edges_into_speech_only():
    sr = 16000
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 1e-4, 3 * sr).astype(np.float32)
    audio[sr : 2 * sr] += np.sin(np.arange(sr) * 2 * np.pi * 220 / sr).astype(np.float32) * 0.3
    word = trim_to_energy([Word(0.5, 2.6, "tone")], audio)[0]
    assert word.start == pytest.approx(1.0, abs=0.03)
    assert word.end == pytest.approx(2.0, abs=0.03)
    inside = trim_to_energy([Word(1.2, 1.5, "inside")], audio)[0]
    assert (inside.start, inside.end) == (1.2, 1.5)  # never pushed out
    silent = trim_to_energy([Word(0.1, 0.4, "noise")], audio)[0]
    assert (silent.start, silent.end) == (0.1, 0.4)  # nothing voiced: left alone


def test_untimed_words_are_interpolated_between_neighbours():
    raw = [{"word": "we", "start": 1.0, "end": 1.2}, {"word": "paid"}, {"word": "$300", "start": None},
           {"word": "today", "start": 2.0, "end": 2.4}]
    words = _fill_untimed(raw, Segment(0.9, 2.5, "we paid $300 today"))
    assert [w.text for w in words] == ["we", "paid", "$300", "today"]
    assert words[1].start == pytest.approx(1.2) and words[2].end == pytest.approx(2.0)
    assert all(w.start <= w.end for w in words)


@pytest.fixture(scope="module")
def local_wav2vec2(tmp_path_factory):
    """A small wav2vec2 CTC model saved to disk: random weights, real files and loading code.

    No wav2vec2 weights ship in a package, so this checks the plumbing (load from a local directory,
    whisperx.align, filling untimed words), not alignment quality."""
    import torch
    from transformers import (Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC,
                              Wav2Vec2Processor)

    path = tmp_path_factory.mktemp("w2v2")
    vocab = {c: i for i, c in enumerate(["<pad>", "<s>", "</s>", "<unk>", "|", *"abcdefghijklmnopqrstuvwxyz'"])}
    (path / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(str(path / "vocab.json"), word_delimiter_token="|")
    processor = Wav2Vec2Processor(Wav2Vec2FeatureExtractor(), tokenizer)
    torch.manual_seed(0)
    config = Wav2Vec2Config(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=64, conv_dim=(32,) * 7, num_conv_pos_embeddings=16, pad_token_id=0)
    Wav2Vec2ForCTC(config).save_pretrained(path)
    processor.save_pretrained(path)
    return path


@pytest.mark.models
def test_wav2vec2_aligner_from_local_directory(local_wav2vec2):
    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.align import Wav2Vec2Aligner
    from helpers import DATA

    audio = load_audio(DATA / "speech" / "jfk.flac")
    segment = Segment(0.3, 10.9, "And so my fellow Americans, ask not what your country can do for you")
    words = Wav2Vec2Aligner(str(local_wav2vec2), "en").align([segment], audio, "en")[0]
    assert [w.text for w in words] == segment.text.split()
    assert all(segment.start <= w.start <= w.end <= segment.end for w in words)


@pytest.mark.parametrize("samples", [399, 400, 401, 16_000 + 37])
def test_energy_db_equals_direct_frame_power_across_blocks(samples):
    from meeting_analytics.stages.align import energy_db

    audio = np.random.default_rng(samples).normal(scale=0.1, size=samples).astype(np.float32)
    direct = [10 * np.log10(np.mean(np.square(audio[s : s + 400], dtype=np.float64)) + 1e-12)
              for s in range(0, len(audio) - 400 + 1, 160)] or [-120.0]
    for block in (1, 7, 1 << 16):
        assert np.allclose(energy_db(audio, block=block), direct, atol=1e-9)
