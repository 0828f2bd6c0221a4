"""meeting-analytics: speaker-aware transcripts and analytics for meetings, interviews and calls.

``import meeting_analytics`` stays light: torch, whisperx and pyannote load only when a pipeline
is built.
"""

from __future__ import annotations

import os

from ._version import __version__

# pyannote.audio 4 sends usage telemetry unless told not to; this toolkit makes no network calls
# the user did not ask for. An explicit PYANNOTE_METRICS_ENABLED set by the user still wins.
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")

from .audio import AudioError, load_audio  # noqa: E402
from .transcript import Transcript, TranscriptError, Turn, Utterance, Word  # noqa: E402

__all__ = [
    "AudioError", "Pipeline", "PipelineOptions", "ASROptions", "Transcript", "TranscriptError", "Turn",
    "Utterance", "Word", "load_audio", "transcribe", "analyze", "load", "MeetingReport", "enroll", "VoiceProfiles",
    "__version__",
]


def __getattr__(name: str):
    if name in ("Pipeline", "enroll"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "VoiceProfiles":
        from .stages.voices import VoiceProfiles

        return VoiceProfiles
    if name in ("PipelineOptions", "ASROptions"):
        from . import options

        return getattr(options, name)
    if name == "MeetingReport":
        from .analytics import MeetingReport

        return MeetingReport
    raise AttributeError(f"module 'meeting_analytics' has no attribute {name!r}")


_last_pipeline: tuple[str, object] | None = None


def transcribe(audio_path: str | os.PathLike, **options) -> Transcript:
    """Transcribe and diarize one file (options as in the CLI, e.g. ``model="base", min_speakers=2``).

    The models of the last call are kept, so calling again with the same options loads nothing."""
    global _last_pipeline
    from .options import PipelineOptions
    from .pipeline import Pipeline

    opts = PipelineOptions.from_kwargs(**options)
    key = repr(opts)
    if _last_pipeline is None or _last_pipeline[0] != key:
        _last_pipeline = (key, Pipeline(opts))
    return _last_pipeline[1](audio_path)


def analyze(source, lexicon=None, scorer=None, **options):
    """Analytics of a Transcript, a transcript JSON path, or an audio file (transcribed first, with the
    verbatim prompt for English unless ``initial_prompt`` is given; ``options`` are the pipeline's).
    ``lexicon`` (FillerLexicon) and ``scorer`` (sentiment) replace the defaults. Returns a ``MeetingReport``."""
    from functools import partial
    from pathlib import Path

    from .analytics import analyze as _analyze

    analyze_transcript = partial(_analyze, lexicon=lexicon, scorer=scorer)
    if isinstance(source, Transcript):
        return analyze_transcript(source)
    if str(source).lower().endswith(".json"):
        return analyze_transcript(Transcript.load(source))
    return analyze_transcript(transcribe(Path(source), **{"verbatim": True, **options}))


def load(path: str | os.PathLike):
    """A saved result: a directory written by ``MeetingReport.save`` (or ``analyze``'s ``<stem>_analytics/``)
    gives a MeetingReport; a transcript JSON gives its MeetingReport, analysed without models."""
    from .analytics.meeting import load_report

    return load_report(path)
