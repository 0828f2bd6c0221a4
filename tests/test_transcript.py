import json

import pytest

from meeting_analytics.stages.assign import assign_speakers
from meeting_analytics.transcript import Transcript, TranscriptError, Turn, Word
from helpers import ROOT, make_transcript


def test_json_round_trip_is_lossless():
    t = make_transcript()
    again = Transcript.from_json(t.to_json())
    assert again == t
    assert Transcript.from_json(again.to_json(indent=2)) == t


def test_a_recovered_word_round_trips_with_how_it_was_found():
    """Issue #34: a hesitation recovered at a speaker change keeps its source and score through the JSON (an
    extra key of the whisperx word; words the main pass decoded carry none) and shows in both frames."""
    from dataclasses import replace

    from meeting_analytics.analytics import find_fillers
    from meeting_analytics.stages.assign import group_utterances

    t = make_transcript()
    words = sorted(t.words + [Word(1.45, 1.6, "uh", "SPEAKER_01", 0.62, source="recovered")], key=lambda w: w.start)
    t = replace(t, words=words, utterances=group_utterances(words, "en"))
    data = json.loads(t.to_json())
    recovered = [w for w in data["word_segments"] if w.get("source")]
    assert recovered == [{"word": "uh", "start": 1.45, "end": 1.6, "score": 0.62, "speaker": "SPEAKER_01",
                          "source": "recovered"}]
    assert sum("source" in w for s in data["segments"] for w in s["words"]) == 1
    again = Transcript.from_json(t.to_json())
    assert again == t and again.words[2].source == "recovered"
    assert t.words_frame()["source"].tolist() == ["decoded", "decoded", "recovered", "decoded", "decoded", "decoded"]
    fillers = find_fillers(t.words_frame())
    assert fillers[["text", "found", "score"]].values.tolist() == [["uh", "recovered", 0.62]]


def test_json_is_whisperx_compatible():
    data = json.loads(make_transcript().to_json())
    seg = data["segments"][0]
    assert set(seg) >= {"start", "end", "text", "speaker", "words"}
    assert set(seg["words"][0]) >= {"word", "start", "end", "score", "speaker"}
    assert [w["word"] for w in data["word_segments"]] == ["Hello", "there.", "Hi!", "How", "są"]


def test_frames_are_tidy():
    t = make_transcript()
    words = t.words_frame()
    assert list(words.columns) == ["start", "end", "text", "speaker", "probability", "utterance", "source"]
    assert words.speaker.tolist() == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01", "SPEAKER_01", "SPEAKER_01"]
    utts = t.utterances_frame()
    # the 1.5 s pause splits SPEAKER_01's words into two utterances
    assert utts.speaker.tolist() == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_01"]
    assert utts.text.tolist() == ["Hello there.", "Hi! How", "są"]
    assert utts.n_words.sum() == len(t.words)
    assert t.turns_frame().shape == (3, 3)


def test_word_outside_turns_goes_to_nearest_turn():
    words = [Word(5.0, 5.2, "late")]
    assert assign_speakers(words, [Turn(0, 1, "A"), Turn(4.0, 4.5, "B")])[0].speaker == "B"


def test_overlap_keeps_current_speaker_when_both_cover_word():
    turns = [Turn(0, 3, "A"), Turn(1.0, 1.6, "B")]
    words = [Word(0.2, 0.8, "so"), Word(1.0, 1.5, "then"), Word(1.7, 2.0, "we")]
    assert [w.speaker for w in assign_speakers(words, turns)] == ["A", "A", "A"]
    # but a word that B covers much more than A goes to B
    turns = [Turn(0, 1.1, "A"), Turn(1.0, 1.6, "B")]
    assert assign_speakers(words, turns)[1].speaker == "B"


def test_no_turns_means_no_speaker():
    assert assign_speakers([Word(0, 1, "x")], [])[0].speaker is None


@pytest.mark.parametrize("text", ["", "{", '{"segments": [{"start": "x"}]}', "[1, 2]", '{"language": "en"}'])
def test_bad_transcript_json_is_a_clear_error(text):
    with pytest.raises(TranscriptError):
        Transcript.from_json(text)


def test_load_names_the_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"segments": [')
    with pytest.raises(TranscriptError, match="broken.json"):
        Transcript.load(bad)
    with pytest.raises(TranscriptError, match="no such file"):
        Transcript.load(tmp_path / "missing.json")


def test_save_is_atomic_and_readable(tmp_path):
    t = make_transcript()
    path = t.save(tmp_path / "out" / "t.json")
    assert Transcript.load(path) == t
    assert [p.name for p in path.parent.iterdir()] == ["t.json"]  # no temp files left behind


@pytest.mark.parametrize("name", ["written_0.1_call.json", "written_0.1_split_voices.json"])
def test_a_file_written_by_0_1_loads_typed_and_writes_back_unchanged(name):
    """Transcripts that meeting-analytics 0.1 (a0ba865) wrote: the call, and a stereo file split into
    channels with an enrolled voice named. Every fact reads typed, nothing is left untyped in ``extra``,
    and the JSON written again is the JSON read."""
    from meeting_analytics.runinfo import ChannelChoice, VoiceMatch

    path = ROOT / "tests" / "data" / name
    data = json.loads(path.read_text())
    t = Transcript.load(path)
    assert t.to_dict() == data and Transcript.from_json(t.to_json()) == t
    info = t.info
    assert info.extra == {} and info.models.asr.name == "tiny.en" and info.models.diarization.name == "offline-ge2e"
    assert info.options["asr"]["model"] == "tiny.en" and info.timings["asr"] > 0 and info.load_seconds["asr"] > 0
    assert info.source.endswith(".wav") and info.versions["meeting-analytics"] == "0.1.0"
    if "split" in name:
        assert info.channels == ChannelChoice("split", "split", 2, -0.729, ["left", "right"])
        assert info.voices.speakers[0] == VoiceMatch("left", "Kennedy", 0.981, "speaker")
        assert info.voices.speakers[1].name is None and info.voices.roles == {"Kennedy": "speaker"}
    else:
        assert info.channels is None and info.voices is None and info.roles == "agent,customer"


def test_unknown_or_odd_metadata_is_kept_as_read():
    data = make_transcript().to_dict()
    data["metadata"] = {"models": {"asr": "tiny.en"}, "channels": "stereo", "mine": [1, 2], "source": None}
    t = Transcript.from_dict(data)
    assert t.info.models is None and t.info.extra == data["metadata"] and t.to_dict() == data
    with pytest.raises(TypeError):  # the dict view is read-only: the typed ``info`` is where facts change
        t.metadata["source"] = "x"
