"""The command line on real files: outputs, bad input (one line each, exit != 0), bad flags."""

from __future__ import annotations

import json
import wave

import numpy as np
import pytest

from helpers import DATA, SHARED, error_lines, make_transcript, run_cli

@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "notes.wav").write_text("this is a text file, not audio\n")
    (d / "zero.wav").write_bytes(b"")
    with wave.open(str(d / "silence.wav"), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(16000)
        wf.writeframes(np.zeros(16000 * 10, dtype="<i2").tobytes())
    return d


@pytest.mark.parametrize("name, problem", [
    ("missing.wav", "no such file"),
    ("notes.wav", "not audio (looks like text)"),
    ("zero.wav", "zero-length"),
    ("silence.wav", "silent"),
])
def test_bad_input_one_line_nonzero_exit(bad_files, name, problem):
    proc = run_cli("transcribe", bad_files / name, "-o", bad_files / "out", "-q")
    assert proc.returncode != 0
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert name in lines[0] and problem in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (bad_files / "out").exists()


@pytest.mark.models
def test_click_only_file_is_no_speech(tmp_path):
    empty = SHARED / "ami" / "empty.wav"
    if not empty.exists():
        pytest.skip(f"AMI click-only clip {empty} not found (set MEETING_ANALYTICS_SHARED_DATA)")
    proc = run_cli("transcribe", empty, "-o", tmp_path, "-q")
    assert proc.returncode != 0
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "empty.wav" in lines[0] and "no speech" in lines[0]


@pytest.mark.parametrize("flags, message", [
    (["--language", "xx"], "unknown language"),
    (["--language", "de"], "English-only"),
    (["--model", "no-such-model"], "not available offline"),
])
def test_bad_options_one_line(flags, message, tmp_path):
    proc = run_cli("transcribe", DATA / "speech" / "jfk.flac", "-o", tmp_path, "-q", *flags)
    assert proc.returncode == 2
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_bad_flag_is_usage_error(tmp_path):
    proc = run_cli("transcribe", DATA / "speech" / "jfk.flac", "--num_speakers", "0")
    assert proc.returncode == 2 and "num_speakers" in proc.stderr


@pytest.mark.parametrize("command", ["transcribe", "analyze", "batch"])
def test_every_declared_option_is_a_flag_with_its_declared_default(command):
    """The CLI reads its flags from options.py: each declared option parses to its declared default."""
    from meeting_analytics.cli import build_parser
    from meeting_analytics.options import PipelineOptions, declared

    out = run_cli(command, "--help").stdout
    args = build_parser().parse_args([command, "x.wav", "-o", "out"])
    defaults = PipelineOptions()
    for owner, f in declared(defaults):
        if f.name == "filler_lexicon" and command == "transcribe":  # analysis only
            assert "--filler_lexicon" not in out
        elif f.metadata["cli"]:
            assert f"--{f.name}" in out, f.name
            expected = True if f.name == "verbatim" and command != "transcribe" else getattr(owner, f.name)
            assert getattr(args, f.name) == expected, f.name
    assert "--parallel_stages" not in out  # declared as API-only


@pytest.mark.models
def test_batch_with_a_bad_file_keeps_good_results(tmp_path, bad_files):
    proc = run_cli("transcribe", DATA / "call" / "sample.wav", bad_files / "notes.wav", "-o", tmp_path,
               "--output_format", "all")
    assert proc.returncode == 1
    assert sum("notes.wav" in ln and "error" in ln for ln in proc.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"sample.{e}" for e in
                                                          sorted(["txt", "srt", "vtt", "tsv", "json", "rttm"])]
    data = json.loads((tmp_path / "sample.json").read_text())
    assert len(data["speakers"]) >= 2
    assert "SPEAKER_" in proc.stdout  # speaker-labelled utterances printed
    assert "hf_token" in data["metadata"]["options"] and data["metadata"]["options"]["hf_token"] is None


def test_analyze_saved_transcript_without_models(tmp_path):

    src = make_transcript().save(tmp_path / "meeting.json")
    proc = run_cli("analyze", src, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "SPEAKER_00" in proc.stdout and "fillers/min" in proc.stdout
    out = tmp_path / "out" / "meeting_analytics"
    assert {"speakers.csv", "speakers.parquet", "fillers.csv", "questions.csv", "report.json"} <= \
        {p.name for p in out.iterdir()}
    assert json.loads((out / "report.json").read_text())["meeting"]["words"] == 5


@pytest.mark.parametrize("content, problem", [('{"segments": [', "invalid JSON"), ("[1, 2]", "not a transcript"),
                                              ('{"segments": [{"start": 1}]}', "malformed transcript")])
def test_analyze_bad_transcript_one_line(tmp_path, content, problem):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = run_cli("analyze", bad, "-o", tmp_path / "out", "-q")
    assert proc.returncode == 1
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "bad.json" in lines[0] and problem in lines[0], proc.stderr


@pytest.mark.models
def test_analyze_audio_uses_verbatim_prompt(tmp_path):
    from meeting_analytics.prompts import VERBATIM_PROMPT_EN

    proc = run_cli("analyze", DATA / "call" / "sample.wav", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "sample.json").read_text())
    assert data["metadata"]["options"]["asr"]["initial_prompt"] == VERBATIM_PROMPT_EN
    speakers = (tmp_path / "sample_analytics" / "speakers.csv").read_text().splitlines()
    assert len(speakers) == 1 + len(data["speakers"]) >= 3


def test_evaluate_hypothesis_equal_to_reference_scores_zero(tmp_path):
    from meeting_analytics.report.writers import write_rttm

    t = make_transcript()
    hyp = t.save(tmp_path / "meet.json")
    write_rttm(t, tmp_path / "ref.rttm", uri="meet")
    (tmp_path / "ref.stm").write_text("".join(f"meet 1 {u.speaker} {u.start} {u.end} {u.text}\n" for u in t.utterances))
    proc = run_cli("evaluate", hyp, "--rttm", tmp_path / "ref.rttm", "--stm", tmp_path / "ref.stm",
               "-o", tmp_path / "scores.csv")
    assert proc.returncode == 0, proc.stderr
    import pandas as pd

    row = pd.read_csv(tmp_path / "scores.csv").iloc[0]
    assert row["file"] == "meet" and row["wer"] == 0 and row["cpwer"] == 0
    assert row["der@0.0"] == 0 and row["der@0.25"] == 0 and row["ref_speakers"] == 2


def test_device_cuda_without_a_gpu_is_one_line_before_any_model(tmp_path):
    """The CUDA path on a machine without a usable GPU (every CPU machine, CI's included): exit 2, one line
    saying which half sees no device, for each command that would load models."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the CUDA path runs for real")
    jfk = DATA / "speech" / "jfk.flac"
    for args in (("transcribe", jfk, "-o", tmp_path / "t"), ("analyze", jfk, "-o", tmp_path / "a"),
                 ("batch", jfk, "-o", tmp_path / "b"), ("serve", "--port", "1", "--data_dir", tmp_path / "s")):
        done = run_cli(*args, "--device", "cuda")
        lines = error_lines(done.stderr)
        assert done.returncode == 2 and len(lines) == 1, (args, done.stderr)
        assert lines[0].startswith("meeting-analytics: error: --device cuda: CTranslate2 (speech recognition) sees 0")
        assert "load asr" not in done.stderr and not (tmp_path / "t").exists()
    bad = run_cli("transcribe", jfk, "-o", tmp_path / "t", "--device", "gpu")
    assert bad.returncode == 2 and error_lines(bad.stderr) == ["meeting-analytics: error: unknown device 'gpu'; "
                                                              "use cpu, cuda or cuda:N"]


def test_a_file_that_fails_to_decode_never_builds_the_pipeline():
    from meeting_analytics.audio import AudioError, probe
    from meeting_analytics.cli import LazyPipeline
    from meeting_analytics.decode import DecodeAhead
    from meeting_analytics.options import PipelineOptions

    class Unbuildable(LazyPipeline):
        def __call__(self):
            raise AssertionError("the pipeline was built before the file was decoded")

    path = str(DATA / "call" / "sample.wav")  # mono: --channels split cannot read it
    options = PipelineOptions(channels="split")
    pipeline = Unbuildable(None, options)
    files = DecodeAhead(options, {path: probe(path)}, prepare=pipeline.prepare_if_loaded)
    with pytest.raises(AudioError, match="needs 2 or more channels"):
        pipeline.transcribe(path, files)


def test_decode_ahead_gives_what_decode_gives_and_reads_only_short_files_ahead(tmp_path):
    from meeting_analytics.audio import AudioError, probe
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.decode import DecodeAhead, decode

    call, jfk = str(DATA / "call" / "sample.wav"), str(DATA / "speech" / "jfk.flac")
    options = PipelineOptions(channels="split")  # the call (mono) fails to decode, jfk (stereo) splits
    infos = {call: probe(call), jfk: probe(jfk)}
    files = DecodeAhead(options, infos)
    with pytest.raises(AudioError, match="needs 2 or more channels"):
        files.take(call)  # a bad file is its own error; the next one was started all the same
    assert list(files.ahead) == [jfk]
    got = files.take(jfk)
    expected = decode(jfk, options, infos[jfk])
    assert np.array_equal(got.audio, expected.audio) and got.channels == expected.channels
    files.close()

    short_only = DecodeAhead(PipelineOptions(), {jfk: infos[jfk], call: infos[call]}, max_seconds=20.0)
    short_only.take(jfk)
    assert short_only.ahead == {}  # the call is 30 s: read when taken, never held beside another
    assert len(short_only.take(call).audio) == 30 * 16_000
    short_only.close()


def test_a_failing_pass_ahead_leaves_the_file_to_the_run():
    from meeting_analytics.audio import probe
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.decode import DecodeAhead

    def prepare(decoded):
        raise RuntimeError("segmentation failed")

    jfk, call = str(DATA / "speech" / "jfk.flac"), str(DATA / "call" / "sample.wav")
    files = DecodeAhead(PipelineOptions(), {jfk: probe(jfk), call: probe(call)}, prepare=prepare)
    files.take(jfk)
    decoded = files.take(call)  # decoded all the same; the run computes the segmentation itself
    files.close()
    assert decoded.segmentation is None and len(decoded.audio) == 30 * 16_000


# -- speaker names (--names in order of first speech, --rename by label) ------------------------------

SAVED_CALL = DATA.parent / "tests" / "data" / "written_0.1_call.json"  # the call as 0.1 wrote it; SPEAKER_01 first


def _speakers_csv(directory) -> set[str]:
    import pandas as pd

    return set(pd.read_csv(directory / "speakers.csv")["speaker"])


@pytest.fixture(scope="module")
def named_call(tmp_path_factory):
    """``analyze`` of the shipped call, two speakers named by who spoke first."""
    out = tmp_path_factory.mktemp("named")
    proc = run_cli("analyze", DATA / "call" / "sample.wav", "-o", out, "--num_speakers", "2", "--names", "Ann,Bob")
    return out, proc


@pytest.mark.models
def test_names_on_analyze_of_audio_reach_every_output(named_call):
    import pandas as pd

    from meeting_analytics.transcript import Transcript

    out, proc = named_call
    assert proc.returncode == 0, proc.stderr
    result = out / "sample_analytics"
    assert _speakers_csv(result) == {"Ann", "Bob"}
    for table in ("utterances", "fillers", "questions"):
        assert set(pd.read_csv(result / f"{table}.csv")["speaker"].dropna()) <= {"Ann", "Bob"}, table
    transcript = Transcript.load(out / "sample.json")
    assert transcript.speakers == ["Ann", "Bob"] or sorted(transcript.speakers) == ["Ann", "Bob"]
    assert min(transcript.words, key=lambda w: w.start).speaker == "Ann"  # the first to speak gets the first name
    html = (result / "report.html").read_text()
    assert "Ann" in html and "Bob" in html and "SPEAKER_0" not in html
    table = proc.stdout.splitlines()
    assert any(line.split()[:1] == ["Ann"] for line in table) and any(line.split()[:1] == ["Bob"] for line in table)
    assert f"report: {result / 'report.html'}" in proc.stdout


def test_names_and_rename_on_analyze_of_a_saved_transcript(tmp_path):
    named = run_cli("analyze", SAVED_CALL, "-o", tmp_path / "n", "--names", "Ann,Bob", "-q")
    assert named.returncode == 0, named.stderr
    import pandas as pd

    speakers = pd.read_csv(tmp_path / "n" / "written_0.1_call_analytics" / "speakers.csv")
    assert set(speakers["speaker"]) == {"Ann", "Bob"}
    first = json.loads((tmp_path / "n" / "written_0.1_call_analytics" / "transcript.json").read_text())
    assert first["segments"][0]["speaker"] == "Ann"  # SPEAKER_01 spoke first
    renamed = run_cli("analyze", SAVED_CALL, "-o", tmp_path / "r", "--rename", "SPEAKER_00=Diane,SPEAKER_01=Sheila",
                      "--no_html", "-q")
    assert renamed.returncode == 0, renamed.stderr
    result = tmp_path / "r" / "written_0.1_call_analytics"
    assert _speakers_csv(result) == {"Diane", "Sheila"}
    assert json.loads((result / "transcript.json").read_text())["segments"][0]["speaker"] == "Sheila"


def test_names_and_rename_on_report(tmp_path):
    from_json = run_cli("report", SAVED_CALL, "-o", tmp_path / "j", "-f", "html,csv", "--names", "Ann,Bob")
    assert from_json.returncode == 0, from_json.stderr
    html = (tmp_path / "j" / "written_0.1_call.html").read_text()
    assert "Ann" in html and "Bob" in html and "SPEAKER_0" not in html
    assert _speakers_csv(tmp_path / "j" / "written_0.1_call_analytics") == {"Ann", "Bob"}

    saved = run_cli("analyze", SAVED_CALL, "-o", tmp_path / "a", "--no_html", "-q")  # a result directory, unnamed
    assert saved.returncode == 0, saved.stderr
    from_dir = run_cli("report", tmp_path / "a" / "written_0.1_call_analytics", "-o", tmp_path / "d", "-f", "html,csv",
                       "--rename", "SPEAKER_01=Sheila")
    assert from_dir.returncode == 0, from_dir.stderr
    assert _speakers_csv(tmp_path / "d" / "written_0.1_call_analytics") == {"Sheila", "SPEAKER_00"}
    assert "Sheila" in (tmp_path / "d" / "written_0.1_call.html").read_text()


def test_renaming_a_speaker_that_is_not_there_is_an_error_api_and_cli(tmp_path):
    from meeting_analytics.analytics import analyze
    from meeting_analytics.errors import OptionError
    from meeting_analytics.transcript import Transcript

    transcript = Transcript.load(SAVED_CALL)
    report = analyze(transcript)
    for target in (transcript, report):
        with pytest.raises(OptionError, match=r"no speaker 'SPEAKER_07'; the speakers are SPEAKER_00, SPEAKER_01"):
            target.rename_speakers({"SPEAKER_07": "Ann"})
    assert report.rename_speakers({"SPEAKER_00": "Ann"}).speakers["speaker"].tolist().count("Ann") == 1  # known: fine
    for command, extra in (("analyze", ()), ("report", ("-f", "csv"))):
        proc = run_cli(command, SAVED_CALL, "-o", tmp_path / command, *extra, "--rename", "SPEAKER_07=Ann", "-q")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 1 and len(lines) == 1, proc.stderr  # this file's failure: another may have it
        assert lines[0] == (f"meeting-analytics: error: {SAVED_CALL}: --rename: no speaker 'SPEAKER_07'; "
                            "the speakers are SPEAKER_01, SPEAKER_00"), lines


def test_more_names_than_speakers_is_an_error_naming_the_extra_ones(tmp_path):
    for command in ("analyze", "report"):
        proc = run_cli(command, SAVED_CALL, "-o", tmp_path / command, "--names", "Ann,Bob,Carl,Dora", "-q")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 1 and lines == [f"meeting-analytics: error: {SAVED_CALL}: --names: 4 names for 2 "
                                                  "speakers; no speaker for Carl, Dora"], proc.stderr
        assert not (tmp_path / command / "written_0.1_call_analytics").exists()
    twice = run_cli("analyze", SAVED_CALL, "-o", tmp_path, "--names", "Ann,Ann")
    assert twice.returncode == 2 and error_lines(twice.stderr) == [
        "meeting-analytics: error: --names: each speaker needs a different name"]
    malformed = run_cli("report", SAVED_CALL, "-o", tmp_path, "--rename", "SPEAKER_00:Ann")
    assert malformed.returncode == 2 and "'SPEAKER_00:Ann' is not LABEL=NAME" in malformed.stderr


def test_names_that_do_not_fit_one_input_fail_that_input_only(tmp_path):
    """Names are checked against each recording: one with fewer speakers fails in a line naming it, the
    others are analysed; a recording's transcription is kept when its names do not fit."""
    from helpers import meeting

    three = tmp_path / "three.json"
    meeting([("A", 0, 2, "one two"), ("B", 3, 5, "three four"), ("C", 6, 8, "five six")]).save(three)
    proc = run_cli("analyze", SAVED_CALL, three, "-o", tmp_path / "out", "--names", "Ann,Bob,Carl", "--no_html", "-q")
    assert proc.returncode == 1 and error_lines(proc.stderr) == [
        f"meeting-analytics: error: {SAVED_CALL}: --names: 3 names for 2 speakers; no speaker for Carl"], proc.stderr
    assert _speakers_csv(tmp_path / "out" / "three_analytics") == {"Ann", "Bob", "Carl"}


@pytest.mark.models
def test_names_that_do_not_fit_a_recording_keep_its_transcript(tmp_path):
    jfk = DATA / "speech" / "jfk.flac"
    proc = run_cli("analyze", jfk, "-o", tmp_path, "--names", "Ann,Bob", "--no_html", "-q")
    kept = tmp_path / "jfk.json"
    assert proc.returncode == 1 and error_lines(proc.stderr) == [
        f"meeting-analytics: error: {jfk}: --names: 2 names for 1 speaker; no speaker for Bob (its transcript is "
        f"kept: {kept}; analyze that with other names)"], proc.stderr
    assert kept.is_file() and not (tmp_path / "jfk_analytics").exists()


# -- usage errors: the command's own, short ---------------------------------------------------------

def test_an_unknown_flag_is_the_commands_error_with_the_closest_flags(tmp_path):
    proc = run_cli("analyze", DATA / "speech" / "jfk.flac", "-o", tmp_path, "--speakers", "2")
    assert proc.returncode == 2 and "usage:" not in proc.stderr
    assert error_lines(proc.stderr) == [
        "meeting-analytics analyze: error: unrecognized arguments: --speakers 2; --speakers: did you mean "
        "--num_speakers, --min_speakers or --max_speakers?",
        "see `meeting-analytics analyze --help`"]
    typo = run_cli("transcribe", DATA / "speech" / "jfk.flac", "--modle", "base", "--verbatimm")
    assert typo.returncode == 2 and error_lines(typo.stderr)[0].endswith(
        "--modle: did you mean --model?; --verbatimm: did you mean --verbatim?")
    assert not list(tmp_path.iterdir())  # nothing ran


@pytest.mark.parametrize("command, missing", [
    ("transcribe", "audio"), ("analyze", "inputs"), ("report", "inputs"), ("batch", "inputs, --output_dir/-o"),
    ("corpus", "results"), ("evaluate", "transcripts"), ("enroll", "name, audio"), ("profiles", "action")])
def test_a_missing_argument_is_one_line_and_where_the_help_is(command, missing, capsys):
    from meeting_analytics.cli import main

    with pytest.raises(SystemExit) as done:
        main([command])
    err = capsys.readouterr().err
    assert done.value.code == 2 and error_lines(err) == [
        f"meeting-analytics {command}: error: the following arguments are required: {missing}",
        f"see `meeting-analytics {command} --help`"]


def test_a_bad_file_reads_the_same_on_the_command_line_and_in_the_web_app(tmp_path):
    """Random bytes named .mp3: ffprobe reads them by the extension on the command line; the web app keeps an
    upload as uploads/<id> and probes it with the uploaded name (``probe(path, name=)``): the same words."""
    import shutil

    from meeting_analytics.audio import AudioError, probe

    bad = tmp_path / "interview.mp3"
    bad.write_bytes(np.random.default_rng(25).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    proc = run_cli("analyze", bad, "-o", tmp_path / "out", "-q")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    stored = tmp_path / "uploads" / "3f2a9c"
    stored.parent.mkdir()
    shutil.copy(bad, stored)
    with pytest.raises(AudioError) as web:
        probe(stored, name="interview.mp3")
    assert lines[0] == f"meeting-analytics: error: {bad}: {web.value.problem}"
    assert str(web.value) == f"interview.mp3: {web.value.problem}" and "MP3" in web.value.problem
    assert str(stored) not in str(web.value)
