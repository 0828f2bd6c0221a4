"""Files read for the pipeline, before (and without) any model: mono samples, or one row per channel
when a multi-channel file carries one person per channel (``stages/channels.py`` decides).

``DecodeAhead`` reads the next file on a background thread while the current one runs: ffmpeg's
start-up and decoding (about 0.17 s a short file on 2 cores, 2.6 s of a 15-file run) leave the
critical path, and with ``prepare`` (``Pipeline.prepare``) so does its segmentation pass.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .audio import AudioError, AudioInfo, check_speech_audio, probe, read_audio, read_speech
from .options import PipelineOptions
from .runinfo import ChannelChoice
from .stages.channels import choose, names_for


@dataclass(frozen=True)
class Decoded:
    """A file read for the pipeline: mono samples, or one row per channel when ``channels.split``;
    ``segmentation``: the shared segmentation pass when ``Pipeline.prepare`` ran it ahead; ``warnings``:
    what was wrong with the file but did not stop it being read (``audio.read_audio``), one line each."""

    source: str
    audio: np.ndarray
    channels: ChannelChoice | None = None
    segmentation: Any = None
    segmentation_seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def split(self) -> bool:
        return self.channels is not None and self.channels.split


def decode(path: str | os.PathLike, options: PipelineOptions, info: AudioInfo | None = None) -> Decoded:
    """Read ``path`` as ``options.channels`` asks."""
    info = info or probe(path)
    requested = options.channels
    if requested == "split" and info.source_channels < 2:
        raise AudioError(path, f"--channels split needs 2 or more channels; this file has {info.source_channels}")
    if requested == "mix" or info.source_channels < 2:
        read = read_speech(path, info=info)
        return Decoded(str(path), read.samples, warnings=read.warnings)
    read = read_audio(path, info=info, keep_channels=True)
    channels = read.samples
    mode, corr = choose(requested, channels)
    if mode == "split":
        check_speech_audio(channels[0], path, warnings=read.warnings)  # too short
        check_speech_audio(channels.reshape(-1), path, warnings=read.warnings)  # silent on every channel
        names = names_for(len(channels), options.channel_names, str(path))
        return Decoded(str(path), channels, ChannelChoice(requested, mode, int(channels.shape[0]), corr, names),
                       warnings=read.warnings)
    count = int(channels.shape[0])
    del channels, read  # mixed: ffmpeg's own downmix, so a stereo file reads as it always did
    read = read_speech(path, info=info)
    return Decoded(str(path), read.samples, ChannelChoice(requested, mode, count, corr), warnings=read.warnings)


AHEAD_MAX_SECONDS = 1800.0  # 30 min of mono float32 is 115 MB


class DecodeAhead:
    """``decode`` for files taken in order, the next one read (and ``prepare``d) on a background thread
    while the current one runs. A file longer than ``max_seconds`` is read only when taken, so a run
    holds one long recording at a time. Decoding errors come out of ``take``, as ``decode`` raised them."""

    def __init__(self, options: PipelineOptions, infos: dict[str, AudioInfo | None],
                 prepare: Callable[[Decoded], Decoded] | None = None, max_seconds: float = AHEAD_MAX_SECONDS):
        self.options, self.infos, self.max_seconds, self.prepare = options, infos, max_seconds, prepare
        self.following = dict(zip(infos, list(infos)[1:]))
        self.ahead: dict[str, Future] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="decode")

    def take(self, path: str) -> Decoded:
        future = self.ahead.pop(path, None)
        following = self.following.get(path)
        if following and self._short(following):
            self.ahead[following] = self._pool.submit(self._read, following)
        return future.result() if future else decode(path, self.options, self.infos[path])

    def _read(self, path: str) -> Decoded:
        decoded = decode(path, self.options, self.infos[path])
        try:
            return self.prepare(decoded) if self.prepare else decoded
        except Exception:  # noqa: BLE001 (the run does the pass again and reports what goes wrong)
            return decoded

    def _short(self, path: str) -> bool:
        info = self.infos.get(path)
        return info is not None and info.duration * max(1, info.source_channels) <= self.max_seconds

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
