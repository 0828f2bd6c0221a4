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
