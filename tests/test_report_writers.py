"""Every output format parsed back with a real parser (srt, webvtt-py, pandas, json, pyannote RTTM)."""

import json

import pandas as pd
import pytest

from meeting_analytics.transcript import Transcript
from meeting_analytics.report.writers import FORMATS, write_outputs
from helpers import make_transcript



@pytest.fixture
def written(tmp_path):
    t = make_transcript()
    t.utterances[0].text = "Hello <b>there</b> & co."  # markup must survive as text
    paths = write_outputs(t, tmp_path, "meeting", "all")
    return t, {p.suffix[1:]: p for p in paths}


def test_all_formats_written(written):
    _, paths = written
    assert sorted(paths) == sorted(FORMATS)
    assert all(p.name.startswith("meeting.") for p in paths.values())


def test_srt(written):
    import srt

    t, paths = written
    subs = list(srt.parse(paths["srt"].read_text()))
    assert len(subs) == len(t.utterances)
    assert subs[0].content.startswith("[SPEAKER_00]: Hello <b>there</b> & co.")
    assert subs[1].start.total_seconds() == pytest.approx(t.utterances[1].start, abs=1e-3)


def test_vtt(written):
    import webvtt

    t, paths = written
    captions = webvtt.read(str(paths["vtt"]))
    assert len(captions) == len(t.utterances)
    assert captions[0].voice == "SPEAKER_00"
    assert captions[2].voice == "SPEAKER_01"
    assert "&lt;b&gt;" in captions[0].raw_text  # escaped in the file: a cue cannot inject tags
    assert captions[1].start == "00:00:01.600"


def test_tsv(written):
    t, paths = written
    frame = pd.read_csv(paths["tsv"], sep="\t")
    assert list(frame.columns) == ["start", "end", "speaker", "text"]
    assert frame.speaker.tolist() == [u.speaker for u in t.utterances]
    assert frame.start.tolist() == [round(u.start * 1000) for u in t.utterances]


def test_json(written):
    t, paths = written
    assert Transcript.from_dict(json.loads(paths["json"].read_text())) == t


def test_rttm(written):
    from pyannote.database.util import load_rttm

    t, paths = written
    annotation = load_rttm(str(paths["rttm"]))["meeting"]
    assert sorted(annotation.labels()) == ["SPEAKER_00", "SPEAKER_01"]
    assert annotation.label_duration("SPEAKER_01") == pytest.approx(sum(x.end - x.start for x in t.turns
                                                                        if x.speaker == "SPEAKER_01"), abs=1e-3)


def test_rttm_speaker_names_are_one_field_each(written, tmp_path):
    """A name with spaces (an enrolled "Ann Lee") is written as one token, so RTTM keeps 10 fields and
    pyannote reads the names back whole."""
    from pyannote.database.util import load_rttm

    from meeting_analytics.report.writers import write_rttm

    t, _ = written
    named = t.rename_speakers({"SPEAKER_00": "Ann  Lee", "SPEAKER_01": "Bob\tde Vries"})
    path = write_rttm(named, tmp_path / "named meeting.rttm")
    assert {len(line.split()) for line in path.read_text().splitlines()} == {10}
    annotation = load_rttm(str(path))["named_meeting"]
    assert sorted(annotation.labels()) == ["Ann_Lee", "Bob_de_Vries"]
    assert annotation.label_duration("Ann_Lee") == pytest.approx(sum(x.end - x.start for x in t.turns
                                                                     if x.speaker == "SPEAKER_00"), abs=1e-3)


def test_txt(written):
    t, paths = written
    lines = paths["txt"].read_text().splitlines()
    assert len(lines) == len(t.utterances)
    assert lines[1].startswith("[00:00:01.600 --> 00:00:02.500] SPEAKER_01: Hi! How")
