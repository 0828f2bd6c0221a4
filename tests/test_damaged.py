"""Damaged and odd recordings (``damaged.py``: 60 files and 3 directory entries made at test time from the
shipped recordings, seeded) through ``transcribe`` (one process over every file), ``batch`` (one run over
the directory) and the web upload: every case ends done (with the right warnings) or failed with one
specific line; no traceback, no 5xx; the named cases end exactly as expected. Diarization is off: these
runs are about reading the audio, and it halves their time."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from damaged import DIRECTORY_ENTRIES, Case, files, make_cases, write_wav
from helpers import run_cli
from webtools import Server

from meeting_analytics.audio import read_audio, read_speech, sanitise
from meeting_analytics.batch.manifest import Manifest
from meeting_analytics.batch.run import expand_inputs
from meeting_analytics.errors import AudioError

SEED = 26
VAGUE = ("unknown error", "last message repeated", "error marking filters", "conversion failed", "Traceback")


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> tuple[Path, list[Case]]:
    d = tmp_path_factory.mktemp("damaged") / "in"
    return d, make_cases(d, SEED)


def check(case: Case, status: str, said: str, warnings: list[str], words: int | None) -> list[str]:
    """What is wrong with one case's end, as a run reported it (``said``: a failed file's error, ``warnings``:
    a done one's); every case is checked before the test fails, so one run shows every mismatch."""
    where = f"{case.name} ({case.kind}): {status}, {said or warnings}, {words} words"
    wrong = [status in ("done", "failed"),
             status != "failed"
             or bool(said) and "\n" not in said and not any(v.lower() in said.lower() for v in VAGUE),
             not case.expect or status == case.expect,
             not case.says or (any(case.says in w for w in warnings) if status == "done" else case.says in said),
             not case.words or bool(words),
             case.expect != "done" or bool(case.says) or not any("damaged" in w or "truncated" in w for w in warnings)]
    return [where] if not all(wrong) else []


# -- without models ------------------------------------------------------------------------------------

def test_the_cases_are_seeded_and_many(cases, tmp_path):
    d, made = cases
    assert len(files(made)) >= 50
    again = make_cases(tmp_path, SEED)
    assert [c.name for c in again] == [c.name for c in made]
    assert all((tmp_path / c.name).read_bytes() == (d / c.name).read_bytes() for c in files(made))


@pytest.mark.parametrize("name, problem", [
    ("text-wav.wav", "not audio (looks like text)"), ("text-mp3.mp3", "not audio (looks like text)"),
    ("html-wav.wav", "not audio (looks like HTML)"), ("html-mp3.mp3", "not audio (looks like HTML)"),
    ("zero-filled-wav.wav", "only zero bytes"), ("empty.wav", "zero-length file (0 bytes)"),
    ("truncated-1pct-mp3.mp3", "truncated: no complete MP3 frame"),
])
def test_unreadable_files_say_why_in_words(cases, name, problem):
    d, _ = cases
    with pytest.raises(AudioError) as err:
        read_speech(d / name)
    assert problem in err.value.problem and "\n" not in str(err.value)


@pytest.mark.parametrize("name, warning", [
    ("float-nan.wav", "1000 not-a-number samples set to 0"),
    ("float-inf.wav", "1000 infinite samples set to 0"),
    ("float-huge.wav", "1000 out-of-range samples (up to 1e+30) clipped to +/-1"),
    ("header-4gb.wav", "header says 4 GB of data, file has 960 KB"),
    ("truncated-50pct-wav.wav", "truncated: header says 960 KB of data, file has 480 KB"),
    ("truncated-50pct-flac.flac", "truncated: 5.4 s of 11.0 s decoded (51% lost)"),
    ("truncated-50pct-mp3.mp3", "truncated: 2.0 s of 4.0 s decoded (50% lost)"),
    ("damaged-frames.flac", "damaged FLAC frames: "),
])
def test_damaged_files_are_read_with_a_warning(cases, name, warning):
    d, _ = cases
    read = read_audio(d / name)
    assert any(w.startswith(warning) for w in read.warnings), read.warnings
    assert np.isfinite(read.samples).all() and np.abs(read.samples).max() <= 2.0
    if name == "damaged-frames.flac":  # ffmpeg alone exits 69 here; what decodes is kept
        assert 1.0 < len(read.samples) / 16_000 < 11.0 and "% lost" in read.warnings[0]


