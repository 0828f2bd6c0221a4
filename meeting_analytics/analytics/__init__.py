"""Speaker analytics as pure functions over a Transcript's frames (no models, no torch)."""

from .corpus import Cost, CorpusBuilder, CorpusFrames, CorpusReport, CorpusTables, analyze_corpus, analyze_frames
from .fillers import FillerLexicon, filler_counts, find_fillers
from .meeting import MeetingReport, analyze
from .talk import meeting_stats, meeting_table, speaker_stats

__all__ = ["Cost", "CorpusBuilder", "CorpusFrames", "CorpusReport", "CorpusTables", "analyze_corpus", "analyze_frames",
           "FillerLexicon", "MeetingReport", "analyze", "filler_counts", "find_fillers", "meeting_stats",
           "meeting_table", "speaker_stats"]
