"""Audio in, speaker-attributed Transcript out: runs the stages, loads each model once."""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ._version import __version__
from .stages.align import EnergyTrimmedWhisperAligner, InterpolateAligner, WhisperAligner
from .stages.assign import assign_speakers, group_utterances
from .audio import SAMPLE_RATE, AudioError, AudioInfo, check_speech_audio, load_audio, load_speech, probe
from .stages.channels import choose, labelled, merge, names_for
from .stages.voices import Encoder, VoiceProfiles, enrol_vector, match, new_profile, speaker_vectors
from .stages.asr import Transcriber
from .stages.lean import lean_torchmetrics
from .stages.prompts import with_verbatim_prompt
from .errors import DeviceError
from .options import PipelineOptions, default_threads
from .transcript import Transcript, Word

if TYPE_CHECKING:
    from .stages.voices import VoiceProfile


def quiet_libraries() -> None:
    """Keep library chatter (INFO logs, deprecation and checkpoint-upgrade notes) off stderr;
    this package reports progress and errors itself."""
    import logging
    import warnings

    from whisperx.log_utils import setup_logging

    setup_logging(level="error")  # whisperx sets up its logger lazily at INFO; claim it first
    for name in ("lightning.pytorch.utilities.migration.utils", "lightning_fabric", "pytorch_lightning",
                 "pyannote", "speechbrain", "faster_whisper"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for module in ("pyannote", "torchaudio", "torch", "lightning", "pytorch_lightning", "whisperx",
                   "speechbrain", "transformers", "asteroid_filterbanks", "torchcodec", "numpy"):
        warnings.filterwarnings("ignore", module=module)


@dataclass
class Decoded:
    """A file read for the pipeline: mono samples, or one row per channel when ``channels`` says split."""
    source: str
    audio: np.ndarray
    channels: dict | None = None  # how a multi-channel file was read (mode, count, correlation, names)
    segmentation: object = None  # the shared segmentation pass, when ``Pipeline.prepare`` ran it ahead
    segmentation_seconds: float = 0.0


def decode(path: str | os.PathLike, options: PipelineOptions, info: AudioInfo | None = None) -> Decoded:
    """Read ``path`` as ``options.channels`` asks, before (and without) any model."""
    info = info or probe(path)
    requested = options.channels
    if requested == "split" and info.source_channels < 2:
        raise AudioError(path, f"--channels split needs 2 or more channels; this file has {info.source_channels}")
    if requested == "mix" or info.source_channels < 2:
        return Decoded(str(path), load_speech(path, info=info))
    channels = load_audio(path, info=info, keep_channels=True)
    mode, corr = choose(requested, channels)
    choice = {"requested": requested, "mode": mode, "count": int(channels.shape[0]), "envelope_correlation": corr}
    if mode == "split":
        check_speech_audio(channels[0], path)  # too short
        check_speech_audio(channels.reshape(-1), path)  # silent on every channel
        return Decoded(str(path), channels, choice | {"names": names_for(len(channels), options.channel_names,
                                                                              str(path))})
    del channels  # mixed: ffmpeg's own downmix, so a stereo file reads as it always did
    return Decoded(str(path), load_speech(path, info=info), choice)


AHEAD_MAX_SECONDS = 1800.0  # 30 min of mono float32 is 115 MB


class DecodeAhead:
    """``decode`` for files taken in order, the next one read on a background thread while the current
    one runs: ffmpeg's start-up and decoding (about 0.17 s a short file on 2 cores, 2.6 s of a 15-file run)
    leave the critical path, and with ``prepare`` set (``Pipeline.prepare``) so does its segmentation
    pass. A file longer than ``max_seconds`` is read only when taken, so a run holds one long recording
    at a time. Decoding errors come out of ``take``, as ``decode`` raised them."""

    def __init__(self, options: PipelineOptions, infos: dict[str, AudioInfo | None],
                 max_seconds: float = AHEAD_MAX_SECONDS):
        self.options, self.infos, self.max_seconds = options, infos, max_seconds
        self.following = dict(zip(infos, list(infos)[1:]))
        self.ahead: dict[str, Future] = {}
        self.prepare: Callable[[Decoded], Decoded] | None = None  # e.g. Pipeline.prepare, once there is one
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


def check_device(device: str) -> None:
    """Before any model loads: both halves must see the GPU (CTranslate2 for the ASR, torch for the rest)."""
    if not device.startswith("cuda"):
        return
    import ctranslate2
    import torch

    index = int(device.split(":")[1]) if ":" in device else 0
    found = {"CTranslate2 (speech recognition)": ctranslate2.get_cuda_device_count(),
             "torch (VAD, diarization)": torch.cuda.device_count() if torch.cuda.is_available() else 0}
    missing = [f"{lib} sees {n} CUDA device{'s' if n != 1 else ''}" for lib, n in found.items() if n <= index]
    if missing:
        raise DeviceError(f"--device {device}: {'; '.join(missing)}; a CUDA 12 driver with cuBLAS and cuDNN 9 is "
                          f"needed (torch {torch.__version__}, built for CUDA {torch.version.cuda or 'none'}), or "
                          "use --device cpu")


def make_diarizer(options: PipelineOptions):
    """The diarization pipeline ``options`` name (the offline one by default), on their device."""
    lean_torchmetrics()
    from .stages.diarize import Diarizer

    return Diarizer(options.diarize_model, hf_token=options.token(), device=options.asr.device,
                    allow_download=options.asr.allow_download)


class StageClock:
    """Seconds per named stage, summed over calls (stages may run on two threads at once); ``report``
    says a stage's total once, when it is over."""

    def __init__(self, progress: Callable[[str], None], prefix: str = ""):
        self.progress, self.prefix = progress, prefix
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, fn):
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t0, 3)

    def report(self, *names: str) -> None:
        for name in names:
            if name in self.seconds:
                self.progress(f"{self.prefix}{name} {self.seconds[name]:.1f} s")

    def bar(self, name: str, unit: str):
        """The reporter's bar for steps within a stage, when it draws bars (``progress.Reporter``)."""
        bar = getattr(self.progress, "bar", None)
        return bar(f"{self.prefix}{name}", unit) if bar else nullcontext(lambda done, total: None)


