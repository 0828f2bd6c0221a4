"""Personal data out of every output (issue #35): the recognisers on hand-built calls, the options, and real
runs: the SpokenWOZ support call (its caller reads an ID number over four turns) and two synthetic calls that
say the same card number, through one ``batch --redact --redact_policy hash --redact_audio``; every file under
the output directory scanned, the silenced audio measured; and a meeting without personal data unchanged but
for its run facts."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import SHARED, meeting, run_cli

from meeting_analytics.analytics import analyze
from meeting_analytics.errors import MissingExtraError, OptionError
from meeting_analytics.options import PipelineOptions
from meeting_analytics.redaction.spoken import digits_of, spoken_emails, spoken_numbers

CALL = SHARED / "call" / "spokenwoz_MUL1011" / "MUL1011.opus"
needs_call = pytest.mark.skipif(not CALL.exists(), reason=f"the SpokenWOZ call is not at {CALL}")
# the caller's ID (1734 1256 7299 1778) as the default pipeline writes it: "1734," "1256," "and 72."
# "And last one, one, double 78." ("double nine" is lost); any of these left anywhere is a leak
CALL_ID = re.compile(r"(?<![\d.])(?:1734|1256|7299|1778|17341256)(?!\d)|double 7")
CARD = "4539 1488 0343 6467"  # a Luhn-valid test number, said as words in the synthetic calls
CARD_GROUPS = re.compile(r"(?<![\d.])(?:4539|1488|0343|6467)(?!\d)")
EMAIL = re.compile(r"david|yahoo", re.I)


@pytest.fixture(scope="module")
def detector():
    from meeting_analytics.redaction import Detector

    return Detector()


def words_of(*elements: str) -> list:
    from meeting_analytics.redaction.spoken import _elements

    out = []
    for w in elements:
        out += [("d" if k == "oh" else k, v) for k, v in _elements(w, True) or []]
    return out


@pytest.mark.parametrize("said, digits", [
    ("one two five six", "1256"), ("seven two double nine", "7299"), ("one double seven eight", "1778"),
    ("oh seven seven zero", "0770"), ("seventeen thirty four", "1734"), ("seven hundred and five", "705"),
    ("1734", "1734"), ("double 78", "778"), ("triple five", "555"), ("forty-two", "42")])
def test_spoken_digits_are_written_down_as_a_listener_would(said, digits):
    assert digits_of(words_of(*said.split())) == digits


def id_call():
    """The SpokenWOZ call's exchange, as said: the ID over four turns with the agent's back-channel between."""
    return meeting([
        ("AGENT", 0.0, 2.0, "Could you please tell me your ID number?"),
        ("CALLER", 3.0, 5.0, "Sure, my ID number is 1734,"),
        ("AGENT", 6.0, 7.0, "All right, please go ahead."),
        ("CALLER", 8.0, 10.0, "one, two, five, six,"),
        ("AGENT", 11.0, 12.0, "Okay, please go on."),
        ("CALLER", 13.0, 15.0, "and seven, two, double nine."),
        ("AGENT", 16.0, 17.0, "Um, okay."),
        ("CALLER", 18.0, 20.0, "And one, double seven, eight."),
        ("AGENT", 21.0, 24.0, "Thank you. Is there anything else I can help you with?"),
        ("CALLER", 25.0, 28.0, "No, I think I have 2 bags, that's all, thanks."),
    ])


def test_a_number_read_out_over_four_turns_is_one_finding_and_the_agent_keeps_their_words():
    t = id_call()
    found = spoken_numbers(t.words)
    assert [(f.entity, f.value) for f in found] == [("ID_NUMBER", "1734125672991778")]
    said = {t.words[i].text for i in found[0].words}  # the digits, not "and" between them
    assert said == {"1734,", "one,", "two,", "five,", "six,", "seven,", "double", "nine.", "eight."}
    assert all(t.words[i].speaker == "CALLER" for i in found[0].words)
    assert len(found[0].pieces) == 4


def test_spoken_and_whisper_written_email_addresses():
    for text, value in [("it is john dot smith at gmail dot com thanks", "john.smith@gmail.com"),
                        ("My e -mail address is David at yahoo .com.", "david@yahoo.com"),
                        ("write to j.smith at gmail.com.", "j.smith@gmail.com")]:
        t = meeting([("A", 0.0, 5.0, text)])
        assert [f.value for f in spoken_emails(t.words)] == [value], text
    assert spoken_emails(meeting([("A", 0.0, 3.0, "look at the sky, at home")]).words) == []


def test_redacted_call_keeps_its_analytics_and_lists_spans_never_text(detector):
    from meeting_analytics.redaction.apply import redact_transcript

    t = id_call()
    r = redact_transcript(t, detector, "tag")
    assert len(r.words) == len(t.words) and [w.start for w in r.words] == [w.start for w in t.words]
    assert not CALL_ID.search(r.text) and "seven, two" not in r.text
    assert "[ID_NUMBER]" in r.text and "2 bags" in r.text  # a small count is no personal data
    spans = r.info.redaction.spans
    assert {s.entity for s in spans} == {"ID_NUMBER"} and len(spans) == 4 and {s.group for s in spans} == {0}
    assert "1734" not in json.dumps(r.info.redaction.to_dict())
    before, after = analyze(t), analyze(r)
    cols = ["speaker", "words", "turns", "questions", "fillers", "talk_time"]
    assert before.speakers[cols].equals(after.speakers[cols])
    assert len(before.questions) == len(after.questions)
    assert not after.meeting_topics["term"].astype(str).str.contains("ID_NUMBER|#", regex=True).any()
    assert list(after.redactions["entity"]) == ["ID_NUMBER"] * 4


def test_the_api_redacts_a_saved_transcript_and_the_hash_key_is_made_once_privately(monkeypatch, tmp_path):
    import meeting_analytics as ma
    from meeting_analytics.redaction.apply import redact_key

    t = id_call()
    t.save(tmp_path / "call.json")
    report = ma.analyze(tmp_path / "call.json", redact=True)
    assert "[ID_NUMBER]" in report.transcript.text and not CALL_ID.search(report.transcript.text)
    assert len(report.redactions) == 4
    monkeypatch.delenv("MEETING_ANALYTICS_REDACT_KEY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    key = redact_key()
    files = list((tmp_path / "data").rglob("redact.key"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600 and redact_key() == key


def test_hash_gives_one_token_per_value_however_it_is_said(detector, monkeypatch):
    from meeting_analytics.redaction.apply import redact_transcript

    monkeypatch.setenv("MEETING_ANALYTICS_REDACT_KEY", "test-key")
    a = meeting([("A", 0.0, 6.0, "my card number is four five three nine, one four eight eight, zero three four "
                                 "three, six four six seven.")])
    b = meeting([("B", 0.0, 6.0, "the card number is 4539, 1488, 0343, 6467 thanks")])
    c = meeting([("B", 0.0, 6.0, "the card number is 4539, 1488, 0343, 6468 thanks")])
    tokens = [set(re.findall(r"\[CREDIT_CARD:[0-9a-f]+\]", redact_transcript(x, detector, "hash").text))
              for x in (a, b, c)]
    assert len(tokens[0]) == 1 and tokens[0] == tokens[1] and tokens[2] != tokens[0]
    masked = redact_transcript(b, detector, "mask").text
    assert "4539" not in masked and "the card number is #### thanks" in masked


def test_redact_option_is_declared_once_and_checked():
    assert PipelineOptions(redact=True).redact == "default"
    assert PipelineOptions.from_kwargs(redact="person, phone_number").redact == "PERSON,PHONE_NUMBER"
    with pytest.raises(OptionError, match="--redact: unknown entity NAMES"):
        PipelineOptions.from_kwargs(redact="names")
    with pytest.raises(OptionError, match="--redact_audio needs --redact"):
        PipelineOptions.from_kwargs(redact_audio=True)
    with pytest.raises(OptionError, match="--redact_policy"):
        PipelineOptions.from_kwargs(redact=True, redact_policy="shred")
    from meeting_analytics.batch.run import options_hash

    off, on = options_hash(PipelineOptions()), options_hash(PipelineOptions(redact=True))
    assert off != on != options_hash(PipelineOptions(redact=True, redact_policy="hash"))


def test_without_the_extra_one_line_names_it(monkeypatch):
    import importlib.util

    from meeting_analytics.redaction.detect import require

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("presidio") else
                        real(name, *a))
    with pytest.raises(MissingExtraError, match=r"pip install 'meeting-analytics\[redact\]'"):
        require()


def test_importing_the_package_loads_no_presidio_spacy_or_torch():
    code = ("import sys, meeting_analytics, meeting_analytics.options, meeting_analytics.redaction; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'presidio_analyzer', 'spacy', 'torch'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- real runs --------------------------------------------------------------------------------------

def espeak(path: Path, text: str, voice: str = "en-us") -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "100", "-g", "10", "-w", str(path), text], check=True)
    return path


def texts_in(path: Path) -> str:
    """Every string a file holds: Parquet cells, a workbook's XML, SQLite rows, anything else as text."""
    if path.suffix in (".flac", ".wav", ".png", ".opus"):
        return ""
    if path.suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        return " ".join(map(str, [*frame.columns, *frame.to_numpy().ravel()]))
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    if path.suffix in (".sqlite", ".db"):
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            return " ".join(str(row) for t in tables for row in db.execute(f"select * from {t}"))
    return path.read_bytes().decode("utf-8", "ignore")


