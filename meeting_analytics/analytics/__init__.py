"""Speaker analytics as pure functions over a Transcript's frames (no models, no torch)."""

from .corpus import CorpusFrames, CorpusReport, analyze_corpus, analyze_frames
from .fillers import FillerLexicon, filler_counts, find_fillers
from .meeting import MeetingReport, analyze
from .talk import meeting_stats, speaker_stats

__all__ = ["CorpusFrames", "CorpusReport", "analyze_corpus", "analyze_frames", "FillerLexicon", "MeetingReport",
           "analyze", "filler_counts", "find_fillers", "meeting_stats", "speaker_stats"]
