"""Audio in, speaker-attributed Transcript out: runs the stages, loads each model once."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
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
        num_speakers = num_speakers or o.num_speakers
        min_speakers = min_speakers or o.min_speakers
        max_speakers = max_speakers or o.max_speakers
        timings: dict[str, float] = {}

        def stage(name, fn):
            self.progress(f"{Path(source).name}: {name}")
            t0 = time.perf_counter()
            result = fn()
            timings[name] = round(time.perf_counter() - t0, 3)
            return result

        segments, language = stage("asr", lambda: self.transcriber(audio))
        timings["vad"] = round(self.transcriber.vad_seconds, 3)
        timings["asr"] = round(timings["asr"] - timings["vad"], 3)
        if not segments:
            raise AudioError(source, "no speech detected (voice activity detection and ASR found none)")
        words: list[Word] = [w for ws in stage("align", lambda: self.aligner.align(segments, audio, language)) for w in ws]
        turns, exclusive = [], []
        if self.diarizer is not None:
            turns, exclusive = stage("diarize", lambda: self.diarizer(audio, num_speakers, min_speakers,
                                                                      max_speakers))
        words = assign_speakers(words, exclusive)
        utterances = group_utterances(words, language, o.max_pause)
        speakers = sorted({t.speaker for t in turns} | {w.speaker for w in words if w.speaker})
        return Transcript(language=language, duration=len(audio) / SAMPLE_RATE, speakers=speakers, words=words,
                          utterances=utterances, turns=turns, metadata=self._metadata(source, timings))

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
                "vad": "pyannote/segmentation (whisperx assets/pytorch_model.bin)",
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
