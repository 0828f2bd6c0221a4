"""Stage events: what the pipeline tells its subscribers while it runs, as values, never as text.

A run emits one ``StageEvent`` per step of a long stage (``completed`` of ``total``) and one when a
stage is over for a file (``seconds``: the stage's total time on that file); loading a model is the
stage ``"load <part>"`` with no file. Subscribers are plain callables, ``StageHook``, composed with
``hooks`` (pyannote.audio's ``Hooks`` shape): the CLI's progress lines (``progress.Reporter.on_event``),
the web job table (``web.jobs``), a test's list. Nobody parses a progress line back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

# the stages a file goes through, in the order they finish (transcription and diarization side by side)
SEGMENTATION, ASR, ALIGN, DIARIZE, EMBEDDINGS, ANALYTICS, REPORT = (
    "segmentation", "asr", "align", "diarize", "embeddings", "analytics", "report")
FILE_STAGES = (SEGMENTATION, ASR, ALIGN, DIARIZE, EMBEDDINGS, ANALYTICS, REPORT)
PART_OF = {ALIGN: ASR, EMBEDDINGS: DIARIZE}  # steps reported within another stage's time


@dataclass(frozen=True)
class StageEvent:
    """``stage`` of ``file`` advanced (``completed`` of ``total`` steps) or is over (``seconds`` set)."""

    stage: str
    file: str | None = None
    completed: int | None = None
    total: int | None = None
    seconds: float | None = None

    @property
    def over(self) -> bool:
        return self.seconds is not None

    @property
    def fraction(self) -> float:
        """How much of the stage is done, 0..1."""
        if self.over:
            return 1.0
        if self.total:
            return min(max((self.completed or 0) / self.total, 0.0), 1.0)
        return 0.0


StageHook = Callable[[StageEvent], None]


def no_hook(event: StageEvent) -> None:
    """A subscriber that ignores everything."""


def hooks(*subscribers: StageHook | None) -> StageHook:
    """One hook that passes each event to every given subscriber, in order (``None``s are skipped)."""
    live = [s for s in subscribers if s is not None]
    if not live:
        return no_hook
    if len(live) == 1:
        return live[0]

    def all_of(event: StageEvent) -> None:
        for subscriber in live:
            subscriber(event)

    return all_of


class StageTimer:
    """Seconds per stage of one file, summed over calls (stages run on two threads at once), told to
    ``hook`` as events: ``steps`` while a stage runs, ``over`` once it is done."""

    def __init__(self, hook: StageHook, file: str | None):
        self.hook, self.file = hook, file
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, fn):
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            self.add(stage, time.perf_counter() - t0)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + seconds, 3)

    def step(self, stage: str, completed: int, total: int) -> None:
        self.hook(StageEvent(stage, self.file, completed=completed, total=total))

    def over(self, *stages: str) -> None:
        for stage in stages:
            if stage in self.seconds:
                self.hook(StageEvent(stage, self.file, seconds=self.seconds[stage]))
