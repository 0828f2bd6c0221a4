"""Measure the offline Whisper models on this machine: load time, speed and WER on two real recordings.

What ``meeting-analytics models --measure`` prints and what ``catalog.RECORDED`` keeps from one run on the
reference machine. The samples are the repository's: the shipped phone call (30 s, two voices, scored
against its STM) and jfk.flac (11 s, one sentence). Each model runs as ``transcribe`` runs it (its default
options, no prompt) but without diarization, so the figures are the model's: diarization costs the
same whichever model transcribes.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

from ..catalog import Figures, Measurement
from ..errors import ReferenceFileError

JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, ask what you can do for "
            "your country.")
SAMPLE_FILES = {"call": ("call/sample.wav", "call/sample.stm"), "jfk": ("speech/jfk.flac", None)}


@dataclass(frozen=True)
class Sample:
    """A recording and the words said in it."""

    name: str
    audio: Path
    reference: str


def default_data_dir() -> Path | None:
    """The repository's ``data/`` when this package runs from a checkout (or ``./data``), else None."""
    for candidate in (Path(__file__).resolve().parents[2] / "data", Path("data")):
        if (candidate / SAMPLE_FILES["call"][0]).is_file():
            return candidate
    return None


def samples(data_dir: str | Path | None) -> list[Sample]:
    """The measuring samples under ``data_dir``; ``ReferenceFileError`` (one line) for one that is not there."""
    from .metrics import read_stm

    where = Path(data_dir) if data_dir is not None else default_data_dir()
    if where is None:
        raise ReferenceFileError("models --measure needs the repository's data/ directory (call/sample.wav, "
                                 "call/sample.stm, speech/jfk.flac): pass --data DIR")
    out = []
    for name, (audio, stm) in SAMPLE_FILES.items():
        for part in (audio, stm):
            if part and not (where / part).is_file():
                raise ReferenceFileError(f"{where / part}: no such file (models --measure reads call/sample.wav, "
                                         "call/sample.stm and speech/jfk.flac under --data DIR)")
        text = " ".join(read_stm(where / stm).text) if stm else JFK_TEXT
        out.append(Sample(name, where / audio, text))
    return out


def measure_model(name: str, data: list[Sample]) -> Figures:
    """Load ``name`` (timed), transcribe every sample (timed), score each against its words."""
    from ..audio import SAMPLE_RATE, load_audio
    from ..options import PipelineOptions
    from ..pipeline import Pipeline
    from ..weights import resolve_whisper
    from .metrics import wer

    from ..stages import asr_model  # noqa: F401 (imported before the clock: the first model would pay it)
    from ..stages.vad import SharedVad

    SharedVad("cpu")  # the VAD's first load (torch's and pyannote's first use) before the clock, as above
    resolve_whisper(name)  # base's halves joined into the cache once, before the clock: installing, not loading
    pipeline = Pipeline(PipelineOptions.from_kwargs(model=name, diarize=False))
    wall, audio_seconds, scores = 0.0, 0.0, []
    for sample in data:
        audio = load_audio(sample.audio)
        t0 = time.perf_counter()
        transcript = pipeline.run(audio, source=str(sample.audio))
        wall += time.perf_counter() - t0
        audio_seconds += len(audio) / SAMPLE_RATE
        scores.append((sample.name, round(wer(sample.reference, transcript.text), 4)))
    return Figures(name, round(pipeline.load_seconds["asr"], 2), round(audio_seconds / wall, 1), tuple(scores),
                   round(audio_seconds, 1))


def machine() -> str:
    """CPU, cores, memory, the threads a run uses, Python and CTranslate2: enough to compare two runs."""
    import ctranslate2

    from ..options import default_threads

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = ""
    try:
        busy = f", load average {os.getloadavg()[0]:.1f} at the start"  # other processes on the cores slow the run
    except OSError:
        busy = ""
    return (f"{cpu}, {os.cpu_count()} cores{memory}, {default_threads()} thread(s) per library, "
            f"{platform.system()}, Python {platform.python_version()}, ctranslate2 {ctranslate2.__version__}{busy}")


def measure(names: list[str], data_dir: str | Path | None, argv: list[str] | None = None) -> Measurement:
    """Every model of ``names`` on this machine now; ``argv``: the command, as recorded."""
    data = samples(data_dir)
    command = shlex.join(["meeting-analytics", *(argv or ["models", "--measure"])])
    where = machine()
    figures = tuple(measure_model(name, data) for name in names)
    return Measurement(dt.date.today().isoformat(), where, command, figures)
