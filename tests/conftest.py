"""Shared fixtures. Model tests share one loaded pipeline per session (loading costs ~10 s).

Every run starts from a clean state, as on a new user's machine: before any test module imports the
package, HOME, the XDG directories, the package cache, matplotlib's config dir and NLTK's data path
point at fresh temporary directories (the XDG cache one not even created), so nothing a previous run
or the developer left can make a test pass. Model weights are read from the installed packages; every
first-run step (joining Whisper base, writing NLTK data) happens again in the fresh cache.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

STATE = Path(tempfile.mkdtemp(prefix="meeting-analytics-tests-"))
CLEAN_ENV = {"HOME": STATE / "home", "XDG_CACHE_HOME": STATE / "xdg-cache", "XDG_CONFIG_HOME": STATE / "xdg-config",
             "XDG_DATA_HOME": STATE / "xdg-data", "MPLCONFIGDIR": STATE / "mplconfig", "NLTK_DATA": STATE / "nltk_data"}
for _var, _path in CLEAN_ENV.items():
    os.environ[_var] = str(_path)
for _var in ("HOME", "MPLCONFIGDIR", "NLTK_DATA"):  # these must exist; the caches are made by the code under test
    CLEAN_ENV[_var].mkdir()
os.environ.pop("MEETING_ANALYTICS_CACHE", None)
# Ray's temp dir (sessions, and the ray_current_cluster file an earlier `ray start` leaves) is the run's own:
# short, as Ray's socket paths must be; no RAY_ADDRESS from the developer's shell
RAY_TMP = Path(tempfile.mkdtemp(prefix="ma-ray-"))
os.environ["RAY_TMPDIR"] = str(RAY_TMP)
os.environ.pop("RAY_ADDRESS", None)
os.environ.pop("MEETING_ANALYTICS_TOKEN", None)
os.environ["HF_HUB_OFFLINE"] = "1"  # tests run offline, as the default pipeline must
from helpers import SHARED  # noqa: E402 (after the clean environment is in place)


def pytest_configure(config):
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import nltk

    nltk.data.path[:] = [os.environ["NLTK_DATA"]]  # not ~/nltk_data, /usr/share/nltk_data, ...


def pytest_unconfigure(config):
    shutil.rmtree(STATE, ignore_errors=True)
    shutil.rmtree(RAY_TMP, ignore_errors=True)


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
    from meeting_analytics.evaluation.synth import synthesize_meeting, write_meeting

    meeting = synthesize_meeting(n_speakers=2, duration=70.0, seed=7)
    paths = write_meeting(meeting, tmp_path_factory.mktemp("synth"), "dialogue")
    return meeting, paths
