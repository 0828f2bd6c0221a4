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

from .audio import load_audio  # noqa: E402
from .errors import AudioError, Error, TranscriptError, UsageError  # noqa: E402
from .events import StageEvent  # noqa: E402
from .runinfo import RunInfo  # noqa: E402
from .transcript import Transcript, Turn, Utterance, Word  # noqa: E402

__all__ = [
    "ASROptions", "AnalyticsOptions", "AudioError", "CorpusReport", "Error", "MeetingReport", "Pipeline",
    "PipelineOptions", "RunInfo", "StageEvent", "Transcript", "TranscriptError", "Turn", "UsageError", "Utterance",
    "VoiceProfiles", "Word", "__version__", "analyze", "analyze_corpus", "enroll", "load", "load_audio", "transcribe",
]

_LAZY = {"Pipeline": "pipeline", "enroll": "enrolment", "VoiceProfiles": "stages.voices",
         "PipelineOptions": "options", "ASROptions": "options", "AnalyticsOptions": "options",
         "MeetingReport": "analytics", "CorpusReport": "analytics", "analyze_corpus": "analytics"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'meeting_analytics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_last_pipeline: tuple[str, object] | None = None


def transcribe(audio_path: str | os.PathLike, **options) -> Transcript:
    """Transcribe and diarize one file (options as in the CLI, e.g. ``model="base", min_speakers=2``;
    an unknown name is a TypeError naming it).

    The models of the last call are kept, so calling again with the same options loads nothing."""
    from .options import PipelineOptions

    return _run(PipelineOptions.from_kwargs(**options), audio_path)


def _run(options, path) -> Transcript:
    """``path`` through the kept pipeline (speaker counts per call: they load no model)."""
    return _pipeline(options)(path, **options.speaker_counts)


def _pipeline(options):
    global _last_pipeline
    from .pipeline import Pipeline

    key = options.model_key()
    if _last_pipeline is None or _last_pipeline[0] != key:
        _last_pipeline = None  # the old models go before the new ones load
        _last_pipeline = (key, Pipeline(options))
    return _last_pipeline[1]


def analyze(source, lexicon=None, scorer=None, **options):
    """Analytics of a Transcript, a transcript JSON path, or an audio file. Audio is transcribed first
    (``options``: the CLI's names; the verbatim prompt for English unless ``initial_prompt`` is given);
    for a transcript only the analytics options apply (``roles``, ``filler_lexicon``) and ``redact``/
    ``redact_policy``, and a transcription option is a TypeError. ``lexicon`` (FillerLexicon) and ``scorer``
    (sentiment) replace the defaults. Returns a ``MeetingReport``."""
    from .analytics import analyze as _analyze
    from .options import PipelineOptions

    if isinstance(source, Transcript) or str(source).lower().endswith(".json"):
        transcript = source if isinstance(source, Transcript) else Transcript.load(source)
        redact = {k: options.pop(k) for k in ("redact", "redact_policy") if k in options}
        if redact.get("redact"):  # a saved transcript redacted here, as the pipeline redacts audio
            from .redaction.apply import Redactor

            redactor = Redactor.of(PipelineOptions.from_kwargs(**redact))
            transcript = redactor(transcript) if redactor is not None else transcript
        return _analyze(transcript, lexicon=lexicon, scorer=scorer, **options)
    opts = PipelineOptions.for_analysis(**options)
    return _analyze(_run(opts, source), opts.analytics, lexicon=lexicon, scorer=scorer)


def load(path: str | os.PathLike):
    """A saved result: a directory written by ``MeetingReport.save`` (or ``analyze``'s ``<stem>_analytics/``)
    gives a MeetingReport; a transcript JSON gives its MeetingReport, analysed without models."""
    from .analytics.meeting import load_report

    return load_report(path)