def leaks(root: Path, pattern: re.Pattern) -> dict[str, list[str]]:
    found = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and (hits := pattern.findall(texts_in(p))):
            found[str(p.relative_to(root))] = hits[:5]
    return found


@pytest.fixture(scope="module")
def redacted_batch(tmp_path_factory):
    """One batch over the call and two synthetic calls that say the same card (one also an e-mail address),
    hash policy, redacted audio; then the corpus pages, a re-analysis of a result's transcript with every
    transcript format, so that every kind of output exists to be scanned."""
    tmp = tmp_path_factory.mktemp("redact")
    inputs = tmp / "in"
    inputs.mkdir()
    shutil.copy(CALL, inputs / "MUL1011.opus")
    espeak(inputs / "card_email.wav", "Hello, I would like to change my details. You can write to me by email. My "
           "email address is David at yahoo dot com. The card number is four five three nine. One four eight "
           "eight. Zero three four three. Six four six seven. Thank you.")
    espeak(inputs / "card.wav", "Hello, I would like to change my details. My email address is not needed. My card "
           "number is four five three nine, one four eight eight, zero three four three, six four six seven. Thank "
           "you.")
    out = tmp / "out"
    env = {"MEETING_ANALYTICS_REDACT_KEY": "a-corpus-key"}
    done = run_cli("batch", inputs, "-o", out, "--workers", "1", "--channels", "auto", "--redact",
                   "--redact_policy", "hash", "--redact_audio", env=env)
    assert done.returncode == 0, done.stderr
    assert not CALL_ID.search(done.stdout + done.stderr)  # logs and progress lines too
    corpus = run_cli("corpus", out, env=env)
    assert corpus.returncode == 0, corpus.stderr
    results = {Path(json.loads((d / "result.json").read_text())["path"]).name: d
               for d in (out / "results").iterdir() if (d / "result.json").is_file()}
    call_dir = results["MUL1011.opus"]
    again = run_cli("analyze", call_dir / "transcript.json", "-o", out / "analyzed", "--redact", "--redact_audio",
                    env=env)
    assert again.returncode == 0, again.stderr
    from meeting_analytics.report.writers import write_outputs
    from meeting_analytics.transcript import Transcript

    write_outputs(Transcript.load(call_dir / "transcript.json"), out / "formats", "MUL1011", "all")
    return out, results