def test_intact_files_have_no_warning():
    for path in ("data/call/sample.wav", "data/speech/jfk.flac", "data/speech/hotwords.mp3"):
        assert read_audio(Path(__file__).resolve().parents[1] / path).warnings == ()


def test_sanitise_counts_what_it_changes():
    audio = np.array([0.5, np.nan, -np.inf, 3.0, -1e30, 1.5], dtype=np.float32)
    clean, warnings = sanitise(audio)
    assert clean.tolist() == [0.5, 0.0, 0.0, 1.0, -1.0, 1.5]  # 1.5: a resampler's overshoot, kept
    assert warnings == ["1 not-a-number and 1 infinite samples set to 0",
                        "2 out-of-range samples (up to 1e+30) clipped to +/-1"]


def test_directory_scans_list_what_they_skip(cases):
    d, made = cases
    inputs = expand_inputs([str(d)])
    assert sorted(p.name for p in inputs.files) == sorted(c.name for c in files(made))
    reasons = {Path(s.path).name: s.reason for s in inputs.skipped}
    assert reasons == {"x.wav": "is a directory, not an audio file", "loop.wav": "symlink loop",
                       "broken-link.wav": "broken symlink (to no-such-recording.wav)"}


def test_an_older_manifest_gains_the_warnings_column(tmp_path):
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE files (path TEXT PRIMARY KEY, key TEXT, content_hash TEXT, options_hash TEXT, "
               "status TEXT, error TEXT, audio_seconds REAL, wall_seconds REAL, started REAL, finished REAL, "
               "attempts INTEGER DEFAULT 0, worker TEXT, file_mtime REAL, models TEXT, versions TEXT, timings TEXT)")
    db.execute("INSERT INTO files (path, status) VALUES ('old.wav', 'done')")
    db.commit()
    db.close()
    manifest = Manifest(path)
    assert manifest.get("old.wav")["status"] == "done" and manifest.get("old.wav")["warnings"] is None
    manifest.upsert("new.wav", status="done", warnings=["1 infinite sample set to 0"])
    assert json.loads(manifest.get("new.wav")["warnings"]) == ["1 infinite sample set to 0"]
    manifest.close()


def test_a_float_wav_with_one_bad_sample_is_read(tmp_path):
    samples = np.zeros(16_000, dtype=np.float32)
    samples[100] = np.inf
    write_wav(tmp_path / "one.wav", samples, 16_000, "float32")
    assert read_audio(tmp_path / "one.wav").warnings == ("1 infinite sample set to 0",)


def test_warnings_are_escaped_in_the_report_header_and_the_job_page():
    from helpers import meeting

    from meeting_analytics.analytics import analyze
    from meeting_analytics.web.pages import job_page

    transcript = meeting([("A", 0, 5, "hello there"), ("B", 5, 9, "fine thanks")])
    transcript.info.warnings = ["damaged <script>x</script> frames & more"]
    page = analyze(transcript).to_html()
    assert "Damaged recording: damaged &lt;script&gt;x&lt;/script&gt; frames &amp; more" in page
    assert "<script" not in page.lower()
    job = {"id": "j", "file": "a.wav", "status": "done", "stages": {}, "duration": 9.0, "created": 0.0,
           "wall_seconds": None, "speed": None, "reused": False, "error": None, "progress": 1.0, "stage": None,
           "warnings": ["1 infinite sample <b>set</b> to 0"]}
    html = job_page(job, [])
    assert "Damaged recording: 1 infinite sample &lt;b&gt;set&lt;/b&gt; to 0" in html and "<b>set" not in html


# -- through the three front ends, with models -------------------------------------------------------

LINE = re.compile(r"^meeting-analytics: (error|warning): (.+?\.(?:wav|mp3|flac)): (.*)$")


