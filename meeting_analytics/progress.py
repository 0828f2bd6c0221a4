"""Progress on stderr, from one writer: whole lines under one lock, so stages running on two threads
never interleave, and a bar within long stages (tqdm on a terminal, a line every 30 s otherwise).

``Reporter`` prints messages (``reporter("text")``) and subscribes to the pipeline's stage events
(``reporter.on_event``: a line per stage that is over, a bar for the steps of a long one).
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from .events import ASR, EMBEDDINGS, PART_OF, StageEvent

TEXT_BAR_EVERY = 30.0
UNITS = {ASR: "chunk", EMBEDDINGS: "batch"}
Update = Callable[[int, int], None]  # a bar's update(done, total)


class Reporter:
    """``reporter("message")`` writes ``[HH:MM:SS] message``; ``reporter.bar(name, total)`` counts steps."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bars: dict[tuple[str | None, str], tuple[AbstractContextManager[Update], Update]] = {}
        self._bars_lock = threading.RLock()

    def __call__(self, message: str) -> None:
        self.write(f"[{time.strftime('%H:%M:%S')}] {message}")

    def write(self, line: str) -> None:
        """One whole line, never interleaved with another thread's."""
        if self.tty:
            from tqdm import tqdm

            tqdm.write(line, file=self.stream)  # above any bar being drawn, under tqdm's lock
            return
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def on_event(self, event: StageEvent) -> None:
        """A stage event as a line (``name: stage 1.2 s``) when the stage is over, else a step of its bar.
        Stages of one file report from two threads: one lock keeps the bars whole."""
        key = (event.file, event.stage)
        label = f"{Path(event.file).name}: {event.stage}" if event.file else event.stage
        with self._bars_lock:
            if event.over:
                self._close_bars(event.file, lambda stage: event.stage in (stage, PART_OF.get(stage)))
            elif event.total:
                if key not in self._bars:
                    manager = self.bar(label, UNITS.get(event.stage, "step"))
                    self._bars[key] = (manager, manager.__enter__())
                self._bars[key][1](event.completed or 0, event.total)
        if event.over:
            self(f"{label} {event.seconds:.1f} s")

    def end_file(self, file: str) -> None:
        """``file`` is over, done or failed: any bar of it still drawn goes."""
        with self._bars_lock:
            self._close_bars(file, lambda stage: True)

    def _close_bars(self, file: str | None, which: Callable[[str], bool]) -> None:
        for key in [k for k in self._bars if k[0] == file and which(k[1])]:
            self._bars.pop(key)[0].__exit__(None, None, None)

    @contextmanager
    def bar(self, name: str, unit: str = "step") -> Iterator[Update]:
        """Steps of a long stage: ``update(done, total)``; a tqdm bar on a terminal, else a line every 30 s."""
        drawn: list[Any] = []  # the tqdm bar, once drawn
        last = [time.monotonic()]

        def update(done: int, total: int) -> None:
            if self.tty:
                if not drawn:
                    from tqdm import tqdm

                    drawn.append(tqdm(total=total, desc=name, unit=unit, file=self.stream, leave=False))
                drawn[0].total = total
                drawn[0].update(max(0, done - drawn[0].n))
            elif time.monotonic() - last[0] >= TEXT_BAR_EVERY and done < total:
                last[0] = time.monotonic()
                self(f"{name} {100 * done / max(total, 1):.0f}% ({done}/{total} {unit}s)")

        try:
            yield update
        finally:
            if drawn:
                drawn[0].close()


def silent(message: str) -> None:
    """A reporter that says nothing (--quiet)."""
