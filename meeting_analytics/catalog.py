"""The Whisper models this installation runs offline, and what was measured of them.

One list for ``meeting-analytics models``, the web form's model select and the error that names the
offline choices. A card's disk figures are read from the installed packages when asked (``on_disk``);
its load time, speed and WER are ``RECORDED``: one run of ``meeting-analytics models --measure`` on the
reference machine (BENCHMARKS.md, "Choosing a model"), kept here so the card needs no data files and
loads no model; ``--measure`` takes them again on the machine at hand (``evaluation.models``).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelUnavailableError
from .weights import BASE_JOINED, OFFLINE_WHISPER, WHISPER_PACKAGES, cache_dir, weights_dir


@dataclass(frozen=True)
class ModelCard:
    """One offline Whisper model: its name (what ``--model`` takes), where its weights come from,
    the languages it transcribes and a one-line description for a person choosing."""

    name: str
    package: str
    languages: str
    summary: str

    @property
    def label(self) -> str:
        """What a select shows: ``tiny.en: English only, fastest``."""
        return f"{self.name}: {self.summary}"


_ABOUT = {
    "tiny.en": ("English", "English only, fastest (the default)"),
    "base": ("99 languages", "any language, more accurate, about 2x slower"),
}
BIGGER = ("a bigger model: --model DIR, a local CTranslate2 directory (ct2-transformers-converter --model "
          "openai/whisper-small --output_dir DIR --copy_files tokenizer.json --quantization int8), or --model small "
          "--allow_download (faster-whisper fetches Systran/faster-whisper-small; also medium, large-v3, turbo)")


def offline_models() -> list[ModelCard]:
    """The Whisper models that need no download, default first."""
    return [ModelCard(name, dist, *_ABOUT[name]) for name, (dist, _) in OFFLINE_WHISPER.items()]


def offline_names() -> list[str]:
    return [card.name for card in offline_models()]


# -- on disk now -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """A distribution that ships (part of) a model's weights: its version (None: not installed) and the
    bytes of its weight folder."""

    name: str
    version: str | None
    bytes: int


@dataclass(frozen=True)
class OnDisk:
    """A model's weights as installed now: the packages, and a copy made from them in the cache (the two
    halves of base, joined on first use; ``cache_bytes`` 0 until then)."""

    packages: tuple[Package, ...]
    cache: Path | None = None
    cache_bytes: int = 0

    @property
    def installed(self) -> bool:
        return all(p.version is not None for p in self.packages)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.packages) + self.cache_bytes


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0


def _package(model: str, part: int) -> Package:
    dist = WHISPER_PACKAGES[model][part][0]
    try:
        version = importlib.metadata.version(dist)
        return Package(dist, version, _folder_bytes(weights_dir(model, part)))
    except importlib.metadata.PackageNotFoundError:
        return Package(dist, None, 0)
    except ModelUnavailableError:  # its metadata without its module: installed, weights not found
        return Package(dist, version, 0)


def on_disk(name: str) -> OnDisk:
    """Measured from the file system now; loads nothing."""
    packages = tuple(_package(name, part) for part in range(len(WHISPER_PACKAGES[name])))
    if name != "base":
        return OnDisk(packages)
    joined = cache_dir() / BASE_JOINED
    return OnDisk(packages, joined if joined.is_dir() else None, _folder_bytes(joined))


# -- measured ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One model on one machine: ``load_seconds`` (the ASR: Whisper weights and the VAD), ``speed`` (audio
    seconds per wall second of ASR and word timing, no diarization: x real time) and WER per sample
    (``call``: data/call/sample.wav against its STM; ``jfk``: data/speech/jfk.flac), Whisper's English
    normalisation; ``audio_seconds``: the samples' length."""

    model: str
    load_seconds: float
    speed: float
    wer: tuple[tuple[str, float], ...]
    audio_seconds: float

    def wer_of(self, sample: str) -> float | None:
        return dict(self.wer).get(sample)


@dataclass(frozen=True)
class Measurement:
    """A run of ``models --measure``: when, where (CPU, cores, threads), with what command, and the figures."""

    date: str
    machine: str
    command: str
    figures: tuple[Figures, ...]

    def of(self, model: str) -> Figures | None:
        return next((f for f in self.figures if f.model == model), None)


# ``meeting-analytics models --measure`` once on the reference machine (BENCHMARKS.md, "Choosing a model": four
# runs there, this one the last; the speeds moved 5.6-8.3x (tiny.en) and 2.9-3.7x (base) with other processes' load)
RECORDED = Measurement(
    date="2026-12-05",
    machine=("AMD EPYC, 2 cores, 24 GiB, 1 thread(s) per library, Linux, Python 3.11.7, ctranslate2 4.8.5, "
             "load average 2.3 at the start"),
    command="meeting-analytics models --measure",
    figures=(
        Figures("tiny.en", load_seconds=0.28, speed=7.9, wer=(("call", 0.1494), ("jfk", 0.0)), audio_seconds=41.0),
        Figures("base", load_seconds=0.37, speed=3.7, wer=(("call", 0.1379), ("jfk", 0.0)), audio_seconds=41.0),
    ),
)