@pytest.mark.models
def test_transcribe_every_case_in_one_process(cases, tmp_path):
    d, made = cases
    proc = run_cli("transcribe", *[d / c.name for c in files(made)], "-o", tmp_path, "-q", "-f", "json",
                   "--no_diarize")
    assert "Traceback" not in proc.stderr
    said: dict[str, list[tuple[str, str]]] = {}
    for line in proc.stderr.splitlines():
        m = LINE.match(line)
        assert m, f"not an error or warning line: {line!r}"
        said.setdefault(Path(m[2]).name, []).append((m[1], m[3]))
    problems: list[str] = []
    for case in files(made):
        out = tmp_path / f"{Path(case.name).stem}.json"
        lines = said.get(case.name, [])
        if out.exists():
            info = json.loads(out.read_text())
            warnings = [text for kind, text in lines if kind == "warning"]
            assert all(kind == "warning" for kind, _ in lines) and info["metadata"].get("warnings", []) == warnings
            problems += check(case, "done", "", warnings, len(info["word_segments"]))
        else:
            assert [kind for kind, _ in lines] == ["error"], (case.name, lines)
            problems += check(case, "failed", lines[0][1], [], None)
    assert not problems, "\n".join(problems)
    assert proc.returncode == 1  # some failed


@pytest.mark.models
def test_batch_every_case_in_one_run(cases, tmp_path):
    d, made = cases
    out = tmp_path / "out"
    proc = run_cli("batch", d, "-o", out, "--workers", "1", "--no_diarize")
    assert "Traceback" not in proc.stderr and proc.returncode == 1
    db = sqlite3.connect(out / "manifest.sqlite")
    rows = {Path(p).name: (s, e, json.loads(w) if w else [], k)
            for p, s, e, w, k in db.execute("SELECT path, status, error, warnings, key FROM files")}
    assert set(rows) == {c.name for c in made}
    problems: list[str] = []
    for case in made:
        status, error, warnings, key = rows[case.name]
        if case.name in DIRECTORY_ENTRIES:
            assert status == "skipped" and case.says in error, (case.name, rows[case.name])
            assert f"skipped {d / case.name}: {case.says}" in proc.stderr
            continue
        words = None
        if status == "done":  # the result, whole, with the warnings in its transcript and its result.json
            result = out / "results" / key
            transcript = json.loads((result / "transcript.json").read_text())
            assert json.loads((result / "result.json").read_text())["warnings"] == (warnings or None)
            assert transcript["metadata"].get("warnings", []) == warnings
            words = len(transcript["word_segments"])
        problems += check(case, status, error or "", warnings, words)
    assert not problems, "\n".join(problems)
    assert "3 not files (skipped)" in proc.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("web") / "data", "--no_diarize")
    yield s
    s.stop()


@pytest.mark.models
def test_web_upload_every_case(cases, server):
    d, made = cases
    jobs, problems = {}, []
    for case in files(made):
        response = server.upload(d / case.name)
        assert response.status_code == 201, (case.name, response.status_code, response.text)
        jobs[case.name] = response.json()["id"]
    for case in files(made):
        job = server.wait(jobs[case.name], timeout=900)
        page = server.client.get(f"/jobs/{job['id']}")
        assert page.status_code == 200
        words = None
        if job["status"] == "done":
            transcript = server.client.get(f"/api/jobs/{job['id']}/files/{Path(case.name).stem}.json").json()
            words = len(transcript["word_segments"])
            assert transcript["metadata"].get("warnings", []) == job["warnings"]
            report = server.client.get(f"/api/jobs/{job['id']}/report").text
            for warning in job["warnings"]:
                assert f"Damaged recording: {warning}" in report.replace("&#x27;", "'")
                assert f"Damaged recording: {warning}" in page.text.replace("&#x27;", "'")
        else:
            assert job["error"].startswith(f"{case.name}: ") and str(d) not in job["error"]
        problems += check(case, job["status"], (job["error"] or "").removeprefix(f"{case.name}: "), job["warnings"],
                          words)
    assert not problems, "\n".join(problems)
    assert server.client.get("/api/jobs").status_code == 200 and server.proc.poll() is None
