"""Progress on stderr, from one writer: whole lines under one lock, so stages running on two threads
never interleave, and a bar within long stages (tqdm on a terminal, a line every 30 s otherwise).

``Pipeline`` reports through any ``Callable[[str], None]``; when that object also has ``bar`` (as
``Reporter`` does), long stages report their steps through it.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

TEXT_BAR_EVERY = 30.0


class Reporter:
    """``reporter("message")`` writes ``[HH:MM:SS] message``; ``reporter.bar(name, total)`` counts steps."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

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

    @contextmanager
    def bar(self, name: str, unit: str = "step") -> Iterator:
        """Steps of a long stage: ``update(done, total)``; a tqdm bar on a terminal, else a line every 30 s."""
        drawn, last = [], [time.monotonic()]

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