@needs_call
@pytest.mark.models
def test_no_file_of_a_redacted_batch_holds_the_callers_id_number(redacted_batch):
    out, results = redacted_batch
    from meeting_analytics.transcript import Transcript

    t = Transcript.load(results["MUL1011.opus"] / "transcript.json")
    spans = [s for s in t.info.redaction.spans if s.entity == "ID_NUMBER" and s.speaker == "CH0"]
    assert len(spans) >= 3 and all(60 <= s.start <= 86 for s in spans), t.info.redaction.spans
    assert leaks(out, CALL_ID) == {}
    kinds = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".json", ".parquet", ".html", ".txt", ".srt", ".vtt", ".tsv", ".rttm", ".csv", ".sqlite"} <= kinds
    assert (results["MUL1011.opus"] / "redactions.parquet").is_file()
    # analyze of a saved transcript: redacted again (its tokens stay), the audio copy made from its source
    again = Transcript.load(out / "analyzed" / "transcript.redacted.json")
    assert again.info.redaction.audio == "MUL1011.redacted.flac"
    assert (out / "analyzed" / "MUL1011.redacted.flac").stat().st_mode & 0o077 == 0


@needs_call
@pytest.mark.models
def test_the_redacted_audio_is_silent_over_the_id_and_unchanged_elsewhere(redacted_batch):
    from meeting_analytics.audio import read_audio
    from meeting_analytics.transcript import Transcript

    _, results = redacted_batch
    d = results["MUL1011.opus"]
    t = Transcript.load(d / "transcript.json")
    assert t.info.redaction.audio == "audio.redacted.flac" and (d / "audio.redacted.flac").stat().st_mode & 0o077 == 0
    orig = read_audio(CALL, keep_channels=True).samples
    red = read_audio(d / "audio.redacted.flac", keep_channels=True).samples
    assert red.shape == orig.shape
    sr = 16000
    for s in t.info.redaction.spans:
        a, b = int((s.start - 0.05) * sr), int((s.end + 0.05) * sr)
        before = 20 * np.log10(np.sqrt(np.mean(orig[:, a:b] ** 2)) + 1e-9)
        after = 20 * np.log10(np.sqrt(np.mean(red[:, a:b] ** 2)) + 1e-9)
        assert after < -80 and before > -60, (s, before, after)
    outside = np.ones(orig.shape[1], bool)
    for s in t.info.redaction.spans:
        outside[int((s.start - 0.3) * sr):int((s.end + 0.3) * sr)] = False
    assert np.corrcoef(orig[0, outside], red[0, outside])[0, 1] > 0.99
    from meeting_analytics.redaction.audio import redact_audio

    toned = read_audio(redact_audio(CALL, t.info.redaction.spans, d.parent.parent / "tone.flac", "tone"),
                       keep_channels=True).samples
    s = max(t.info.redaction.spans, key=lambda s: s.end - s.start)
    a, b = int(s.start * sr), int(s.end * sr)
    spectrum = np.abs(np.fft.rfft(toned[0, a:b]))
    assert abs(np.argmax(spectrum) * sr / (b - a) - 1000) < 5  # the tone, not the voice
    assert np.corrcoef(orig[0, outside], toned[0, outside])[0, 1] > 0.99


