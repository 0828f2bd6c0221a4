"""The public API is pinned: what ``import meeting_analytics`` offers (httpx's ``test_exported_members``)."""

from __future__ import annotations

import subprocess
import sys

import meeting_analytics as ma

PUBLIC = [
    "ASROptions", "AnalyticsOptions", "AudioError", "CorpusReport", "Error", "MeetingReport", "Pipeline",
    "PipelineOptions", "RunInfo", "StageEvent", "Transcript", "TranscriptError", "Turn", "UsageError", "Utterance",
    "VoiceProfiles", "Word", "__version__", "analyze", "analyze_corpus", "enroll", "load", "load_audio", "transcribe",
]


def test_exported_members():
    assert ma.__all__ == PUBLIC  # a change here is a change of the public API: say so in the README
    for name in ma.__all__:
        member = getattr(ma, name)
        if name != "__version__":
            assert member.__module__.startswith("meeting_analytics"), name
        assert name in dir(ma)


def test_importing_the_package_loads_no_model_library():
    code = ("import sys, meeting_analytics as ma; ma.RunInfo; ma.StageEvent; ma.Error; "
            "print(sorted(m for m in ('torch', 'whisperx', 'pyannote.audio', 'matplotlib', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
