"""Speaker analytics as pure functions over a Transcript's frames (no models, no torch)."""

from .fillers import FillerLexicon, filler_counts, find_fillers
from .report import MeetingReport, analyze
from .talk import meeting_stats, speaker_stats

__all__ = ["FillerLexicon", "MeetingReport", "analyze", "filler_counts", "find_fillers", "meeting_stats",
           "speaker_stats"]