@pytest.mark.models
def test_card_and_email_said_in_synthetic_speech_are_redacted_with_one_token_per_card(redacted_batch):
    from meeting_analytics.transcript import Transcript

    out, results = redacted_batch
    tokens = {}
    for name in ("card_email.wav", "card.wav"):
        t = Transcript.load(results[name] / "transcript.json")
        assert not CARD_GROUPS.search(t.text) and not re.search(r"four five three nine|six four six seven", t.text)
        tokens[name] = set(re.findall(r"\[CREDIT_CARD:[0-9a-f]+\]", t.text))
        assert "CREDIT_CARD" in {s.entity for s in t.info.redaction.spans}
    assert len(tokens["card.wav"]) == 1 and tokens["card.wav"] == tokens["card_email.wav"]
    email = Transcript.load(results["card_email.wav"] / "transcript.json")
    assert "EMAIL_ADDRESS" in {s.entity for s in email.info.redaction.spans} and not EMAIL.search(email.text)
    assert leaks(out, CARD_GROUPS) == {} and leaks(out, re.compile(r"(?i)david at|yahoo")) == {}
    assert not any("a-corpus-key" in texts_in(p) for p in out.rglob("*") if p.is_file())


@pytest.mark.models
def test_a_meeting_without_personal_data_is_unchanged_but_for_its_run_facts(pipeline, dialogue, detector):
    from meeting_analytics.redaction.apply import redact_transcript

    _, paths = dialogue
    t = pipeline(paths["wav"])
    r = redact_transcript(t, detector, "tag")
    assert r.info.redaction is not None and r.info.redaction.spans == [], (t.text, r.info.redaction)
    assert r.words == t.words and r.utterances == t.utterances and r.turns == t.turns, \
        [(a, b) for a, b in zip(t.words, r.words) if a != b][:5]
    r.info.redaction = None
    assert r.to_dict() == t.to_dict()


def test_the_web_form_takes_redact_and_its_policy_by_name():
    from meeting_analytics.web.pages import options_from_fields

    options, _ = options_from_fields({"redact": "default", "redact_policy": "hash"})
    assert options.redact == "default" and options.redact_policy == "hash"
    assert options_from_fields({"redact": ""})[0].redact is None  # an empty field: off
    with pytest.raises(OptionError, match=r"redact.*unknown entity CARD"):
        options_from_fields({"redact": "card"})


def test_spelled_names_after_spell_and_the_flag_with_or_without_a_value(capsys):
    from meeting_analytics.cli import build_parser, options_from_args
    from meeting_analytics.redaction.spoken import spelled

    t = meeting([("AGENT", 0.0, 2.0, "Could you spell your last name?"), ("CALLER", 3.0, 6.0, "S, M, I, T, H.")])
    assert [(f.entity, f.value) for f in spelled(t.words)] == [("PERSON", "smith")]
    assert spelled(meeting([("A", 0.0, 3.0, "the B, B, C and the U, S, A")]).words) == []  # no "spell" before
    parse = build_parser().parse_args
    assert options_from_args(parse(["analyze", "x.wav", "--redact"])).redact == "default"
    assert options_from_args(parse(["analyze", "x.wav", "--redact", "PERSON", "--redact_audio"])).redact_audio \
        == "silence"
    with pytest.raises(SystemExit) as exited:  # a file name taken for the value: a usage error that says so
        parse(["analyze", "--redact", "x.wav", "y.wav"])
    assert exited.value.code == 2 and "put --redact after the inputs" in capsys.readouterr().err


def test_written_addresses_are_found_with_no_network(detector):
    """Presidio's e-mail recogniser would fetch the public suffix list on first use: the shipped one is used."""
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    assert tuple(email_recognizer.tldextract.extract.suffix_list_urls) == ()
    t = meeting([("A", 0.0, 4.0, "write to john.smith@gmail.com or call 555-123-4567 please")])
    assert [d.entity for d in detector(t.words)] == ["EMAIL_ADDRESS", "PHONE_NUMBER"]
