"""Speech recognition through WhisperX's batched faster-whisper pipeline (``whisperx.load_model``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .align import Segment
from .weights import ResolvedModel, resolve_whisper


class OptionError(ValueError):
    """A bad option value (language, flag combination, ...)."""


def whisper_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def check_language_code(language: str | None) -> str | None:
    if language is None:
        return None
    code = language.strip().lower()
    if code not in whisper_languages():
        raise OptionError(f"unknown language {language!r}; use a Whisper language code such as en, de, fr, es")
    return code


def check_language(language: str | None, english_only: bool) -> str | None:
    if language is None:
        return "en" if english_only else None
    code = check_language_code(language)
    if english_only and code != "en":
        raise OptionError(f"language {language!r} needs a multilingual model (e.g. --model base); this model is English-only")
    return code


@dataclass
class ASROptions:
    model: str = "tiny.en"
    language: str | None = None
    initial_prompt: str | None = None
    hotwords: str | None = None
    batch_size: int = 8
    compute_type: str = "int8"
    device: str = "cpu"
    beam_size: int = 5
    temperature: list[float] = field(default_factory=lambda: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    vad_onset: float = 0.5
    vad_offset: float = 0.363
    chunk_size: int = 30
    threads: int = 0
    allow_download: bool = False


def default_threads() -> int:
    """Half the cores, at least one. On the 2-core reference machine one thread each for CTranslate2 and
    torch ran the pipeline 2.5x faster than two (torch's OpenMP threads spin against each other and
    against CTranslate2's; BENCHMARKS.md)."""
    import os

    return max(1, (os.cpu_count() or 1) // 2)


def _time_vad(transcriber: "Transcriber") -> None:
    """Time whisperx's VAD apart from decoding (its type must stay a whisperx ``Vad``: whisperx checks it)."""
    vad = transcriber.pipeline.vad_model
    base = type(vad)

    def timed_call(self, *args, **kwargs):
        import time

        t0 = time.perf_counter()
        try:
            return base.__call__(self, *args, **kwargs)
        finally:
            transcriber.vad_seconds = time.perf_counter() - t0

    vad.__class__ = type(f"Timed{base.__name__}", (base,), {"__call__": timed_call})


class Transcriber:
    """Loads WhisperX (ASR + pyannote VAD) once; ``__call__`` returns text segments and the language."""

    def __init__(self, options: ASROptions):
        import whisperx
        from whisperx.asr import WhisperModel

        self.options = options
        self.resolved: ResolvedModel = resolve_whisper(options.model, options.allow_download)
        threads = options.threads or default_threads()
        model = WhisperModel(self.resolved.path, device=options.device, compute_type=options.compute_type,
                             cpu_threads=threads, local_files_only=not options.allow_download)
        self.english_only = not model.model.is_multilingual
        self.language = check_language(options.language, self.english_only)
        asr_options = {"beam_size": options.beam_size, "temperatures": list(options.temperature),
                       "initial_prompt": options.initial_prompt, "hotwords": options.hotwords}
        self.pipeline = whisperx.load_model(
            self.resolved.path, options.device, compute_type=options.compute_type, asr_options=asr_options,
            language=self.language, vad_method="pyannote", model=model,
            vad_options={"vad_onset": options.vad_onset, "vad_offset": options.vad_offset,
                         "chunk_size": options.chunk_size})

        self.vad_seconds = 0.0
        _time_vad(self)

    @property
    def whisper_model(self):
        return self.pipeline.model

    def __call__(self, audio: np.ndarray) -> tuple[list[Segment], str]:
        import contextlib
        import io

        # whisperx prints progress and warnings on stdout; keep stdout for our own output.
        with contextlib.redirect_stdout(io.StringIO()):
            result = self.pipeline.transcribe(audio, batch_size=self.options.batch_size,
                                              chunk_size=self.options.chunk_size, language=self.language)
        segments = [Segment(float(s["start"]), float(s["end"]), s["text"].strip())
                    for s in result["segments"] if s["text"].strip()]
        return segments, result["language"]
