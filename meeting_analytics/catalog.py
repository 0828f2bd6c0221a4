"""The Whisper models this installation runs offline, and what was measured of them.

One list for ``meeting-analytics models``, the web form's model select and the error that names the
offline choices. The figures are measurements (BENCHMARKS.md says how and when); ``measure`` takes
them again on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from .weights import OFFLINE_WHISPER


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


def offline_models() -> list[ModelCard]:
    """The Whisper models that need no download, default first."""
    return [ModelCard(name, dist, *_ABOUT[name]) for name, (dist, _) in OFFLINE_WHISPER.items()]


def offline_names() -> list[str]:
    return [card.name for card in offline_models()]