class Pipeline:
    """Load once, transcribe many: ``Pipeline(options)(path) -> Transcript``."""

    def __init__(self, options: PipelineOptions | None = None, progress: Callable[[str], None] | None = None):
        self.options = with_verbatim_prompt(options or PipelineOptions())
        self.options.validate()
        self.progress = progress or (lambda message: None)
        if not self.options.asr.allow_download and not self.options.token():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.load_seconds: dict[str, float] = {}
        lean_torchmetrics()
        quiet_libraries()
        check_device(self.options.asr.device)
        if self.options.asr.device == "cpu":
            import torch

            torch.set_num_threads(self.options.asr.threads or default_threads())
        self.transcriber = self._timed_load("asr", lambda: Transcriber(self.options.asr))
        self.aligner = self._timed_load("aligner", self._make_aligner)
        self.diarizer = self._timed_load("diarizer", self._make_diarizer) if self.options.diarize else None
        self.shared_segmentation = self.diarizer is not None and self.diarizer.shares_segmentation(self.transcriber.vad)
        self.encoder = Encoder(self.diarizer and self.diarizer.encoder) if self.options.profiles else None
        self.voices = VoiceProfiles(self.options.profiles).checked(self.encoder.name) if self.encoder else []

    def _timed_load(self, name: str, factory):
        t0 = time.perf_counter()
        obj = factory()
        self.load_seconds[name] = round(time.perf_counter() - t0, 3)
        self.progress(f"load {name} {self.load_seconds[name]:.1f} s")
        return obj

    def _make_aligner(self):
        if self.options.aligner in ("whisper", "whisper+energy"):
            cls = WhisperAligner if self.options.aligner == "whisper" else EnergyTrimmedWhisperAligner
            return cls(self.transcriber.model, batch_size=self.options.asr.batch_size)
        if self.options.aligner == "interpolate":
            return InterpolateAligner()
        from .stages.align import Wav2Vec2Aligner

        return Wav2Vec2Aligner(self.options.align_model, self.transcriber.language or "en", self.options.asr.device)

    def _make_diarizer(self):
        return make_diarizer(self.options)

    def __call__(self, path: str | os.PathLike, **speakers: int | None) -> Transcript:
        """Transcribe one file; ``num_speakers``/``min_speakers``/``max_speakers`` override the options."""
        return self.transcribe_decoded(decode(path, self.options), **speakers)

    def prepare(self, decoded: Decoded) -> Decoded:
        """``decoded`` with its segmentation pass done, in one torch thread: for a file read ahead, on the
        core the current file's ASR leaves idle. The same scores ``run`` computes (``Diarizer.segment``)."""
        if self.shared_segmentation and not (decoded.channels and decoded.channels["mode"] == "split"):
            t0 = time.perf_counter()
            decoded.segmentation = self.diarizer.segment(decoded.audio, parts=1)
            decoded.segmentation_seconds = round(time.perf_counter() - t0, 3)
        return decoded

    def transcribe_decoded(self, decoded: "Decoded", **speakers: int | None) -> Transcript:
        """A file ``decode`` read: one speaker per channel when it chose ``split``, else the mono pipeline."""
        if decoded.channels and decoded.channels["mode"] == "split":
            return self.run_split(decoded.audio, decoded.source, decoded.channels)
        transcript = self.run(decoded.audio, source=decoded.source, prepared=decoded, **speakers)
        if decoded.channels:
            transcript.metadata["channels"] = decoded.channels
        return transcript

    def run_split(self, channels, source: str, choice: dict) -> Transcript:
        """One speaker per channel: VAD, ASR and alignment per channel, words merged by utterance start."""
        names = choice["names"]
        clock = StageClock(self.progress, f"{Path(source).name}: ")
        t0 = time.perf_counter()
        per_channel, language = [], None
        for row, name in zip(channels, names):
            _, words, lang = self._transcribe(np.ascontiguousarray(row), None, clock)
            per_channel.append(labelled(words, name))
            language = language or lang
        if not any(per_channel):
            raise AudioError(source, "no speech detected on any channel")
        words, utterances, turns = merge(per_channel, language, self.options.max_pause)
        timings = {**clock.seconds, "wall": round(time.perf_counter() - t0, 3)}
        metadata = self._metadata(source, timings) | {"channels": choice}
        transcript = Transcript(language=language, duration=channels.shape[1] / SAMPLE_RATE,
                                speakers=[n for n, ws in zip(names, per_channel) if ws], words=words,
                                utterances=utterances, turns=turns, metadata=metadata)

        def vectors():
            return {k: v for row, name in zip(channels, names)
                    for k, v in speaker_vectors(row, [t for t in turns if t.speaker == name], self.encoder).items()}

        return self._named(transcript, vectors)

    def run(self, audio, source: str = "<array>", num_speakers: int | None = None, min_speakers: int | None = None,
            max_speakers: int | None = None, prepared: Decoded | None = None) -> Transcript:
        """One mono recording; ``prepared``: its ``Decoded`` when ``prepare`` already ran its segmentation."""
        o = self.options
        counts = {"num_speakers": num_speakers or o.num_speakers, "min_speakers": min_speakers or o.min_speakers,
                  "max_speakers": max_speakers or o.max_speakers}
        clock = StageClock(self.progress, f"{Path(source).name}: ")
        t0 = time.perf_counter()
        segmentation = speech = None
        if self.shared_segmentation:
            from .stages.vad import speech_scores

            if prepared is not None and prepared.segmentation is not None:
                segmentation = prepared.segmentation
                clock.seconds["segmentation"] = prepared.segmentation_seconds  # spent ahead, beside another file
            else:
                segmentation = clock("segmentation", lambda: self.diarizer.segment(audio))
            speech = speech_scores(segmentation, self.transcriber.vad, len(audio))
            clock.report("segmentation")

        def diarize():
            with clock.bar("embeddings", "batch") as update:
                def hook(step, artifact, file=None, total=None, completed=None):
                    if step == "embeddings" and total:
                        update(completed or 0, total)

                result = clock("diarize", lambda: self.diarizer(audio, **counts, segmentation=segmentation,
                                                                hook=hook))
            clock.report("diarize")
            return result

        turns, exclusive = [], []
        with ThreadPoolExecutor(1, thread_name_prefix="diarize") as pool:
            diarized = pool.submit(diarize) if self.diarizer is not None and o.parallel_stages else None
            segments, words, language = self._transcribe(audio, speech, clock)
            if diarized is not None:
                turns, exclusive = diarized.result()
            elif self.diarizer is not None:
                turns, exclusive = diarize()
        if not segments:
            raise AudioError(source, "no speech detected (voice activity detection and ASR found none)")
        words = assign_speakers(words, exclusive)
        utterances = group_utterances(words, language, o.max_pause)
        speakers = sorted({t.speaker for t in turns} | {w.speaker for w in words if w.speaker})
        vad = round(self.transcriber.vad.seconds, 3)  # timed inside the first ASR batch
        timings = {**clock.seconds, "vad": vad, "asr": round(clock.seconds.get("asr", 0.0) - vad, 3),
                   "wall": round(time.perf_counter() - t0, 3)}
        transcript = Transcript(language=language, duration=len(audio) / SAMPLE_RATE, speakers=speakers, words=words,
                                utterances=utterances, turns=turns, metadata=self._metadata(source, timings))
        return self._named(transcript, lambda: speaker_vectors(audio, exclusive, self.encoder))

    def _named(self, transcript: Transcript, vectors) -> Transcript:
        """Speakers who match a known voice get its name; every score goes into ``metadata["voices"]``."""
        if not self.voices:
            return transcript
        found = match(vectors(), self.voices, self.encoder.threshold)
        names = {s: r["name"] for s, r in found.items() if r["name"]}
        named = transcript.rename_speakers(names) if names else transcript
        named.metadata["voices"] = {"profiles": self.options.profiles, "threshold": self.encoder.threshold,
                                    "speakers": [{"speaker": s, **r} for s, r in found.items()]}
        return named

    def _transcribe(self, audio, speech, clock: "StageClock") -> tuple[list, list[Word], str | None]:
        """ASR batch by batch, each batch aligned with the encoder output its decoding computed."""
        segments, words, align, language = [], [], None, self.transcriber.language
        batches = self.transcriber.batches(audio, speech)
        with clock.bar("asr", "chunk") as update:
            while (batch := clock("asr", lambda: next(batches, None))) is not None:
                language = batch.language
                align = align or clock("align", lambda: self.aligner.bind(audio, language))
                segments += [s for s in batch.segments if s.text]
                words += [w for ws in clock("align", lambda: align(batch.segments, batch.encoder_output)) for w in ws]
                update(batch.chunks_done, batch.chunks_total)
        clock.report("asr", "align")
        return segments, words, language

    def _metadata(self, source: str, timings: dict[str, float]) -> dict:
        from importlib.metadata import version

        def v(dist):
            try:
                return version(dist)
            except Exception:
                return None

        t = self.transcriber
        return {
            "source": source,
            "models": {
                "asr": {"name": self.options.asr.model, "path": t.resolved.path, "source": t.resolved.source},
                "vad": "pyannote/segmentation (whisperx assets/pytorch_model.bin)"
                + (", the diarization's segmentation pass" if self.shared_segmentation else ""),
                "aligner": self.aligner.name if self.options.aligner != "wav2vec2" else
                f"wav2vec2:{self.options.align_model}",
                "diarization": None if self.diarizer is None else
                {"name": self.diarizer.name, "source": self.diarizer.source},
            },
            "options": self.options.public(),
            "versions": {d: v(d) for d in ("meeting-analytics", "whisperx", "faster-whisper", "ctranslate2",
                                           "pyannote.audio", "torch")} | {"meeting-analytics": __version__},
            "timings": timings,
            "load_seconds": dict(self.load_seconds),
        }


def enroll(name: str, clips: list[str | os.PathLike], profiles: str | os.PathLike | None = None,
           options: PipelineOptions | None = None, role: str | None = None) -> "VoiceProfile":
    """A voice profile of ``name`` from clean clips of that person, saved in ``profiles`` (default: the
    user's profile directory). Each clip is checked (audio, enough speech, one voice) before saving."""
    from .stages.voices import profiles_home

    decoded = [(str(c), load_speech(c)) for c in clips]
    quiet_libraries()
    diarizer = make_diarizer(options or PipelineOptions())
    pieces = [(path, audio, diarizer(audio)[1]) for path, audio in decoded]
    encoder = Encoder(diarizer.encoder)
    vector, seconds = enrol_vector(pieces, encoder)
    store = VoiceProfiles(profiles or profiles_home(), must_exist=False)
    profile = new_profile(name, vector, seconds, [str(c) for c in clips], role, model=encoder.name)
    store.save(profile)
    return profile
