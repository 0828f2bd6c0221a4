"""Shared fixtures. Model tests share one loaded pipeline per session (loading costs ~10 s)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests run offline, as the default pipeline must
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = Path(os.environ.get("MEETING_ANALYTICS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def pytest_configure(config):
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture(scope="session")
def ami_dir() -> Path:
    path = SHARED / "ami"
    if not (path / "trn01.wav").exists():
        pytest.skip(f"AMI excerpts not found at {path} (set MEETING_ANALYTICS_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def pipeline():
    from meeting_analytics.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def dialogue(tmp_path_factory):
    """A synthetic two-speaker dialogue (~70 s) with exact word/speaker/time truth, written once."""
    from meeting_analytics.synth import synthesize_meeting, write_meeting

    meeting = synthesize_meeting(n_speakers=2, duration=70.0, seed=7)
    paths = write_meeting(meeting, tmp_path_factory.mktemp("synth"), "dialogue")
    return meeting, paths
