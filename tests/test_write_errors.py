"""Outputs that cannot be written: one error line naming the output path (never the input, never a
traceback), exit 1, and in a run over several files the others still finish. Every command that
writes: transcribe, analyze, report, batch, corpus. Bad inputs are refused before any model loads."""

from __future__ import annotations

import json

import pytest

from helpers import DATA, error_lines, full_dir, make_transcript, read_only_dir, run_cli


@pytest.fixture
def saved(tmp_path):
    return make_transcript().save(tmp_path / "inputs" / "meeting.json")


@pytest.fixture
def batch_results(tmp_path, saved):
    """A batch results directory written by the batch's own writer (no models needed)."""
    from meeting_analytics.analytics import analyze
    from meeting_analytics.batch.worker import Outcome, write_result
    from meeting_analytics.batch.manifest import Manifest

    out = tmp_path / "batch"
    m = Manifest(out / "manifest.sqlite")
    outcome = Outcome(str(saved), "k1", "done", audio_seconds=5.0, wall_seconds=1.0)
    write_result(out, "k1", analyze(make_transcript()), outcome)
    m.upsert(str(saved), key="k1", status="done", audio_seconds=5.0, wall_seconds=1.0)
    run = m.start_run("local", 1, 1, {})
    m.finish_run(run, done=1, failed=0, skipped=0, audio_seconds=5.0)
    m.close()
    return out


def command(name: str, saved, batch_results, out) -> list:
    return {"transcribe": ["transcribe", DATA / "speech" / "jfk.flac", "-o", out, "-q"],
            "analyze": ["analyze", saved, "-o", out, "-q"],
            "report": ["report", saved, "-o", out, "-f", "html,csv"],
            "batch": ["batch", DATA / "speech" / "jfk.flac", "-o", out, "-q", "--workers", "1"],
            "corpus": ["corpus", batch_results, "-o", out]}[name]


def assert_one_output_error(proc, output, forbidden: str, problem: str):
    assert proc.returncode == 1, proc.stderr
    lines = error_lines(proc.stderr)
    errors = [ln for ln in lines if "error:" in ln]
    assert len(errors) == 1, proc.stderr
    assert str(output) in errors[0] and problem in errors[0], errors[0]
    assert forbidden not in errors[0] and "Traceback" not in proc.stderr


FAST = ["transcribe", "analyze", "report", "batch", "corpus"]


@pytest.mark.parametrize("name", FAST)
def test_output_dir_is_a_file(name, tmp_path, saved, batch_results):
    target = tmp_path / "taken.txt"
    target.write_text("a file, not a directory\n")
    proc = run_cli(*command(name, saved, batch_results, target))
    assert_one_output_error(proc, target, "jfk.flac" if name != "analyze" else "meeting.json",
                            "exists and is not a directory")
    assert target.read_text() == "a file, not a directory\n"


@pytest.mark.parametrize("name", FAST)
def test_output_dir_read_only(name, tmp_path, saved, batch_results):
    with read_only_dir(tmp_path) as (d, env, how):
        proc = run_cli(*command(name, saved, batch_results, d / "out"), env=env)
        assert_one_output_error(proc, d / "out", "jfk.flac" if name != "analyze" else "meeting.json",
                                "read-only" if "injected" not in how else "Read-only")


@pytest.mark.parametrize("name", ["analyze", "report", "corpus", pytest.param("transcribe", marks=pytest.mark.models),
                                  pytest.param("batch", marks=pytest.mark.models)])
def test_disk_full(name, tmp_path, saved, batch_results):
    with full_dir(tmp_path) as (d, env, how):
        proc = run_cli(*command(name, saved, batch_results, d / "out"), env=env)
        assert_one_output_error(proc, d / "out", "jfk.flac" if name not in ("analyze", "batch") else "meeting.json",
                                "No space left on device" if name != "batch" or "injected" in how else "full")


@pytest.mark.models
def test_one_blocked_output_and_one_missing_input_leave_the_other_file_done(tmp_path):
    out = tmp_path / "out"
    (out / "jfk.json").mkdir(parents=True)  # a directory where jfk's JSON would go
    proc = run_cli("transcribe", DATA / "speech" / "jfk.flac", DATA / "speech" / "hotwords.mp3",
                   tmp_path / "missing.wav", "-o", out)
    assert proc.returncode == 1, proc.stderr
    lines = error_lines(proc.stderr)
    errors = [ln for ln in lines if "error:" in ln]
    assert len(errors) == 2 and "missing.wav: no such file" in errors[0], proc.stderr
    assert f"{out / 'jfk.json'}: cannot write" in errors[1] and "jfk.flac" not in errors[1]
    # the missing file is refused before any model loads
    assert lines.index(errors[0]) < next(i for i, ln in enumerate(lines) if "load asr" in ln)
    expected = {f"hotwords.{ext}" for ext in ("txt", "srt", "vtt", "tsv", "json", "rttm")}
    assert {p.name for p in out.iterdir()} >= expected
    assert json.loads((out / "hotwords.json").read_text())["segments"]


def test_bad_inputs_are_refused_before_any_model_loads(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio\n")
    proc = run_cli("analyze", tmp_path / "missing.wav", bad, tmp_path / "gone.json", "-o", tmp_path / "out")
    assert proc.returncode == 1
    lines = error_lines(proc.stderr)
    assert [ln.split(": ")[2] for ln in lines] == [str(tmp_path / n) for n in ("missing.wav", "notes.wav", "gone.json")]
    assert not any("load" in ln for ln in lines) and not (tmp_path / "out").exists()


def test_unwritable_cache_is_one_line_naming_it(tmp_path, saved):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    proc = run_cli("analyze", saved, "-o", tmp_path / "out", "-q", env={"MEETING_ANALYTICS_CACHE": blocker / "cache"})
    assert_one_output_error(proc, blocker, "meeting.json", "MEETING_ANALYTICS_CACHE")
