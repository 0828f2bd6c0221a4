"""``meeting-analytics serve``: a real server process on 127.0.0.1 with real models, its JSON API over
HTTP, a real headless Chromium uploading through the form, restart after SIGKILL, bad uploads, and
20 concurrent uploads. ``MEETING_ANALYTICS_DOCS=DIR`` makes the browser test save its screenshot there
(``make docs``)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import DATA
from webtools import Server, chromium, load, make_clips, percentile

from meeting_analytics.report.browser import find_browser
from meeting_analytics.transcript import Transcript

pytestmark = pytest.mark.models
CALL = DATA / "call" / "sample.wav"
ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("web") / "data")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def call_job(server):
    response = server.upload(CALL, "../../etc/passwd", num_speakers=2, names="Agent, Client")
    assert response.status_code == 201, response.text
    return server.wait(response.json()["id"])


def test_upload_the_call_and_read_its_report(server, call_job):
    job = call_job
    assert job["status"] == "done", job["error"]
    assert ID.match(job["id"]) and job["file"] == "passwd"  # the client's path is display text only
    assert job["duration"] == pytest.approx(30.0, abs=0.1) and job["speed"] > 0 and job["progress"] == 1.0
    assert set(job["stages"].values()) == {1.0}
    uploads = sorted(p.name for p in (server.data_dir / "uploads").iterdir())
    assert all(ID.match(name) for name in uploads) and job["id"] in uploads

    files = {"passwd.txt", "passwd.srt", "passwd.vtt", "passwd.tsv", "passwd.json", "passwd.rttm",
             "passwd_speakers.csv", "passwd_utterances.csv", "passwd.xlsx", "report.html"}
    assert set(os.listdir(server.data_dir / "jobs" / job["id"])) == files
    transcript = Transcript.from_json(server.client.get(f"/api/jobs/{job['id']}/files/passwd.json").text)
    assert sorted(transcript.speakers) == ["Agent", "Client"]
    first = min(transcript.words, key=lambda w: w.start)
    assert first.speaker == "Agent"  # names go to speakers in the order they first speak
    assert server.client.get(f"/api/jobs/{job['id']}/files/passwd.xlsx").content[:2] == b"PK"
    srt = server.client.get(f"/api/jobs/{job['id']}/files/passwd.srt")
    assert "attachment" in srt.headers["content-disposition"] and "[Agent]: Hello?" in srt.text

    page = server.client.get(f"/jobs/{job['id']}").text
    notes = dict(re.findall(r'download>([^<]+)</a> <span class="note">([^<]+)</span>', page))
    assert set(notes) == files and all(len(n) > 20 for n in notes.values())  # every download says what it is
    assert notes["passwd.srt"] == "subtitles for a video player"

    report = server.client.get(f"/api/jobs/{job['id']}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert "<script" not in report.text.lower() and "Client" in report.text
    listed = server.client.get("/api/jobs").json()
    assert job["id"] in [j["id"] for j in listed]


def test_the_same_upload_again_reuses_the_result(server, call_job):
    again = server.wait(server.upload(CALL, "copy.wav", num_speakers=2).json()["id"])
    assert again["status"] == "done" and again["reused"]
    # the reuse took well under a second: that is no speed; the run that computed the result had one
    computed = json.loads(next((server.data_dir / "results").glob("*/result.json")).read_text())
    assert again["speed"] is None and again["wall_seconds"] < computed["wall_seconds"]
    assert again["original_speed"] == pytest.approx(computed["audio_seconds"] / computed["wall_seconds"], abs=0.01)
    page = server.client.get(f"/jobs/{again['id']}").text
    assert "<dt>Speed</dt>" not in page and "<dt>Wall time</dt>" not in page
    assert f"reused from an identical earlier upload, computed at {again['original_speed']:.1f}x real time" in page
    assert _row(server.client.get("/jobs").text, again["id"])[-1] == "reused"
    transcript = Transcript.from_json(server.client.get(f"/api/jobs/{again['id']}/files/copy.json").text)
    assert transcript.speakers == ["SPEAKER_00", "SPEAKER_01"]  # names belong to a job, not to the result
    results = [p for p in (server.data_dir / "results").iterdir() if not p.name.startswith(".")]
    assert len(results) == 1  # computed once


def test_bad_uploads_fail_with_one_line_and_the_server_goes_on(server, tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    silence = tmp_path / "silence.wav"
    os.system(f"ffmpeg -nostdin -v error -f lavfi -i anullsrc=r=16000:cl=mono -t 3 -y {silence}")

    def failed(path, name=None):
        response = server.upload(path, name)
        assert response.status_code == 201, response.text
        return server.wait(response.json()["id"])

    notes = failed(text)
    assert notes["status"] == "failed" and notes["error"] == "notes.wav: not audio (looks like text)"
    assert "notes.wav: not audio (looks like text)" in server.client.get(f"/jobs/{notes['id']}").text
    assert failed(empty)["error"] == "empty.wav: zero-length file (0 bytes)"
    quiet = failed(silence)  # passes ffprobe, fails in the worker: the worker goes on
    assert quiet["status"] == "failed" and quiet["error"].startswith("silence.wav: ") and "\n" not in quiet["error"]
    mono = server.wait(server.upload(CALL, "mono.wav", channels="split").json()["id"])
    assert mono["error"] == "mono.wav: --channels split needs 2 or more channels; this file has 1"
    for job in (notes, quiet, mono):
        assert str(server.data_dir) not in job["error"]  # the user's name for the file, never the server's path

    hostile = failed(text, "<img src=x onerror=alert(1)>.wav")
    assert hostile["file"] == "<img src=x onerror=alert(1)>.wav"
    page = server.client.get("/jobs").text + server.client.get(f"/jobs/{hostile['id']}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.wav" in page

    for fields, needle in (({"num_speakers": "0"}, "Number of speakers (num_speakers): must be >= 1"),
                           ({"language": "xx"}, "Language (language): unknown language 'xx'"),
                           ({"language": "de"}, "Language (language): 'de' needs a multilingual model such as base"),
                           ({"speakers": "2"}, "unknown field(s): speakers"),
                           ({"channels": "left"}, "(channels): 'left' is not one of auto, mix, split"),
                           ({"names": "Ann, Ann"}, "each speaker needs a different name")):
        with open(CALL, "rb") as fh:
            r = server.client.post("/api/jobs", files={"file": ("call.wav", fh)}, data=fields)
        assert r.status_code == 400 and needle in r.json()["error"], r.text
    assert server.client.post("/api/jobs", data={"model": "base"}).status_code == 400  # no file
    assert server.client.post("/api/jobs", json={"file": "x"}).status_code == 400      # not multipart
    assert server.client.get("/api/jobs/nope").status_code == 404
    assert server.client.get(f"/api/jobs/{notes['id']}/files/..%2Fmanifest.sqlite").status_code == 404
    assert server.client.get(f"/api/jobs/{notes['id']}/report").status_code == 404
    assert server.client.get("/").status_code == 200
    leftovers = [p.name for p in (server.data_dir / "uploads").iterdir() if not ID.match(p.name)]
    assert leftovers == []


def _row(page: str, job_id: str) -> list[str]:
    """The cells' text of a job's row in a jobs table."""
    row = re.search(rf'<tr><td><a href="/jobs/{re.escape(job_id)}">.*?</tr>', page)
    assert row, f"no row for {job_id}"
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))]


def test_a_job_that_never_started_shows_no_start_time(server, tmp_path):
    text = tmp_path / "memo.wav"
    text.write_text("not audio at all\n")
    job = server.wait(server.upload(text).json()["id"])
    assert job["status"] == "failed" and job["started"] is None
    assert _row(server.client.get("/jobs").text, job["id"])[3] == ""  # the Started column
    assert "<th scope=\"col\">Started</th>" in server.client.get("/jobs").text


def test_a_bad_file_reads_as_on_the_command_line(server, tmp_path):
    noise = random.Random(25).randbytes(20_000)
    files = {"noise.mp3": noise, "noise.wav": noise, "noise.m4a": noise, "notes.wav": b"not audio at all\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        job = server.wait(server.upload(tmp_path / name).json()["id"])
        cli = subprocess.run([sys.executable, "-m", "meeting_analytics", "analyze", name, "-o", "out", "-q"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert cli.returncode == 1 and cli.stderr.strip() == f"meeting-analytics: error: {job['error']}", \
            (cli.stderr, job["error"])


@pytest.mark.parametrize("model", ["small", "large"])
def test_an_unknown_model_is_a_400_naming_the_field_and_the_offline_choices(server, model):
    from meeting_analytics.catalog import offline_names

    choices = ", ".join(offline_names())
    with open(CALL, "rb") as fh:
        api = server.client.post("/api/jobs", files={"file": ("call.wav", fh)}, data={"model": model})
    assert api.status_code == 400, api.text
    assert api.json()["error"] == (f"Speech recognition model (model): {model!r} is not available offline here; "
                                   f"choose from {choices}")
    with open(CALL, "rb") as fh:
        form = server.client.post("/jobs", files={"file": ("call.wav", fh)}, data={"model": model})
    assert form.status_code == 400 and f"choose from {choices}" in form.text
    page = server.client.get("/").text  # the form offers exactly the offline models, by name and description
    select = re.search(r'<select id="f-model" name="model"[^>]*>(.*?)</select>', page).group(1)
    assert re.findall(r'<option value="([^"]+)"', select) == offline_names()
    assert "tiny.en: English only" in select


def test_speaker_counts_in_conflict_are_named_in_the_forms_words(server):
    for fields, message in (
            ({"min_speakers": "3", "max_speakers": "2"},
             "Fewest speakers (min_speakers) 3 is more than Most speakers (max_speakers) 2"),
            ({"num_speakers": "5", "max_speakers": "4"},
             "Number of speakers (num_speakers) 5 is outside Fewest speakers (min_speakers) 1 to "
             "Most speakers (max_speakers) 4")):
        with open(CALL, "rb") as fh:
            r = server.client.post("/jobs", files={"file": ("call.wav", fh)}, data=fields)
        assert r.status_code == 400 and message in r.text and "--" not in r.text.split("<main")[1], r.text


def test_more_names_than_a_fixed_speaker_count_is_a_400(server):
    for fields in ({"num_speakers": "2"}, {"kind": "interview"}, {"kind": "call"}):
        with open(CALL, "rb") as fh:
            r = server.client.post("/api/jobs", files={"file": ("call.wav", fh)},
                                   data={**fields, "names": "Ann, Bob, Carl"})
        assert r.status_code == 400 and r.json()["error"] == \
            "Speaker names (names): 3 names for 2 speakers; no speaker for Carl", (fields, r.text)


def test_more_names_than_speakers_found_fails_the_job_naming_the_extra_ones(server, tmp_path):
    clip = make_clips(CALL, tmp_path, count=1, start=20.0)[0]  # the delete test's clip (it reuses this result)
    names = ["Ann", "Bob", "Carl", "Dan"]
    job = server.wait(server.upload(clip, names=", ".join(names)).json()["id"])
    assert job["status"] == "failed", job
    found = re.fullmatch(r"clip0.wav: Speaker names \(names\): 4 names for (\d) speakers; "
                         r"no speaker for (.+)", job["error"])
    assert found, job["error"]
    n = int(found.group(1))
    assert found.group(2) == ", ".join(names[n:])
    again = server.wait(server.upload(clip, names=", ".join(names[:n])).json()["id"])
    assert again["status"] == "done" and again["reused"]  # the transcript was kept
    transcript = Transcript.from_json(server.client.get(f"/api/jobs/{again['id']}/files/clip0.json").text)
    assert sorted(transcript.speakers) == sorted(names[:n])


def test_a_count_of_one_reads_in_the_singular():
    """'2 names for 1 speakers' was the form's 400 and a job's error (#25 item 4: '1 speakers')."""
    from types import SimpleNamespace

    from meeting_analytics.errors import OptionError
    from meeting_analytics.web.pages import options_from_fields
    from meeting_analytics.web.worker import speaker_names

    with pytest.raises(OptionError, match=r"^Speaker names \(names\): 2 names for 1 speaker; no speaker for Bob$"):
        options_from_fields({"num_speakers": "1", "names": "Ann, Bob"})
    solo = Transcript.load(Path(__file__).parent / "data" / "written_0.1_call.json").rename_speakers(
        {"SPEAKER_00": "SPEAKER_01"})
    job = SimpleNamespace(name="solo.wav", names=["Ann", "Bob"])
    with pytest.raises(OptionError, match=r"^solo.wav: Speaker names \(names\): 2 names for 1 speaker; "
                                          r"no speaker for Bob$"):
        speaker_names(SimpleNamespace(transcript=solo), job)
    two = Transcript.load(Path(__file__).parent / "data" / "written_0.1_call.json")
    first = two.utterances[0].speaker
    job = SimpleNamespace(name="two.wav", names=["SPEAKER_01" if first == "SPEAKER_00" else "SPEAKER_00"])
    with pytest.raises(OptionError, match=r"^two.wav: Speaker names \(names\): SPEAKER_0\d is already another"):
        speaker_names(SimpleNamespace(transcript=two), job)


def test_the_kind_of_recording_presets_what_the_user_left_empty():
    from meeting_analytics.web.pages import options_from_fields

    interview, _ = options_from_fields({"kind": "interview"})
    assert (interview.num_speakers, interview.analytics.roles) == (2, "interviewer,candidate")
    meeting, _ = options_from_fields({"kind": "meeting"})
    assert (meeting.num_speakers, meeting.min_speakers, meeting.max_speakers) == (None, 2, None)
    mine, _ = options_from_fields({"kind": "interview", "num_speakers": "3", "roles": "host,guest"})
    assert (mine.num_speakers, mine.analytics.roles) == (3, "host,guest")  # what the user filled in wins
    counted, _ = options_from_fields({"kind": "meeting", "max_speakers": "4"})  # the counts go together
    assert (counted.min_speakers, counted.max_speakers) == (None, 4)
    other, _ = options_from_fields({"kind": "other"})
    assert (other.num_speakers, other.min_speakers, other.analytics.roles) == (None, None, None)


def test_delete_forgets_the_job_and_its_files(server, tmp_path):
    clip = make_clips(CALL, tmp_path, count=1, start=20.0)[0]
    job = server.wait(server.upload(clip).json()["id"])
    assert job["status"] == "done"
    assert server.client.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert server.client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert not (server.data_dir / "jobs" / job["id"]).exists()
    assert not (server.data_dir / "uploads" / job["id"]).exists()
    assert server.client.delete(f"/api/jobs/{job['id']}").status_code == 404


def test_a_restart_loses_nothing_and_large_uploads_get_413(tmp_path):
    data = tmp_path / "data"
    clips = make_clips(CALL, tmp_path / "clips", count=3)
    big = tmp_path / "big.wav"
    big.write_bytes(CALL.read_bytes() * 2)  # 1.9 MB: over a 1 MiB limit
    first = Server(data, "--max_upload_mb", "1")
    try:
        assert first.upload(big).status_code == 413
        assert not any((data / "uploads").iterdir())  # the partial upload is gone
        done = first.wait(first.upload(clips[0]).json()["id"])
        assert done["status"] == "done"
        pending = [first.upload(c).json()["id"] for c in clips[1:]]
        first.kill()  # SIGKILL: its workers die with it (PR_SET_PDEATHSIG)
    finally:
        first.stop()
    second = Server(data, token="s3cret")
    try:
        with httpx.Client(base_url=second.url, timeout=30) as anonymous:
            assert anonymous.get("/api/jobs").status_code == 401 and anonymous.get("/").status_code == 401
            assert anonymous.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
            # a browser's first visit: a cookie, then the page
            opened = anonymous.get("/jobs?token=s3cret", follow_redirects=True)
            assert opened.status_code == 200 and opened.url.path == "/jobs" and "token" not in str(opened.url)
        jobs = {j["id"]: j for j in second.client.get("/api/jobs").json()}
        assert jobs[done["id"]]["status"] == "done" and jobs[done["id"]]["finished"] == done["finished"]
        assert all(jobs[i]["status"] in ("queued", "running") for i in pending)
        assert [second.wait(i)["status"] for i in pending] == ["done", "done"]
    finally:
        second.stop()


@pytest.mark.skipif(find_browser() is None, reason="no headless Chromium (make setup installs chromium-headless-shell)")
def test_a_browser_uploads_through_the_form_and_reads_the_report(server, call_job):
    docs = os.environ.get("MEETING_ANALYTICS_DOCS")
    with chromium() as page:
        page.send("Page.navigate", url=server.open_url)  # the URL the server printed: its token, then the app
        page.until(f"location.href === {json.dumps(server.url + '/')} && document.readyState === 'complete'")
        assert page.evaluate("document.querySelector('label[for=f-file]').textContent") == "Recording"
        # before the button: the file, the kind of recording, the names; the rest collapsed under Advanced
        assert page.evaluate("!document.getElementById('advanced').open")
        shown = page.evaluate("[...document.querySelectorAll('#upload input, #upload select')]"
                              ".filter(el => el.type !== 'hidden' && el.checkVisibility()).map(el => el.name)")
        assert shown == ["file", "kind", "kind", "kind", "kind", "names"]
        if docs:
            bottom = page.evaluate("Math.ceil(document.getElementById('upload').getBoundingClientRect().bottom) + 16")
            page.screenshot(Path(docs) / "web_form.png", height=bottom)  # the form, not the test's other jobs
        page.set_file("#f-file", CALL)
        page.evaluate("document.querySelector('input[name=kind][value=interview]').click()")
        assert page.evaluate("[document.getElementById('f-num_speakers').value,"
                             " document.getElementById('f-roles').value]") == ["2", "interviewer,candidate"]
        page.evaluate("document.getElementById('f-names').value = 'Ann, Bob'")
        page.evaluate("document.querySelector('#upload button[type=submit]').click()")
        job_id = page.until("location.pathname.startsWith('/jobs/') && document.getElementById('job')"
                            " && document.getElementById('job').dataset.id", timeout=60)
        seen = page.until("document.getElementById('status') && document.getElementById('status').textContent",
                          timeout=30)
        page.until("document.getElementById('status').textContent === 'done' && !!document.getElementById('report')",
                   timeout=600)
        page.until("document.getElementById('report').contentDocument.readyState === 'complete'"
                   " && !!document.getElementById('report').contentDocument.querySelector('#summary table')")
        rows = page.evaluate("[...document.getElementById('report').contentDocument"
                             ".querySelectorAll('#summary table tbody tr')].map(r => r.cells[0].textContent.trim())")
        # the whole report in the page's own scroll: the frame as tall as the report, down to its last section
        fit = ("(() => { const f = document.getElementById('report'), d = f.contentDocument;"
               " const last = [...d.querySelectorAll('body > *, section')].pop();"
               " return {frame: f.clientHeight, content: d.documentElement.scrollHeight,"
               " last: last.getBoundingClientRect().bottom}; })()")
        sizes = page.until(f"{fit}.frame >= {fit}.content && {fit}", timeout=30)
        assert sizes["content"] > 1500 and sizes["last"] <= sizes["frame"], sizes
        if docs:
            page.send("Emulation.setDeviceMetricsOverride", width=1200, height=1500, deviceScaleFactor=1,
                      mobile=False)
            page.screenshot(Path(docs) / "web_job.png", height=2000)  # the job, its downloads, the report's top
    job = server.client.get(f"/api/jobs/{job_id}").json()
    assert seen in ("queued", "running", "done") and job["status"] == "done"
    assert job["names"] == ["Ann", "Bob"] and sorted(rows) == ["Ann", "Bob"]
    assert (job["options"]["num_speakers"], job["options"]["analytics"]["roles"]) == (2, "interviewer,candidate")


def test_twenty_concurrent_uploads_lose_no_job_and_pages_keep_answering(server, tmp_path):
    clips = make_clips(CALL, tmp_path, count=5, seconds=3.0, start=7.0)
    result = load(server, clips * 4)
    assert [r.status_code for r in result["responses"]] == [201] * 20
    assert len({j["id"] for j in result["jobs"]}) == 20
    assert [j["status"] for j in result["jobs"]] == ["done"] * 20, [j["error"] for j in result["jobs"]]
    assert sum(not j["reused"] for j in result["jobs"]) == 5  # identical uploads wait for the first, then reuse
    assert result["page_errors"] == [] and len(result["latencies"]) > 10
    listed = {j["id"] for j in server.client.get("/api/jobs").json()}
    assert {j["id"] for j in result["jobs"]} <= listed
    print(json.dumps({"page_requests": len(result["latencies"]),
                      "p50_ms": round(1000 * percentile(result["latencies"], 0.5), 1),
                      "p95_ms": round(1000 * percentile(result["latencies"], 0.95), 1)}))


def test_listening_beyond_loopback_without_a_token_is_refused(tmp_path):
    from webtools import free_port

    done = subprocess.run([sys.executable, "-m", "meeting_analytics", "serve", "--host", "0.0.0.0", "--port",
                           str(free_port()), "--data_dir", str(tmp_path / "data"), "--no_token"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.strip() == (
        "meeting-analytics: error: refusing to listen on 0.0.0.0 without a token: anyone who can reach it could read "
        "and delete every recording; drop --no_token (a token is made) or set $MEETING_ANALYTICS_TOKEN")


def test_a_taken_port_is_one_line(server, tmp_path):
    done = subprocess.run([sys.executable, "-m", "meeting_analytics", "serve", "--port", str(server.port),
                           "--data_dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"meeting-analytics: error: cannot listen on 127.0.0.1:{server.port} "
                                   "(Address already in use)")
