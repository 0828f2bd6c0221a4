"""Audio in, speaker-attributed Transcript out: runs the stages, loads each model once."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from . import __version__
from .align import ALIGNERS, DEFAULT_ALIGNER, EnergyTrimmedWhisperAligner, InterpolateAligner, WhisperAligner
from .assign import assign_speakers, group_utterances
from .audio import SAMPLE_RATE, AudioError, check_speech_audio, load_audio
from .asr import ASROptions, OptionError, Transcriber, check_language_code, default_threads
from .transcript import Transcript, Word
from .weights import check_whisper_name


@dataclass
class PipelineOptions:
    asr: ASROptions = field(default_factory=ASROptions)
    aligner: str = DEFAULT_ALIGNER
    align_model: str | None = None
    diarize: bool = True
    diarize_model: str | None = None
    hf_token: str | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    max_pause: float = 1.0
    parallel_stages: bool = True  # diarize on a second thread while the ASR decodes (each with `threads`)

    def validate(self) -> None:
        check_language_code(self.asr.language)
        check_whisper_name(self.asr.model, self.asr.allow_download)
        if self.aligner not in ALIGNERS:
            raise OptionError(f"unknown aligner {self.aligner!r}; choose from {', '.join(ALIGNERS)}")
        if self.aligner == "wav2vec2" and self.align_model is None and not self.asr.allow_download:
            raise OptionError("--aligner wav2vec2 needs --align_model (a local directory, or a hub name with --allow_download)")
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise OptionError(f"--{name} must be >= 1 (got {value})")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise OptionError(f"--min_speakers {self.min_speakers} is larger than --max_speakers {self.max_speakers}")
        if self.asr.batch_size < 1 or self.asr.beam_size < 1:
            raise OptionError("--batch_size and --beam_size must be >= 1")
        if not 0 < self.asr.vad_onset < 1 or not 0 < self.asr.vad_offset < 1:
            raise OptionError("--vad_onset and --vad_offset must be between 0 and 1")

    def public(self) -> dict:
        """The options as recorded in a transcript's metadata (never the token)."""
        data = asdict(self)
        data["hf_token"] = "***" if self.hf_token else None
        return data


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


class StageClock:
    """Seconds per named stage, summed over calls (stages may run on two threads at once)."""

    def __init__(self, announce: Callable[[str], None]):
        self.announce = announce
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, fn):
        self.announce(name)
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - t0, 3)


class Pipeline:
    """Load once, transcribe many: ``Pipeline(options)(path) -> Transcript``."""

    def __init__(self, options: PipelineOptions | None = None, progress: Callable[[str], None] | None = None):
        self.options = options or PipelineOptions()
        self.options.validate()
        self.progress = progress or (lambda message: None)
        if not self.options.asr.allow_download and not self.options.hf_token:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.load_seconds: dict[str, float] = {}
        quiet_libraries()
        if self.options.asr.device == "cpu":
            import torch

            torch.set_num_threads(self.options.asr.threads or default_threads())
        self.transcriber = self._timed_load("asr", lambda: Transcriber(self.options.asr))
        self.aligner = self._timed_load("aligner", self._make_aligner)
        self.diarizer = self._timed_load("diarizer", self._make_diarizer) if self.options.diarize else None
        self.shared_segmentation = self.diarizer is not None and self.diarizer.shares_segmentation(self.transcriber.vad)

    def _timed_load(self, name: str, factory):
        self.progress(f"loading {name}")
        t0 = time.perf_counter()
        obj = factory()
        self.load_seconds[name] = round(time.perf_counter() - t0, 3)
        return obj

    def _make_aligner(self):
        if self.options.aligner in ("whisper", "whisper+energy"):
            cls = WhisperAligner if self.options.aligner == "whisper" else EnergyTrimmedWhisperAligner
            return cls(self.transcriber.whisper_model, batch_size=self.options.asr.batch_size)
        if self.options.aligner == "interpolate":
            return InterpolateAligner()
        from .align import Wav2Vec2Aligner

        return Wav2Vec2Aligner(self.options.align_model, self.transcriber.language or "en", self.options.asr.device)

    def _make_diarizer(self):
        from .diarize import Diarizer

        return Diarizer(self.options.diarize_model, hf_token=self.options.hf_token, device=self.options.asr.device,
                        allow_download=self.options.asr.allow_download)

    def __call__(self, path: str | os.PathLike, **speakers: int | None) -> Transcript:
        """Transcribe one file; ``num_speakers``/``min_speakers``/``max_speakers`` override the options."""
        audio = load_audio(path)
        check_speech_audio(audio, path)
        return self.run(audio, source=str(path), **speakers)

    def run(self, audio, source: str = "<array>", num_speakers: int | None = None, min_speakers: int | None = None,
            max_speakers: int | None = None) -> Transcript:
        o = self.options
        counts = {"num_speakers": num_speakers or o.num_speakers, "min_speakers": min_speakers or o.min_speakers,
                  "max_speakers": max_speakers or o.max_speakers}
        clock = StageClock(lambda name: self.progress(f"{Path(source).name}: {name}"))
        t0 = time.perf_counter()
        segmentation = speech = None
        if self.shared_segmentation:
            from .vad import speech_scores

            segmentation = clock("segmentation", lambda: self.diarizer.segment(audio))
            speech = speech_scores(segmentation, self.transcriber.vad, len(audio))

        def diarize():
            return clock("diarize", lambda: self.diarizer(audio, **counts, segmentation=segmentation))

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
        return Transcript(language=language, duration=len(audio) / SAMPLE_RATE, speakers=speakers, words=words,
                          utterances=utterances, turns=turns, metadata=self._metadata(source, timings))

    def _transcribe(self, audio, speech, clock: "StageClock") -> tuple[list, list[Word], str | None]:
        """ASR batch by batch, each batch aligned with the encoder output its decoding computed."""
        segments, words, align, language = [], [], None, self.transcriber.language
        batches = self.transcriber.batches(audio, speech)
        while (batch := clock("asr", lambda: next(batches, None))) is not None:
            language = batch.language
            align = align or clock("align", lambda: self.aligner.bind(audio, language))
            segments += [s for s in batch.segments if s.text]
            words += [w for ws in clock("align", lambda: align(batch.segments, batch.encoder_output)) for w in ws]
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
